"""An intake points at its current screening by the screening's UUID, so that a submitted
intake can be stored already pointing at a screening made (not yet stored) before it; and a
screening's time is set when it is made. Existing pointers are carried over."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_pointers(apps, schema_editor):
    intake_model = apps.get_model("intake", "Intake")
    screening_model = apps.get_model("intake", "Screening")
    current = screening_model.objects.filter(pk=OuterRef("current_screening_id"))
    intake_model.objects.filter(current_screening__isnull=False).update(
        current_screening_by_uuid=Subquery(current.values("uuid")[:1])
    )


def copy_pointers_back(apps, schema_editor):
    intake_model = apps.get_model("intake", "Intake")
    screening_model = apps.get_model("intake", "Screening")
    current = screening_model.objects.filter(uuid=OuterRef("current_screening_by_uuid_id"))
    intake_model.objects.filter(current_screening_by_uuid__isnull=False).update(
        current_screening=Subquery(current.values("pk")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0015_choices_from_the_registry"),
    ]

    operations = [
        migrations.AlterField(
            model_name="screening",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.AddField(
            model_name="intake",
            name="current_screening_by_uuid",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="intake.screening",
                to_field="uuid",
            ),
        ),
        migrations.RunPython(copy_pointers, copy_pointers_back),
        migrations.RemoveField(model_name="intake", name="current_screening"),
        migrations.RenameField(
            model_name="intake", old_name="current_screening_by_uuid", new_name="current_screening"
        ),
    ]
