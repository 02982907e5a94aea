"""Give the referrals already waiting their urgency rank, from their current screening
(those screened before urgencies existed have none and wait with the routine ones)."""

from django.db import migrations
from django.db.models import Case, OuterRef, PositiveSmallIntegerField, Subquery, Value, When

RANKS = {"emergency": 0, "urgent": 1, "routine": 2, "": 2}


def fill(apps, schema_editor):
    intake = apps.get_model("intake", "Intake")
    screening = apps.get_model("intake", "Screening")
    rank = Case(
        *(When(urgency=u, then=Value(r)) for u, r in RANKS.items()),
        output_field=PositiveSmallIntegerField(),
    )
    current = screening.objects.filter(uuid=OuterRef("current_screening_id"))
    intake.objects.filter(current_screening__outcome="refer").update(
        review_urgency=Subquery(current.annotate(rank=rank).values("rank")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [("intake", "0023_review_queue_by_urgency")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
