"""Issue 26: the database misbehaving under real processes, on a PostgreSQL cluster of the
test's own (tests/faults.py: frozen with SIGSTOP, stopped, restarted; never the shared server)
and on a SQLite file whose write lock another process holds.

- /healthz answers 503 within 5 s while the database is frozen or down, and 200 again after;
  an ordinary request on the frozen database ends at gunicorn's timeout (GUNICORN_TIMEOUT);
  two gunicorn instances on one host share no control socket.
- The task worker outlives a PostgreSQL restart and a SQLite write lock held 25 s (longer
  than its 20 s busy timeout), then runs the next task.

They need PostgreSQL's server binaries (CI has them); without them they are skipped, except
when the suite itself runs on PostgreSQL, where they fail instead.
"""

import http.client
import os
import sqlite3
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.faults import ThrowawayPostgres, free_port, manage, postgres_bin
from tests.servers import Process, process_env

if postgres_bin() is None:
    if connection.vendor == "postgresql":  # CI: the fault tests must run
        raise RuntimeError("the fault tests need PostgreSQL's server binaries (initdb, postgres)")
    pytest.skip("PostgreSQL's server binaries are not installed", allow_module_level=True)

HEALTHZ_DEADLINE = 5.0  # README: /healthz answers within 5 s whatever the database does
GUNICORN_TIMEOUT = 6


def _env(database_url: str, **extra) -> dict:
    return process_env(DATABASE_URL=database_url, AMPS_JOB_STALL_SECONDS="5", **extra)


@pytest.fixture(scope="module")
def cluster():
    """A migrated database on a PostgreSQL cluster of this module's own."""
    postgres = ThrowawayPostgres()
    try:
        postgres.start()
        postgres.createdb("amps")
        manage("migrate", "--no-input", env=_env(postgres.url(), AMPS_MANAGEMENT_COMMAND="1"))
        manage("createcachetable", env=_env(postgres.url(), AMPS_MANAGEMENT_COMMAND="1"))
        yield postgres
    finally:
        postgres.cleanup()


def get(base_port: int, path: str, timeout: float = 30, headers=None) -> tuple[int, float]:
    """(status, seconds) of a GET; status 0 when the connection ended without an answer."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", base_port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        status = conn.getresponse().status
    except (OSError, http.client.HTTPException):
        status = 0
    finally:
        conn.close()
    return status, time.monotonic() - started


def wait_for(condition, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def start_gunicorn(tmp_path: Path, name: str, database_url: str, home: Path) -> tuple:
    port = free_port()
    server = Process(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "amps_screen.wsgi"],
        _env(
            database_url,
            GUNICORN_BIND=f"127.0.0.1:{port}",
            GUNICORN_WORKERS="2",
            GUNICORN_TIMEOUT=str(GUNICORN_TIMEOUT),
            HOME=str(home),
            XDG_RUNTIME_DIR=str(home),
        ),
        tmp_path / f"{name}.log",
    )
    wait_for(lambda: get(port, "/healthz", timeout=5)[0] == 200, what=f"{name}: {server.output()}")
    return server, port


def test_healthz_answers_within_5s_when_the_database_is_frozen_or_down(cluster, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    first, port = start_gunicorn(tmp_path, "web-a", cluster.url(), home)
    second, _ = start_gunicorn(tmp_path, "web-b", cluster.url(), home)
    try:
        # Two instances on one host: no shared control socket (none at all by default).
        assert not list(home.rglob("*.ctl")), list(home.rglob("*"))
        assert second.popen.poll() is None and first.popen.poll() is None

        cluster.freeze()
        try:
            ordinary: dict = {}

            def a_page_that_reads_the_database():
                # An API read checks its bearer token in the database first.
                token = {"Authorization": "Bearer amps_0123456789abcdef_x"}
                ordinary["result"] = get(port, "/fhir/Patient/x", timeout=60, headers=token)

            reader = threading.Thread(target=a_page_that_reads_the_database)
            reader.start()
            for _ in range(3):  # and again while the first check may still be waiting
                status, seconds = get(port, "/healthz")
                assert (status, seconds < HEALTHZ_DEADLINE) == (503, True), (status, seconds)
            reader.join(timeout=GUNICORN_TIMEOUT + 30)
            status, seconds = ordinary["result"]
            # gunicorn's timeout ends it (the worker is replaced): no answer, or a 5xx.
            assert status in (0, 500, 502, 503), status
            assert seconds < GUNICORN_TIMEOUT + 15, seconds
        finally:
            cluster.thaw()
        wait_for(lambda: get(port, "/healthz")[0] == 200, what="healthz after the thaw")

        cluster.stop()
        try:
            status, seconds = get(port, "/healthz")
            assert (status, seconds < HEALTHZ_DEADLINE) == (503, True), (status, seconds)
        finally:
            cluster.start()
        wait_for(lambda: get(port, "/healthz")[0] == 200, what="healthz after the restart")
    finally:
        first.kill()
        second.kill()


# -- The task worker ------------------------------------------------------------------------

ENQUEUE = (
    "from jobs.services import start_job; from tests import job_tasks; "
    "print(start_job(task=job_tasks.count_slowly, user=None, kind='test', "
    "purpose='fault test', total=2).pk)"
)


def enqueue(env: dict) -> str:
    return manage("shell", "-c", ENQUEUE, env=env).stdout.strip().splitlines()[-1]


def worker_process(tmp_path: Path, env: dict) -> Process:
    return Process([sys.executable, "manage.py", "task_worker"], env, tmp_path / "worker.log")


def test_the_worker_outlives_a_postgresql_restart(cluster, tmp_path):
    env = _env(cluster.url())
    worker = worker_process(tmp_path, env)

    def status(job_id: str) -> str:
        with psycopg.connect(cluster.url(), connect_timeout=5) as db:
            row = db.execute("SELECT status FROM jobs_job WHERE id = %s", [job_id]).fetchone()
            return row[0] if row else ""

    try:
        before = enqueue(env)
        wait_for(lambda: status(before) == "succeeded", what=f"the first task\n{worker.output()}")
        cluster.stop()
        time.sleep(3)  # down for a while: the worker keeps trying, with backoff
        cluster.start()
        after = enqueue(env)
        wait_for(lambda: status(after) == "succeeded", what=f"the task after\n{worker.output()}")
        assert worker.popen.poll() is None, worker.output()
        assert "database error outside a task" in worker.output()
    finally:
        worker.kill()


def test_the_worker_outlives_a_sqlite_write_lock_held_25_seconds(tmp_path):
    path = tmp_path / "locked.sqlite3"
    env = _env(f"sqlite:///{path}")
    manage("migrate", "--no-input", env={**env, "AMPS_MANAGEMENT_COMMAND": "1"})
    worker = worker_process(tmp_path, env)
    try:
        wait_for(lambda: "Starting worker" in worker.output(), what=worker.output())
        holder = sqlite3.connect(path, isolation_level=None, timeout=30)
        holder.execute("BEGIN EXCLUSIVE")  # the write lock, as a long transaction holds it
        time.sleep(25)  # longer than the worker's 20 s busy timeout
        holder.execute("COMMIT")
        holder.close()
        job = enqueue(env)

        def status() -> str:
            with sqlite3.connect(path, timeout=30) as db:
                row = db.execute(
                    "SELECT status FROM jobs_job WHERE id = ?", [job.replace("-", "")]
                ).fetchone()
                return row[0] if row else ""

        wait_for(lambda: status() == "succeeded", what=f"the task\n{worker.output()}")
        assert worker.popen.poll() is None, worker.output()
        assert "database is locked" in worker.output()
    finally:
        worker.kill()


def test_the_worker_is_stopped_by_a_signal(tmp_path, cluster):
    """Only a signal stops it: SIGTERM ends it at once between tasks, with status 0."""
    import signal

    worker = worker_process(tmp_path, _env(cluster.url()))
    try:
        wait_for(lambda: "Starting worker" in worker.output(), what=worker.output())
        os.killpg(worker.popen.pid, signal.SIGTERM)
        assert worker.popen.wait(timeout=20) == 0
    finally:
        worker.kill()


def test_make_run_keeps_its_web_server_when_the_worker_dies(cluster, tmp_path):
    """The Procfile under honcho (what `make run` starts): the worker killed outright is
    started again, and the web server answers throughout; SIGTERM to honcho stops both."""
    import signal

    port = free_port()
    env = _env(cluster.url(), PORT=str(port))
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    honcho = Process(
        [sys.executable, "-m", "honcho", "start", "-f", "Procfile", "-p", str(port)],
        env,
        tmp_path / "honcho.log",
    )
    try:
        wait_for(lambda: get(port, "/healthz", timeout=5)[0] == 200, what=honcho.output())
        wait_for(lambda: "Starting worker" in honcho.output(), what=honcho.output())
        workers = _pids_running("task_worker", honcho.popen.pid)
        assert workers, honcho.output()
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        wait_for(lambda: "task worker stopped" in honcho.output(), what=honcho.output())
        assert get(port, "/healthz", timeout=5)[0] == 200  # the web server is still there
        wait_for(
            lambda: (
                _pids_running("task_worker", honcho.popen.pid)
                and honcho.output().count("Starting worker") >= 2
            ),
            what=f"the worker started again\n{honcho.output()}",
        )
        assert honcho.popen.poll() is None
        honcho.popen.send_signal(signal.SIGTERM)
        honcho.popen.wait(timeout=30)
        assert not _pids_running("task_worker", honcho.popen.pid)
    finally:
        honcho.kill()


def _pids_running(word: str, root: int) -> list[int]:
    """Python processes descending from `root` (a process this test started) whose command
    line holds `word`: never anyone else's."""
    parents = {}
    commands = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            commands[int(entry.name)] = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    ours, frontier = set(), {root}
    while frontier:
        ours |= frontier
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - ours
    return [
        pid
        for pid in ours
        if any(word.encode() in part for part in commands.get(pid, []))
        and b"python" in commands[pid][0]
    ]
