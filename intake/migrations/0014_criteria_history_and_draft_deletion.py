"""Give the rows created by the data migrations their first history record (so the first
change shows a diff), and let criteria editors delete an abandoned draft."""

from django.db import migrations
from django.utils import timezone

from intake.roles import sync_role_groups

HISTORY_FIELDS = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
}


def first_history_rows(apps, schema_editor):
    for name in ("CriteriaSet", "Criterion", "ReferenceCase"):
        model = apps.get_model("intake", name)
        historical = apps.get_model("intake", f"Historical{name}")
        recorded = set(historical.objects.values_list("id", flat=True).distinct())
        fields = [f for f in historical._meta.fields if f.attname not in HISTORY_FIELDS]
        historical.objects.bulk_create(
            historical(
                history_date=timezone.now(),
                history_type="+",
                history_change_reason="Initial record (created by a data migration)",
                **{f.attname: getattr(row, f.attname) for f in fields},
            )
            for row in model.objects.exclude(pk__in=recorded)
        )


class Migration(migrations.Migration):
    dependencies = [("intake", "0013_intake_list_index")]

    operations = [
        migrations.RunPython(first_history_rows, migrations.RunPython.noop),
        migrations.RunPython(sync_role_groups, migrations.RunPython.noop),
    ]
