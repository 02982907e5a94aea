"""CDS Hooks and FHIR under gunicorn: 16 concurrent EHR callers, and $everything for 20 visits.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/amps_cds_bench \
        .venv/bin/python bench/cds_hooks.py

Targets (issue 20): a CDS Hooks call with prefetch p95 < 100 ms at 16 concurrent callers
(gunicorn + PostgreSQL); $everything for a patient with 20 visits < 150 ms. The database named
by DATABASE_URL is created if needed, migrated and seeded with BENCH_PATIENTS patients (a
screened intake each, default 2,000) once, then reused. Every JWT is signed before the clock
starts (the callers share the 2 cores with the server). Never part of `make test`.
"""

import http.client
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORT = int(os.environ.get("BENCH_PORT", "8220"))
BASE = f"http://127.0.0.1:{PORT}"
SECRET = "bench-only-secret-key-not-used-anywhere-else-0123456789"  # noqa: S105
ENV = {
    "DJANGO_SETTINGS_MODULE": "amps_screen.settings",
    "DJANGO_SECRET_KEY": SECRET,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "AMPS_REQUIRE_2FA": "0",
    "AMPS_BASE_URL": BASE,
    "DJANGO_LOG_LEVEL": "WARNING",
}
os.environ.update({k: v for k, v in ENV.items() if k not in os.environ})

import django  # noqa: E402

django.setup()

import jwt  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from intake import services  # noqa: E402
from intake.demo import synthetic_intakes  # noqa: E402
from intake.models import Intake, IntakeStatus, Patient, model_values  # noqa: E402
from interop.models import ApiClient, CdsClient  # noqa: E402

PATIENTS = int(os.environ.get("BENCH_PATIENTS", "2000"))
CALLERS = int(os.environ.get("BENCH_CALLERS", "16"))
CALLS_PER_CALLER = int(os.environ.get("BENCH_CALLS", "25"))
EXAMPLES = json.loads((ROOT / "fixtures" / "examples" / "intakes.json").read_text())
ISSUER = "https://ehr.bench.example/"
SERVICE = f"{BASE}/cds-services/amps-screen"
MRN_SYSTEM = f"{BASE}/fhir/sid/mrn"


def seed() -> tuple[Patient, Patient]:
    """BENCH_PATIENTS patients with one screened intake, and one patient with 20 visits."""
    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="bench")
    have = Patient.objects.filter(mrn__startswith="CDSB-").count()
    for index, (values, given, family, born, day) in enumerate(
        synthetic_intakes(PATIENTS, examples=EXAMPLES, seed=20)
    ):
        if index < have:
            continue
        patient = Patient.objects.create(mrn=f"CDSB-{index:06d}", given_name=given,
                                         family_name=family, date_of_birth=born,
                                         sex=values["sex"])  # fmt: skip
        intake = Intake.objects.create(
            patient=patient, created_by=user, intake_date=day,
            status=IntakeStatus.SUBMITTED, **model_values(values),
        )  # fmt: skip
        services.screen_intake(intake=intake)
    many, created = Patient.objects.get_or_create(
        mrn="CDSB-VISITS20",
        defaults={
            "given_name": "Twenty",
            "family_name": "Visits",
            "date_of_birth": date(2012, 3, 1),
            "sex": "female",
        },  # fmt: skip
    )
    if created:
        for values, *_ in synthetic_intakes(20, examples=EXAMPLES, seed=21):
            intake = Intake.objects.create(
                patient=many, created_by=user, status=IntakeStatus.SUBMITTED,
                **model_values(values),
            )  # fmt: skip
            services.screen_intake(intake=intake)
    return Patient.objects.get(mrn="CDSB-000007"), many


def clients():
    key = ec.generate_private_key(ec.SECP384R1())
    public = jwt.get_algorithm_by_name("ES384").to_jwk(key.public_key(), as_dict=True)
    CdsClient.objects.update_or_create(
        issuer=ISSUER, defaults={"label": "bench EHR", "jwks": {"keys": [{**public, "kid": "b"}]}}
    )
    ApiClient.objects.filter(label="bench reader").delete()
    reader = ApiClient(label="bench reader", expires_at="2099-01-01T00:00:00Z")
    token = reader.new_token()
    reader.save()
    return key, token


def signed(key) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": SERVICE, "iat": now, "exp": now + 1800,
              "jti": str(uuid.uuid4())}  # fmt: skip
    return jwt.encode(claims, key, algorithm="ES384", headers={"kid": "b", "typ": "JWT"})


def hook_body(patient: Patient, response: dict | None = None) -> bytes:
    prefetch: dict = {
        "patient": {
            "resourceType": "Patient",
            "id": "ehr-1",
            "identifier": [{"system": MRN_SYSTEM, "value": patient.mrn}],
        }  # fmt: skip
    }
    if response is not None:
        prefetch["questionnaireResponses"] = {"resourceType": "Bundle", "type": "searchset",
                                              "entry": [{"resource": response}]}  # fmt: skip
    return json.dumps({
        "hook": "patient-view", "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/1", "patientId": "ehr-1"}, "prefetch": prefetch,
    }).encode()  # fmt: skip


def request(conn, method, path, body=None, headers=None) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    return (time.perf_counter() - started) * 1000, response.status, data


def callers(key, bodies: list[bytes]) -> list[tuple[float, int]]:
    """16 threads, each with its own keep-alive connection, POSTing pre-signed calls."""
    work = [(signed(key), bodies[i % len(bodies)]) for i in range(CALLERS * CALLS_PER_CALLER)]
    shares = [work[i::CALLERS] for i in range(CALLERS)]

    def run(share):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        results = []
        for token, body in share:
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            ms, status, _ = request(conn, "POST", "/cds-services/amps-screen", body, headers)
            results.append((ms, status))
        conn.close()
        return results

    with ThreadPoolExecutor(CALLERS) as pool:
        return [row for rows in pool.map(run, shares) for row in rows]


def summary(name: str, rows: list[tuple[float, int]], target: float) -> str:
    times = sorted(ms for ms, _ in rows)
    errors = sum(status != 200 for _, status in rows)
    p95 = times[int(len(times) * 0.95) - 1]
    met = "yes" if p95 < target and not errors else "NO"
    return (f"{name:<46} n={len(rows):<5} median {statistics.median(times):6.1f} ms  "
            f"p95 {p95:6.1f} ms  errors {errors}  target p95 < {target:.0f} ms: {met}")  # fmt: skip


def main() -> int:
    if connection.vendor != "postgresql":
        print(
            "Set DATABASE_URL to a PostgreSQL database (the target is for gunicorn + PostgreSQL)."
        )
        return 2
    one, many = seed()
    key, token = clients()
    # The shipped gunicorn.conf.py (sync workers, 2 x cores + 1); BENCH_WORKERS and
    # BENCH_THREADS try other numbers (threads > 1: gunicorn's gthread workers).
    workers = os.environ.get("BENCH_WORKERS", "")
    threads = os.environ.get("BENCH_THREADS", "1")
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "amps_screen.wsgi", "--config",
         str(ROOT / "gunicorn.conf.py"), "-b", f"127.0.0.1:{PORT}", "--threads", threads,
         "--log-level", "warning", "--access-logfile", "/dev/null"]
        + (["-w", workers] if workers else []),
        cwd=ROOT,
        env={**os.environ},
    )  # fmt: skip
    workers = workers or "2 x cores + 1"
    try:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        for _ in range(50):
            try:
                request(conn, "GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        auth = {"Authorization": f"Bearer {token}"}
        qr_path = f"/fhir/QuestionnaireResponse/{one.intakes.first().uuid}"
        _, _, qr = request(conn, "GET", qr_path, headers=auth)
        mrns = list(
            Patient.objects.filter(mrn__startswith="CDSB-0").values_list("mrn", flat=True)[:500]
        )
        stored = [hook_body(Patient(mrn=mrn)) for mrn in mrns]
        prefetched = [hook_body(Patient(mrn="NOT-OURS"), json.loads(qr))]
        callers(key, stored[:32])  # warm every worker
        lines = [
            summary("CDS call, stored screening (Patient prefetch)", callers(key, stored), 100),
            summary("CDS call, prefetched QuestionnaireResponse", callers(key, prefetched), 100),
        ]
        path = f"/fhir/Patient/{many.uuid}/$everything"
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        everything = [request(conn, "GET", path, headers=auth)[:2] for _ in range(60)][10:]
        lines.append(summary("$everything, 20 visits (one caller)", everything, 150))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"Small-scale run: {PATIENTS} patients, {CALLERS} callers x {CALLS_PER_CALLER} calls, "
          f"gunicorn.conf.py, {workers} workers x {threads} threads")  # fmt: skip
    print("\n".join(lines))
    return 0 if all(line.endswith("yes") for line in lines) else 1


if __name__ == "__main__":
    sys.exit(main())
