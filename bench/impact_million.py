"""The impact preview of 1,000,000 intakes as a background task, with the queue in use meanwhile.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/amps_screen \
        .venv/bin/python bench/impact_million.py

Issue 18's targets: the preview of 1,000,000 intakes completes as a task (no request timeout) at
no worse than ~55 µs an intake, its progress moves at least every 2 s, and the queue page's p95
stays under 400 ms while it runs.

The database is `<name>_million`, kept between runs: BENCH_BASE_INTAKES (20,000) synthetic
intakes are seeded with `seed_demo`, then copied in SQL (new uuids, their screenings with them)
until BENCH_MILLION_INTAKES (1,000,000) submitted, screened intakes are there. gunicorn
(gunicorn.conf.py: 2 x cores + 1 sync workers, production settings over plain HTTP) and one task
worker are started; an editor's draft changes one red flag; its impact preview is queued as the
publish page queues it. While the task runs, QUEUE_USERS (4) rheumatologists open the review
queue and its second page in turn, each waiting QUEUE_THINK seconds (0.5) between pages, and the
job's progress is read every 0.2 s. Prints the figures and exits 1 when a target is missed.
Never part of `make test`."""

import http.client
import io
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# bench.load sets Django up (bench/run.py), as `make bench` does.
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from bench.load import database_url, free_port, start_servers, stop_servers  # noqa: E402

TOTAL = int(os.environ.get("BENCH_MILLION_INTAKES", "1000000"))
BASE = int(os.environ.get("BENCH_BASE_INTAKES", "20000"))
QUEUE_USERS = int(os.environ.get("QUEUE_USERS", "4"))
QUEUE_THINK = float(os.environ.get("QUEUE_THINK", "0.5"))
TARGET_MICROSECONDS = 55
TARGET_PROGRESS_GAP = 2.0
TARGET_QUEUE_P95 = 400


def use_million_database() -> None:
    test = connection.settings_dict["TEST"]
    test["NAME"] = f"{connection.settings_dict['NAME']}_million"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True)
    if not get_user_model().objects.filter(username="editor").exists():
        call_command("seed_demo", stdout=io.StringIO())


def screened() -> int:
    from intake.models import Intake

    return Intake.objects.submitted().filter(current_screening__isnull=False).count()


def seed() -> int:
    """At least TOTAL submitted, screened intakes: BASE real ones, the rest copies of them."""
    from intake.models import Intake, Screening

    have = screened()
    if have < BASE:
        print(f"Seeding {BASE - have:,} synthetic intakes with seed_demo…", flush=True)
        call_command(
            "seed_demo", "--intakes", str(BASE - have), "--seed", "5", stdout=io.StringIO()
        )
        have = screened()
    if have >= TOTAL:
        return have
    print(f"Copying intakes in SQL until there are {TOTAL:,}…", flush=True)
    started = time.perf_counter()
    intake_columns = [
        f.column
        for f in Intake._meta.concrete_fields
        if f.column not in ("id", "uuid", "current_screening_id")
    ]
    screening_columns = [
        f.column
        for f in Screening._meta.concrete_fields
        if f.column not in ("id", "uuid", "intake_id")
    ]
    copied = ", ".join(f'i."{c}"' for c in intake_columns)
    names = ", ".join(f'"{c}"' for c in intake_columns)
    s_copied = ", ".join(f's."{c}"' for c in screening_columns)
    s_names = ", ".join(f'"{c}"' for c in screening_columns)
    while have < TOTAL:
        batch = min(TOTAL - have, 100_000, have)  # copies of the intakes there already
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_copy")
            cursor.execute(
                "CREATE TEMP TABLE bench_copy AS "
                "SELECT i.id AS old_id, gen_random_uuid() AS new_uuid FROM intake_intake i "
                "WHERE i.status = 'submitted' AND i.current_screening_id IS NOT NULL "
                "ORDER BY random() LIMIT %s",
                [batch],
            )
            cursor.execute(
                f"INSERT INTO intake_intake (uuid, {names}) SELECT c.new_uuid, {copied} "  # noqa: S608
                "FROM bench_copy c JOIN intake_intake i ON i.id = c.old_id"
            )
            cursor.execute(
                f"INSERT INTO intake_screening (uuid, intake_id, {s_names}) "  # noqa: S608
                f"SELECT gen_random_uuid(), n.id, {s_copied} FROM bench_copy c "
                "JOIN intake_intake o ON o.id = c.old_id "
                "JOIN intake_screening s ON s.uuid = o.current_screening_id "
                "JOIN intake_intake n ON n.uuid = c.new_uuid"
            )
            cursor.execute(
                "UPDATE intake_intake n SET current_screening_id = s.uuid FROM bench_copy c, "
                "intake_screening s WHERE n.uuid = c.new_uuid AND s.intake_id = n.id"
            )
        have = screened()
        print(f"  {have:,} intakes ({time.perf_counter() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return screened()


def make_draft():
    """The editor's draft: the published set with morning stiffness from 15 minutes."""
    from intake import services
    from intake.models import CriteriaSet, CriteriaSetStatus
    from intake.tasks import IMPACT_PREVIEW
    from jobs.models import Job

    editor = get_user_model().objects.get(username="editor")
    draft = CriteriaSet.objects.filter(status=CriteriaSetStatus.DRAFT).first()
    if draft is None:
        draft = services.new_draft(user=editor)
        draft.criteria.filter(code="rf_morning_stiffness").update(
            expression="morning_stiffness_minutes >= 15"
        )
    Job.objects.filter(kind=IMPACT_PREVIEW).delete()  # each run works the preview out afresh
    return draft, editor


def session_cookie(username: str) -> str:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client.cookies["sessionid"].value


class QueueUser(threading.Thread):
    """Opens /review/ and /review/?page=2 in turn over one keep-alive connection."""

    def __init__(self, port: int, cookie: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.cookie, self.stop = port, cookie, stop
        self.samples: list[tuple[float, float, int]] = []  # (started, ms, status)

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        paths = ("/review/", "/review/?page=2")
        n = 0
        while not self.stop.is_set():
            started = time.time()
            conn.request("GET", paths[n % 2], headers={"Cookie": f"sessionid={self.cookie}"})
            response = conn.getresponse()
            response.read()
            self.samples.append((started, (time.time() - started) * 1000, response.status))
            n += 1
            self.stop.wait(QUEUE_THINK)
        conn.close()


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)] if ordered else float("nan")


def main() -> int:
    if connection.vendor != "postgresql":
        print("Set DATABASE_URL to a PostgreSQL database.", file=sys.stderr)
        return 2
    use_million_database()
    total = seed()
    draft, editor = make_draft()
    rheumatologist = get_user_model().objects.filter(username="rheumatologist").first()
    port = free_port()
    servers = start_servers(port, database_url(), workers=0)
    stop = threading.Event()
    users = [
        QueueUser(port, session_cookie(rheumatologist.username), stop) for _ in range(QUEUE_USERS)
    ]
    try:
        for user in users:
            user.start()
        time.sleep(10)  # the queue alone first: the baseline
        from intake.tasks import impact_preview_job
        from jobs.models import Job, JobStatus

        queued_at = time.time()
        job = impact_preview_job(draft=draft, user=editor)
        changes: list[tuple[float, int]] = []  # (when the bench saw `done` move, done)
        while True:
            row = (
                Job.objects.filter(pk=job.pk)
                .values("status", "done", "started_at", "finished_at")
                .get()
            )
            if not changes or changes[-1][1] != row["done"]:
                changes.append((time.time(), row["done"]))
            if row["status"] in (JobStatus.SUCCEEDED, JobStatus.FAILED):
                break
            time.sleep(0.2)
        stop.set()
        for user in users:
            user.join(timeout=60)
    finally:
        stop_servers(servers)
    job.refresh_from_db()
    if job.status != JobStatus.SUCCEEDED:
        print(f"The preview failed: {job.error}")
        return 1
    evaluated = job.result["total"]
    running = (job.finished_at - job.started_at).total_seconds()
    per_intake = running / evaluated * 1e6
    started_at = job.started_at.timestamp()
    finished_at = job.finished_at.timestamp()
    moving = [when for when, done in changes if when >= started_at]
    gaps = [b - a for a, b in zip([started_at, *moving], [*moving, finished_at], strict=True)]
    samples = [s for user in users for s in user.samples]
    before = [ms for when, ms, _ in samples if when < queued_at]
    during = [ms for when, ms, _ in samples if started_at <= when <= finished_at]
    errors = sum(status != 200 for _, _, status in samples)
    lines = [
        f"impact preview: {evaluated:,} intakes in {running:.1f} s as a task "
        f"({per_intake:.1f} µs an intake, the preview's own {job.result['seconds']:.1f} s; "
        f"queued to started {job.started_at.timestamp() - queued_at:.1f} s); "
        f"{job.result['changed_total']:,} change outcome",
        f"progress: {len(moving)} updates seen, longest gap {max(gaps):.2f} s",
    ]
    if samples:
        lines.append(
            f"queue page, {QUEUE_USERS} rheumatologists: before the preview n={len(before)} "
            f"median {statistics.median(before):.0f} ms p95 {p95(before):.0f} ms; during it "
            f"n={len(during)} median {statistics.median(during):.0f} ms "
            f"p95 {p95(during):.0f} ms; errors {errors}"
        )
    met = {
        f"≤ {TARGET_MICROSECONDS} µs an intake": per_intake <= TARGET_MICROSECONDS,
        f"progress every ≤ {TARGET_PROGRESS_GAP:.0f} s": max(gaps) <= TARGET_PROGRESS_GAP,
        f"queue p95 < {TARGET_QUEUE_P95} ms during the preview": not samples
        or (p95(during) < TARGET_QUEUE_P95 and not errors),
    }
    print(
        f"\n{total:,} screened intakes in the database, PostgreSQL, gunicorn.conf.py sync workers"
    )
    print("\n".join(lines))
    print(
        "targets: " + "; ".join(f"{name}: {'met' if ok else 'NOT met'}" for name, ok in met.items())
    )
    return 0 if all(met.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
