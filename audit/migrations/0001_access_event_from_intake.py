"""AccessEvent moves from the intake app to audit. Nothing changes in the database here: the
model is taken over as it stands (table intake_accessevent), and its content type, with the
permissions that hang on it (the Auditor role's view permission), is relabelled."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def relabel_content_type(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="audit", model="accessevent").exists():
        content_type.objects.filter(app_label="intake", model="accessevent").update(
            app_label="audit"
        )


def relabel_content_type_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="intake", model="accessevent").exists():
        content_type.objects.filter(app_label="audit", model="accessevent").update(
            app_label="intake"
        )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("intake", "0016_current_screening_by_uuid"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AccessEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("action", models.CharField(choices=[("view", "Viewed the intake"), ("edit", "Opened the intake to edit"), ("review", "Opened the case to review"), ("export", "Exported")], max_length=10)),
                        ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("intake", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="access_events", to="intake.intake")),
                        ("patient", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="access_events", to="intake.patient")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "ordering": ["-created_at"],
                        "db_table": "intake_accessevent",
                        "indexes": [models.Index(fields=["patient", "-created_at"], name="access_patient_idx")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(relabel_content_type, relabel_content_type_back),
    ]
