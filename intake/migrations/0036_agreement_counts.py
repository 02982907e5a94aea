"""The agreement figures as counters kept with each signature (intake.models.agreement).

The data step counts every review signed so far (historical models, through the same
`recount_agreement` that `manage.py recount_agreement` runs); back, the rows are removed
with their table. A review signed by the previous release after this step ran is not
counted: run `manage.py recount_agreement` once the new release serves.
"""

from django.db import migrations, models

from intake.models.agreement import recount_agreement


def count_the_signed_reviews(apps, schema_editor):
    recount_agreement(
        apps.get_model("intake", "Review"),
        apps.get_model("intake", "AgreementCount"),
        using=schema_editor.connection.alias,
    )


def remove_the_counts(apps, schema_editor):
    apps.get_model("intake", "AgreementCount").objects.using(
        schema_editor.connection.alias
    ).all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("intake", "0035_reference_cases_per_version"),
    ]

    operations = [
        migrations.CreateModel(
            name="AgreementCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("version", models.PositiveIntegerField()),
                ("kind", models.CharField(choices=[("version", "All reviews of the version"), ("code", "Reviews with the red flag or pathway matched"), ("override_reason", "Overrides with the reason")], max_length=16)),
                ("key", models.CharField(blank=True, max_length=60)),
                ("total", models.PositiveIntegerField(default=0)),
                ("agreed", models.PositiveIntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("day", "version", "kind", "key"), name="agreement_count_unique"),
                    models.CheckConstraint(condition=models.Q(("agreed__lte", models.F("total"))), name="agreement_count_agreed_within_total"),
                ],
            },
        ),
        migrations.RunPython(count_the_signed_reviews, remove_the_counts),
    ]
