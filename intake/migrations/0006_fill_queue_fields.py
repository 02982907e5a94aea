"""Fill the new queue fields of existing rows: each screening's priority from its outcome,
each intake's current screening (its latest)."""

from django.db import migrations

PRIORITY = {"refer": 0, "consider_amps": 1, "indeterminate": 2}


def fill(apps, schema_editor):
    screening_model = apps.get_model("intake", "Screening")
    intake_model = apps.get_model("intake", "Intake")
    for outcome, priority in PRIORITY.items():
        screening_model.objects.filter(outcome=outcome).update(priority=priority)
    for intake in intake_model.objects.filter(current_screening__isnull=True):
        latest = (
            screening_model.objects.filter(intake=intake).order_by("-created_at", "-pk").first()
        )
        if latest is not None:
            intake.current_screening = latest
            intake.save(update_fields=["current_screening"])


class Migration(migrations.Migration):
    dependencies = [("intake", "0005_review_and_queue")]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
