"""Give existing intakes their queue keys from their current screening (one UPDATE)."""

from django.db import migrations
from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When

PRIORITY = {"refer": 0, "consider_amps": 1, "indeterminate": 2}


def fill(apps, schema_editor):
    intake_model = apps.get_model("intake", "Intake")
    screening_model = apps.get_model("intake", "Screening")
    current = screening_model.objects.filter(pk=OuterRef("current_screening_id"))
    priority = Case(
        *(When(outcome=outcome, then=Value(rank)) for outcome, rank in PRIORITY.items()),
        output_field=IntegerField(),
    )
    intake_model.objects.filter(current_screening__isnull=False).update(
        review_priority=Subquery(current.annotate(rank=priority).values("rank")[:1]),
        screened_at=Subquery(current.values("created_at")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [("intake", "0011_review_queue_on_intake")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
