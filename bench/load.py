"""The load scenario, end to end: `DATABASE_URL=postgres://… .venv/bin/python bench/load.py`.

Uses a clinic's steady state (`<name>_clinic_<LOAD_INTAKES>_<LOAD_SIGNED>`: 100,000 intakes,
90 % of them signed with their reviews, by default; seeded once), creates the load users,
collects static files, starts gunicorn (gunicorn.conf.py's sync workers or LOAD_WORKERS of
them, production settings but plain HTTP) on LOAD_PORT (else a free port) and one task worker,
runs locust headless for LOAD_SECONDS with LOAD_USERS users (as the issue's independent
test: of 16, 8 clinic staff, 6 rheumatologists who sign cases, a criteria editor and a data
manager; LOAD_STAFF_USERS, LOAD_RHEUM_USERS, LOAD_EDITOR_USERS, LOAD_DATA_USERS set them one by
one), stops everything and prints throughput, p50/p95/p99 per request type and the errors.
Users start (and sign in) LOAD_SPAWN_RATE a second (1: a clinic's morning, not 16 sign-ins
in 4 s as before 7 Dec 2026, when it was a quarter of the users a second). LOAD_WAIT
("0.5-1.5" s by default) is each user's pause after every page (LOAD_PAUSE=task:
only between two tasks, as before 7 Dec 2026); "0-0" saturates the server. LOAD_SECONDS=0
only seeds. LOAD_TARGET=bare runs the same scenario with the bare form-save view as the
submit (bench/urls.py)."""

import csv
import importlib.util
import io
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
spec = importlib.util.spec_from_file_location("bench_run", HERE / "run.py")
bench_run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_run)  # sets Django up, as `make bench` does

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402

from intake.roles import (  # noqa: E402
    CLINIC_STAFF,
    CRITERIA_EDITOR,
    DATA_MANAGER,
    RHEUMATOLOGIST,
)

USERS = int(os.environ.get("LOAD_USERS", "16"))
# A clinic's steady state: LOAD_INTAKES synthetic intakes of which LOAD_SIGNED percent are
# signed (with their reviews), in a database of its own per pair, seeded once.
INTAKES = int(os.environ.get("LOAD_INTAKES", "100000"))
SIGNED = int(os.environ.get("LOAD_SIGNED", "90"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
# gunicorn.conf.py's number of sync workers (2 x cores + 1) unless LOAD_WORKERS is set.
WORKERS = int(os.environ.get("LOAD_WORKERS", "0"))
PASSWORD = "load-test-password-0123"  # noqa: S105 (synthetic load users only)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


#: (user name prefix, role, environment variable) of each kind of load user.
KINDS = (
    ("load_staff", CLINIC_STAFF, "LOAD_STAFF_USERS"),
    ("load_rheum", RHEUMATOLOGIST, "LOAD_RHEUM_USERS"),
    ("load_editor", CRITERIA_EDITOR, "LOAD_EDITOR_USERS"),
    ("load_data", DATA_MANAGER, "LOAD_DATA_USERS"),
)


def user_counts(users: int) -> dict[str, int]:
    """How many of each kind (the environment variables locustfile.py reads): half staff,
    three eighths rheumatologists, the rest one editor and one data manager (8/6/1/1 of 16),
    unless set one by one."""
    staff, rheum = max(1, users // 2), max(1, users * 3 // 8)
    rest = max(0, users - staff - rheum)
    defaults = (staff, rheum, (rest + 1) // 2, rest // 2)
    return {
        variable: int(os.environ.get(variable, default))
        for (_, _, variable), default in zip(KINDS, defaults, strict=True)
    }


def load_users(counts: dict[str, int]) -> None:
    # The hasher production uses (Argon2): a sign-in checks it once, as a clinic's would.
    hashed = make_password(PASSWORD)
    for prefix, role, variable in KINDS:
        group = Group.objects.get(name=role)
        for n in range(counts[variable]):
            user, created = get_user_model().objects.update_or_create(
                username=f"{prefix}_{n}",
                # The criteria pages are in the admin: the editor is a staff user.
                defaults={"password": hashed, "is_staff": role == CRITERIA_EDITOR},
            )  # updated too: earlier runs made PBKDF2 hashes, upgraded (slowly) at sign-in
            if created:
                user.groups.add(group)


def use_clinic_database(intakes: int, signed: int) -> None:
    """`<name>_clinic_<intakes>_<signed>`, created with the migrations and seeded once with
    `seed_demo --intakes N --signed P` (fixed seed): N submitted intakes, P percent of them
    signed a day or two after submission, the rest waiting in the queue. Kept between runs
    (the intakes a run submits and the cases it signs stay; the seeded ones are counted by
    their DEMO- MRNs). With P = 0 and the same N at 90 % already seeded, it is copied from
    that one and its reviews removed (the same intakes, none signed)."""
    from django.core.management import call_command

    from intake.models import AgreementCount, Intake, IntakeStatus, Patient, Review

    base = connection.settings_dict["NAME"]
    name = f"{base}_clinic_{intakes}_{signed}"
    sibling = f"{base}_clinic_{intakes}_90"
    if signed == 0 and not _exists(name) and _exists(sibling):
        with connection._nodb_cursor() as cursor:  # the maintenance database, as Django's own
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{sibling}"')
        connection.settings_dict["TEST"]["NAME"] = name
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True)
        Review.history.model.objects.all().delete()
        Review.objects.all().delete()
        AgreementCount.objects.all().delete()  # the counters of the reviews just removed
        Intake.objects.filter(status=IntakeStatus.SIGNED).update(status=IntakeStatus.SUBMITTED)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        return
    connection.settings_dict["TEST"]["NAME"] = name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True)
    present = Patient.objects.filter(mrn__startswith="DEMO-").count()
    if present < intakes:
        print(f"Seeding {intakes - present:,} intakes, {signed} % signed (once)…", flush=True)
        call_command("seed_demo", "--intakes", str(intakes - present), "--signed", str(signed),
                     "--seed", "3", stdout=io.StringIO())  # fmt: skip
        with connection.cursor() as cursor:  # as autovacuum would, after a bulk load
            cursor.execute("VACUUM ANALYZE")
    print(
        f"database {name}: {Intake.objects.count():,} intakes, "
        f"{Review.objects.count():,} signed reviews",
        flush=True,
    )


def _exists(name: str) -> bool:
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def main() -> int:
    if connection.vendor != "postgresql":
        print("The load scenario runs on PostgreSQL: set DATABASE_URL.", file=sys.stderr)
        return 2
    use_clinic_database(INTAKES, SIGNED)
    if SECONDS <= 0:
        return 0  # LOAD_SECONDS=0: seed only
    counts = user_counts(USERS)
    load_users(counts)
    extra = {variable: str(count) for variable, count in counts.items()}
    if os.environ.get("LOAD_TARGET") == "bare":
        extra["DJANGO_SETTINGS_MODULE"] = "bench.load_settings"
    port = int(os.environ.get("LOAD_PORT") or free_port())
    host = f"http://127.0.0.1:{port}"
    servers = start_servers(port, database_url(), workers=WORKERS, extra=extra)
    warm_up(port)
    try:
        prefix = servers.logs / "locust"
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless"]
            + ["-u", str(sum(counts.values())), "-r", os.environ.get("LOAD_SPAWN_RATE", "1")]
            + ["-t", f"{SECONDS}s"]
            + ["--host", host, "--csv", str(prefix), "--only-summary", "--stop-timeout", "5"],
            cwd=ROOT,
            env=servers.env,
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=(servers.logs / "locust.log").open("wb"),
        )
        print_figures(prefix, SECONDS, counts)
        print(f"\nlogs: {servers.logs}")
    finally:
        stop_servers(servers)
    return 0


@dataclass
class Servers:
    env: dict
    logs: Path
    processes: list


def start_servers(port: int, url: str, *, workers: int, extra: dict | None = None) -> Servers:
    """gunicorn (gunicorn.conf.py: its sync workers, or `workers` of them; production settings
    over plain HTTP) on `port` and one task worker, against the database at `url`; returns once
    /healthz answers."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "0",
        "DJANGO_ENV_FILE": "",
        "DJANGO_SECRET_KEY": os.environ["DJANGO_SECRET_KEY"],
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "AMPS_REQUIRE_2FA": "0",
        "AMPS_TASKS_BACKEND": "database",
        "PYTHONPATH": str(ROOT),
        **(extra or {}),
    }
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    logs = Path(tempfile.mkdtemp(prefix="amps_load_"))
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "amps_screen.wsgi", "--config", "gunicorn.conf.py"]
        + ["--bind", f"127.0.0.1:{port}", "--timeout", "120"]
        + (["--workers", str(workers)] if workers else []),
        cwd=ROOT,
        env=env,
        stdout=(logs / "gunicorn.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "task_worker"],
        cwd=ROOT,
        env=env,
        stdout=(logs / "worker.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310
            break
        except OSError:
            time.sleep(0.5)
    return Servers(env=env, logs=logs, processes=[server, worker])


def warm_up(port: int, requests: int = 30) -> None:
    """A few sign-in pages before the clock starts, so that each fresh worker has loaded its
    templates and opened its database connection (a cold start, not the steady state that
    the figures are of; the sign-ins themselves stay in the figures)."""
    for _ in range(requests):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=30).read()  # noqa: S310


def stop_servers(servers: Servers) -> None:
    for process in servers.processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def print_figures(prefix: Path, seconds: int, counts: dict[str, int]) -> None:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    staff, rheum, editors, data = counts.values()
    print(
        f"\nload scenario: {staff + rheum + editors + data} users ({staff} staff, {rheum} "
        f"rheumatologists, {editors} criteria editors, {data} data managers), {seconds} s, "
        f"pauses {os.environ.get('LOAD_WAIT', '0.5-1.5')} s after every "
        f"{os.environ.get('LOAD_PAUSE', 'page')}, "
        f"gunicorn {WORKERS or '2 x cores + 1'} sync workers, PostgreSQL, "
        f"target {os.environ.get('LOAD_TARGET', 'app')}\n"
    )
    columns = ("count", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms")
    widths = (7, 8, 8, 9, 9, 9)
    print(f"{'request':<34}" + "".join(f"{c:>{w}}" for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        print(
            f"{row['Name'][:33]:<34}{row['Request Count']:>7}{row['Failure Count']:>8}"
            f"{float(row['Requests/s']):>8.2f}{row['50%']:>9}{row['95%']:>9}{row['99%']:>9}"
        )
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        lines = failures.read_text().strip().splitlines()[1:]
        for line in lines[:10]:
            print(f"error: {line}")


if __name__ == "__main__":
    sys.exit(main())
