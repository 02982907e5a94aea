"""EXPLAIN ANALYZE of the list, queue and CDS Hooks queries on the bench database (PostgreSQL):
`DATABASE_URL=postgres://… .venv/bin/python bench/explain.py` (after `make bench` or with
BENCH_INTAKES=N to seed N intakes). Prints each query's plan and time; bench/README.md
keeps them."""

import importlib.util
import os
import sys
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("bench_run", HERE / "run.py")
bench_run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_run)  # sets Django up, as `make bench` does

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from intake.forms.review import ReviewQueueFilterForm  # noqa: E402
from intake.models import Intake  # noqa: E402
from intake.models.outcomes import OUTCOME_PRIORITY  # noqa: E402
from intake.paging import ROW_LIMIT  # noqa: E402


def explain(title: str, queryset) -> None:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING ON, SUMMARY ON) {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
    print(f"\n### {title}\n```")
    print("\n".join(plan))
    print("```")


def main() -> int:
    if connection.vendor != "postgresql":
        print("EXPLAIN needs PostgreSQL: set DATABASE_URL.", file=sys.stderr)
        return 2
    bench_run.use_bench_database()
    bench_run.seed_large()
    total = Intake.objects.count()
    print(f"{total:,} intakes (BENCH_INTAKES={os.environ.get('BENCH_INTAKES', '100000')})")
    ids = Intake.objects.values_list("pk", flat=True)
    explain("Intake list, page 1 (ids in list order)", ids[:25])
    explain("Intake list, bounded count", ids[: ROW_LIMIT + 1].values("pk"))
    explain("Intake list, last page within the bound", ids[ROW_LIMIT - 25 : ROW_LIMIT])
    waiting = Intake.objects.awaiting_review()
    for outcome, rank in OUTCOME_PRIORITY.items():
        explain(
            f"Queue, bounded count of {outcome}",
            waiting.filter(review_priority=rank)[: ROW_LIMIT + 1].values("pk"),
        )
    explain("Queue, page 1", waiting.values_list("pk", flat=True)[:50])
    today = timezone.localdate()
    dates = {"date_from": today - timedelta(days=30), "date_to": today}
    ranged = ReviewQueueFilterForm(dates).narrow(waiting)  # as the queue page filters
    explain("Queue, last 30 days, page 1", ranged.values_list("pk", flat=True)[:50])
    explain(
        "Queue, last 30 days, bounded count of refer",
        ranged.filter(review_priority=0)[: ROW_LIMIT + 1].values("pk"),
    )
    explain("CDS Hooks call: the patient's latest screening, by MRN", cds_lookup())
    return 0


def cds_lookup():
    """The query of a CDS Hooks call for a patient with several visits (as the service makes it)."""
    from django.db.models import Count

    from interop.cds import service
    from interop.fhir.common import Base

    patient = (
        Intake.objects.values("patient__mrn")
        .annotate(visits=Count("pk"))
        .order_by("-visits")
        .values_list("patient__mrn", flat=True)
        .first()
    )
    base = Base("http://127.0.0.1:8000")
    identifier = {"system": base.mrn_system, "value": patient}
    call = service.Call("explain", "ehr-1", {"patient": {"resourceType": "Patient",
                                                         "identifier": [identifier]}})  # fmt: skip
    return service.latest_screenings(base, call)[:1]


if __name__ == "__main__":
    sys.exit(main())
