"""Patient search and the patient page, on many patients with follow-up visits.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/amps_screen .venv/bin/python bench/patients.py

Seeds (once, kept in the benchmark database of bench/run.py) BENCH_PATIENTS patients with
BENCH_VISITS intakes between them (default 100,000 / 150,000: a third of the patients came
back), then measures the patient search (POSTed term, results page) for a full name, a part
of a name and an MRN fragment, and the patient page of a patient with 20 visits and with 2:
median time and the number of queries. Prints the EXPLAIN of the search query. Targets
(issue 15): search median < 50 ms, patient page with 20 visits < 100 ms, queries constant.
"""

import io
import os
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from bench.run import machine, median_of, seconds, use_bench_database  # noqa: E402

PATIENTS = int(os.environ.get("BENCH_PATIENTS", "100000"))
VISITS = int(os.environ.get("BENCH_VISITS", str(PATIENTS * 3 // 2)))
RUNS = 15


def seed() -> None:
    from intake.models import Patient

    present = Patient.objects.filter(mrn__startswith="DEMO-").count()
    if present >= PATIENTS:
        return
    print(f"Seeding {PATIENTS:,} patients with {VISITS:,} intakes (once)…", flush=True)
    call_command(
        "seed_demo",
        "--intakes",
        str(VISITS),
        "--patients",
        str(PATIENTS),
        "--seed",
        "15",
        stdout=io.StringIO(),
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def patient_with_visits(count: int):
    """A patient with exactly `count` screened visits (made once, reused)."""
    from intake import services
    from intake.models import INTAKE_FACT_FIELDS, Intake, IntakeStatus, Patient

    mrn = f"BENCH-{count}V"
    patient = Patient.objects.filter(mrn=mrn).first()
    if patient is not None:
        return patient
    template = Intake.objects.submitted().select_related("patient").first()
    patient = Patient.objects.create(
        mrn=mrn,
        given_name="Bench",
        family_name=f"Visits{count}",
        date_of_birth=template.patient.date_of_birth,
        sex=template.patient.sex,
    )
    values = {name: getattr(template, name) for name in INTAKE_FACT_FIELDS}
    for n in range(count):
        values["visit_type"] = "initial" if n == 0 else "follow_up"
        intake = Intake.objects.create(
            patient=patient,
            created_by=template.created_by,
            status=IntakeStatus.SUBMITTED,
            intake_date=template.intake_date - timedelta(days=14 * (count - n)),
            **values,
        )
        services.screen_intake(intake=intake)
    return patient


def timed_get(client: Client, url: str) -> tuple[float, int]:
    queries: list[str] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    assert client.get(url).status_code == 200
    with connection.execute_wrapper(count):
        client.get(url)
    return median_of(RUNS, lambda: seconds(lambda: client.get(url))), len(queries)


def explain_search(term: str) -> str:
    from intake.models import Patient
    from intake.search import matching_patients

    found = matching_patients(Patient.objects.all(), term).order_by(
        "family_name", "given_name", "pk"
    )[:25]
    options = {"analyze": True} if connection.vendor == "postgresql" else {}
    return found.explain(**options)


def main() -> int:
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    use_bench_database()
    seed()
    client = Client()
    client.force_login(get_user_model().objects.get(username="staff"))
    search = reverse("intake:patient_search")
    from intake.models import Patient

    sample = Patient.objects.filter(mrn__startswith="DEMO-").order_by("pk")[PATIENTS // 2]
    terms = {
        "full name": f"{sample.given_name} {sample.family_name}",
        "part of a name": sample.family_name[:4].lower(),
        "MRN fragment": sample.mrn[-5:],
    }
    rows = []
    for label, term in terms.items():
        client.post(search, {"q": term})
        taken, queries = timed_get(client, search)
        rows.append((f"search, {label} ({term!r})", taken * 1000, queries, "< 50 ms"))
    for count in (2, 20):
        patient = patient_with_visits(count)
        taken, queries = timed_get(client, reverse("intake:patient_detail", args=[patient.uuid]))
        rows.append((f"patient page, {count} visits", taken * 1000, queries, "< 100 ms"))
    about = machine()
    print(f"\n{about['database']}, {about['cpu']} ({about['cores']} cores)")
    print(f"{PATIENTS:,} patients, {VISITS:,} intakes\n")
    print(f"{'measure':<52}{'median ms':>10}{'queries':>9}  target")
    for label, ms, queries, target in rows:
        print(f"{label:<52}{ms:>10.1f}{queries:>9}  {target}")
    print(f"\nEXPLAIN of the search for {terms['full name']!r}:\n")
    print(explain_search(terms["full name"]))
    print(f"\nEXPLAIN of the search for {terms['MRN fragment']!r}:\n")
    print(explain_search(terms["MRN fragment"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
