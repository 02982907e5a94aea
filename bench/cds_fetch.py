"""CDS Hooks calls without prefetch: the service reads the EHR's FHIR server itself.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/amps_h28_bench \
        .venv/bin/python bench/cds_fetch.py

Target (issue 28): a CDS call that fetches the Patient and the QuestionnaireResponses from a
FHIR server (a stub on loopback answering each read in 5 ms) has p95 < 150 ms at 16
concurrent callers (gunicorn with the shipped gunicorn.conf.py + PostgreSQL). The stub runs
as its own process (ThreadingHTTPServer, tests/fhir_stub.py); every JWT is signed before the
clock starts. The machine's load average is printed before and after: on a shared machine
the figures are only as good as the quiet they were measured in. Never part of `make test`.
"""

import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORT = int(os.environ.get("BENCH_PORT", "8150"))
STUB_PORT = int(os.environ.get("BENCH_STUB_PORT", "8151"))
STUB_DELAY = float(os.environ.get("BENCH_STUB_DELAY", "0.005"))
BASE = f"http://127.0.0.1:{PORT}"
STUB = f"http://127.0.0.1:{STUB_PORT}/fhir"
SECRET = "bench-only-secret-key-not-used-anywhere-else-0123456789"  # noqa: S105
ENV = {
    "DJANGO_SETTINGS_MODULE": "amps_screen.settings",
    "DJANGO_SECRET_KEY": SECRET,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "AMPS_REQUIRE_2FA": "0",
    "AMPS_BASE_URL": BASE,
    "DJANGO_LOG_LEVEL": "WARNING",
    # The stub is plain http on loopback: allowed only with this (never in production).
    "AMPS_CDS_FHIR_ALLOW_HTTP": "1",
}
os.environ.update({k: v for k, v in ENV.items() if k not in os.environ})


def run_stub(path: str) -> None:
    """`cds_fetch.py stub FILE`: serve the Patient and responses in FILE until killed."""
    from tests.fhir_stub import FhirStub

    data = json.loads(Path(path).read_text())
    stub = FhirStub(patient=data["patient"], responses=data["responses"], delay=STUB_DELAY,
                    port=STUB_PORT)  # fmt: skip
    stub.server.serve_forever()


if len(sys.argv) == 3 and sys.argv[1] == "stub":
    run_stub(sys.argv[2])
    sys.exit(0)

import django  # noqa: E402

django.setup()

import jwt  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from intake.models import Intake, IntakeStatus, Patient, model_values  # noqa: E402
from interop.fhir import resources  # noqa: E402
from interop.fhir.common import Base  # noqa: E402
from interop.models import CdsClient  # noqa: E402

CALLERS = int(os.environ.get("BENCH_CALLERS", "16"))
CALLS_PER_CALLER = int(os.environ.get("BENCH_CALLS", "25"))
EXAMPLES = json.loads((ROOT / "fixtures" / "examples" / "intakes.json").read_text())
ISSUER = "https://ehr.fetch-bench.example/"
SERVICE = f"{BASE}/cds-services/amps-screen"


def fixtures() -> dict:
    """The EHR's data the stub serves: a Patient with our MRN and a completed response (the
    first example intake, febrile: a referral card)."""
    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="bench")
    patient, _ = Patient.objects.get_or_create(
        mrn="FETCHB-1",
        defaults={
            "given_name": "Fetch",
            "family_name": "Bench",
            "sex": "female",
            "date_of_birth": date(2013, 5, 1),
        },  # fmt: skip
    )
    example = next(e for e in EXAMPLES if e["id"] == "V17")
    values = {k: v for k, v in example.items() if k not in ("id", "expected")}
    intake = Intake(patient=patient, created_by=user, status=IntakeStatus.SUBMITTED,
                    **model_values(values))  # fmt: skip
    intake.submitted_at = intake.updated_at = timezone.now()
    response = resources.questionnaire_response(Base(BASE), intake)  # never saved
    response["id"] = "qr-1"
    response["subject"] = {"reference": "Patient/ehr-1"}
    fhir_patient = {
        "resourceType": "Patient",
        "id": "ehr-1",
        "identifier": [{"system": f"{BASE}/fhir/sid/mrn", "value": patient.mrn}],
        "gender": "female",
        "birthDate": "2013-05-01",
    }
    return {"patient": fhir_patient, "responses": [response]}


def client_key():
    key = ec.generate_private_key(ec.SECP384R1())
    public = jwt.get_algorithm_by_name("ES384").to_jwk(key.public_key(), as_dict=True)
    CdsClient.objects.update_or_create(
        issuer=ISSUER,
        defaults={
            "label": "fetch bench EHR",
            "jwks": {"keys": [{**public, "kid": "f"}]},
            "fhir_server": STUB,
        },  # fmt: skip
    )
    return key


def signed(key) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": SERVICE, "iat": now, "exp": now + 1800,
              "jti": str(uuid.uuid4())}  # fmt: skip
    return jwt.encode(claims, key, algorithm="ES384", headers={"kid": "f", "typ": "JWT"})


BODY = json.dumps({
    "hook": "patient-view", "hookInstance": str(uuid.uuid4()), "fhirServer": STUB,
    "fhirAuthorization": {"access_token": "bench-token", "token_type": "Bearer",
                          "expires_in": 300, "scope": "patient/*.read", "subject": "amps"},
    "context": {"userId": "Practitioner/1", "patientId": "ehr-1"},
}).encode()  # fmt: skip


def prefetched_body(data: dict) -> bytes:
    """The same call with the EHR's data prefetched (nothing to read): the comparison."""
    body = json.loads(BODY)
    body["prefetch"] = {
        "patient": data["patient"],
        "questionnaireResponses": {"resourceType": "Bundle", "type": "searchset",
                                   "entry": [{"resource": r} for r in data["responses"]]},
    }  # fmt: skip
    return json.dumps(body).encode()


def callers(key, body: bytes = BODY) -> list[tuple[float, int, int]]:
    """16 threads, each with its own keep-alive connection: (ms, status, cards)."""
    work = [signed(key) for _ in range(CALLERS * CALLS_PER_CALLER)]
    shares = [work[i::CALLERS] for i in range(CALLERS)]

    def run(share):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        rows = []
        for token in share:
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            started = time.perf_counter()
            conn.request("POST", "/cds-services/amps-screen", body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            ms = (time.perf_counter() - started) * 1000
            cards = len(json.loads(data).get("cards", [])) if response.status == 200 else 0
            rows.append((ms, response.status, cards))
        conn.close()
        return rows

    with ThreadPoolExecutor(CALLERS) as pool:
        return [row for rows in pool.map(run, shares) for row in rows]


def wait_for(port: int, path: str) -> None:
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answers on port {port}")


def main() -> int:
    if connection.vendor != "postgresql":
        print(
            "Set DATABASE_URL to a PostgreSQL database (the target is for gunicorn + PostgreSQL)."
        )
        return 2
    data = fixtures()
    key = client_key()
    connection.close()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(data, handle)
    stub = subprocess.Popen([sys.executable, __file__, "stub", handle.name], cwd=ROOT)  # noqa: S603
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "amps_screen.wsgi", "--config",
         str(ROOT / "gunicorn.conf.py"), "-b", f"127.0.0.1:{PORT}",
         "--log-level", "warning", "--access-logfile", "/dev/null"],
        cwd=ROOT, env={**os.environ},
    )  # fmt: skip
    try:
        wait_for(STUB_PORT, "/fhir/metadata")
        wait_for(PORT, "/healthz")
        load_before = os.getloadavg()
        callers(key)  # warm every worker (and its pooled connection to the stub)
        rows = callers(key)
        compared = callers(key, prefetched_body(data))
        load_after = os.getloadavg()
    finally:
        server.terminate()
        stub.terminate()
        server.wait(timeout=30)
        stub.wait(timeout=30)
        Path(handle.name).unlink()
    times = sorted(ms for ms, _, _ in rows)
    errors = sum(status != 200 or cards != 1 for _, status, cards in rows)
    p95 = times[int(len(times) * 0.95) - 1]
    met = "yes" if p95 < 150 and not errors else "NO"
    same = sorted(ms for ms, _, _ in compared)
    print(f"{CALLERS} callers x {CALLS_PER_CALLER} calls, no prefetch: each call reads Patient and "
          f"QuestionnaireResponse from a loopback stub ({STUB_DELAY * 1000:.0f} ms a read); "
          f"gunicorn.conf.py workers")  # fmt: skip
    print(f"load average (1, 5, 15 min) before {load_before[0]:.2f} {load_before[1]:.2f} "
          f"{load_before[2]:.2f}, after {load_after[0]:.2f} {load_after[1]:.2f} "
          f"{load_after[2]:.2f} on {os.cpu_count()} cores (a shared machine)")  # fmt: skip
    print(f"CDS call reading the EHR's FHIR server   n={len(rows)}  median "
          f"{statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  max {times[-1]:6.1f} ms  "
          f"errors {errors}  target p95 < 150 ms: {met}")  # fmt: skip
    print(f"the same call with the data prefetched    n={len(compared)}  median "
          f"{statistics.median(same):6.1f} ms  p95 {same[int(len(same) * 0.95) - 1]:6.1f} ms "
          "(no reads: what the reads add is the difference)")  # fmt: skip
    return 0 if met == "yes" else 1


if __name__ == "__main__":
    sys.exit(main())
