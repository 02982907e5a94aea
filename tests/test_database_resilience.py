"""The database misbehaving: a server that accepts connections and never answers (timeouts,
/healthz answers 503 fast), and SQLite with two writers at once (the loser is told the case
was signed, never "database is locked")."""

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "tests" / "scripts"


def run_script(script: str, **env) -> dict:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "AMPS_", "DATABASE_URL"))
    }
    environment.update(
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_ENV_FILE="",
        DJANGO_SECURE_SSL_REDIRECT="0",
        AMPS_REQUIRE_2FA="0",
        PYTHONPATH=str(ROOT),
        **env,
    )
    result = subprocess.run(  # noqa: S603 -- our own script
        [sys.executable, str(SCRIPTS / script)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,  # a sanity bound only: the assertions are on what came back
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def silent_listener():
    """A TCP port that accepts connections and never sends a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def test_a_database_that_never_answers_gives_a_fast_503_and_the_500_page(silent_listener):
    results = run_script(
        "silent_database.py",
        DATABASE_URL=f"postgres://amps@127.0.0.1:{silent_listener}/amps",
        AMPS_DB_CONNECT_TIMEOUT="2",
    )
    healthz, page = results["healthz"], results["page"]
    assert healthz["status"] == 503, healthz
    assert json.loads(healthz["body"]) == {"status": "unavailable", "database": "unreachable"}
    assert page["status"] == 500, page
    assert "Something went wrong" in page["body"]
    # Not a timing test: only that neither waited anywhere near gunicorn's worker timeout.
    assert healthz["seconds"] < 30 and page["seconds"] < 30, results


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_connections_carry_the_statement_timeout():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (set DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "30s"


@pytest.mark.postgres
@pytest.mark.django_db
def test_healthz_answers_503_when_select_1_waits_longer_than_its_timeout(client, monkeypatch):
    """A database too busy to answer SELECT 1 in time counts as unavailable (PostgreSQL
    cancels the statement after the health check's own short timeout)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (set DATABASE_URL)")
    from amps_screen import health

    monkeypatch.setattr(health, "HEALTH_QUERY", "SELECT pg_sleep(5)")
    monkeypatch.setattr("django.conf.settings.HEALTHZ_STATEMENT_TIMEOUT_MS", 200)
    response = client.get("/healthz")
    assert response.status_code == 503


def test_two_rheumatologists_signing_at_once_on_sqlite(tmp_path):
    """On a file SQLite database, as a clinic runs it: both read the case, then both sign.
    One signs; the other is told it was signed already; no "database is locked"."""
    results = run_script("sign_race.py", DATABASE_URL=f"sqlite:///{tmp_path / 'race.sqlite3'}")
    assert sorted(results["outcomes"].values()) == ["already signed", "signed"], results
    assert results["reviews"] == 1
