"""Settings come from the environment, with safe defaults and loud failures."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

SETTINGS_FILE = Path(__file__).resolve().parent.parent / "amps_screen" / "settings.py"


def load_settings(monkeypatch, **env):
    for name in ("DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOWED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DJANGO_ENV_FILE", "")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def test_unset_database_url_means_sqlite(monkeypatch):
    loaded = load_settings(monkeypatch, DJANGO_SECRET_KEY="x" * 50)
    assert loaded["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"


def test_empty_database_url_means_sqlite_too(monkeypatch):
    loaded = load_settings(monkeypatch, DJANGO_SECRET_KEY="x" * 50, DATABASE_URL="")
    assert loaded["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"


def test_postgres_database_url_is_used_with_persistent_connections(monkeypatch):
    loaded = load_settings(
        monkeypatch,
        DJANGO_SECRET_KEY="x" * 50,
        DATABASE_URL="postgres://clinic@db.example:5432/amps",
        CONN_MAX_AGE="0",
    )
    database = loaded["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["NAME"] == "amps"
    assert database["HOST"] == "db.example"
    assert database["CONN_MAX_AGE"] > 0


def test_missing_secret_key_is_refused_when_not_in_debug(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        load_settings(monkeypatch)


def test_management_commands_load_without_a_secret_key_and_sign_nothing():
    """A fresh checkout without .env: `manage.py makemigrations --check` works, and what
    would sign something is refused (never signed with a made-up key)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DJANGO_SECRET_KEY", "DJANGO_DEBUG", "DATABASE_URL")
    }
    env["DJANGO_ENV_FILE"] = ""
    manage = [sys.executable, str(SETTINGS_FILE.parent.parent / "manage.py")]
    checked = subprocess.run(  # noqa: S603 -- our own manage.py
        [*manage, "makemigrations", "--check", "--dry-run"], env=env, capture_output=True
    )
    assert checked.returncode == 0, checked.stderr.decode()[-2000:]
    signing = subprocess.run(  # noqa: S603 -- our own manage.py
        [*manage, "shell", "-c", "from django.core import signing; signing.dumps(1)"],
        env=env,
        capture_output=True,
    )
    assert signing.returncode != 0
    assert b"SECRET_KEY" in signing.stderr


def test_missing_secret_key_is_allowed_in_debug(monkeypatch):
    loaded = load_settings(monkeypatch, DJANGO_DEBUG="1")
    assert loaded["DEBUG"] is True
    assert loaded["SECRET_KEY"]


def test_debug_is_off_by_default(monkeypatch):
    loaded = load_settings(monkeypatch, DJANGO_SECRET_KEY="x" * 50)
    assert loaded["DEBUG"] is False
    assert loaded["ALLOWED_HOSTS"] == []


def test_allowed_hosts_are_read_from_the_environment(monkeypatch):
    loaded = load_settings(
        monkeypatch, DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="amps.clinic.example, x.org"
    )
    assert loaded["ALLOWED_HOSTS"] == ["amps.clinic.example", "x.org"]


def test_a_misspelt_debug_flag_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG"):
        load_settings(monkeypatch, DJANGO_DEBUG="maybe")


@pytest.mark.parametrize(
    "name", ["AMPS_JOB_STALL_SECONDS", "AMPS_EXPORT_FILE_HOURS", "AMPS_EXPORT_BACKGROUND_ROWS",
             "AMPS_CDS_MAX_REQUEST_BYTES"],
)  # fmt: skip
def test_a_number_that_would_break_its_feature_is_refused(monkeypatch, name):
    """0 hours would delete an export before its download; a stall time of 0 would run every
    task again on each poll."""
    with pytest.raises(ImproperlyConfigured, match=f"{name} must be at least"):
        load_settings(monkeypatch, DJANGO_SECRET_KEY="x" * 50, **{name: "0"})


def test_an_env_file_fills_what_the_environment_does_not_set(monkeypatch, tmp_path):
    env_file = tmp_path / "app.env"
    env_file.write_text(
        "# comment\nDJANGO_SECRET_KEY='from-the-file'\nDJANGO_ALLOWED_HOSTS=a.example\n"
    )
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "b.example")
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    monkeypatch.setenv("DJANGO_ENV_FILE", str(env_file))
    loaded = runpy.run_path(str(SETTINGS_FILE))
    assert loaded["SECRET_KEY"] == "from-the-file"
    assert loaded["ALLOWED_HOSTS"] == ["b.example"]


# -- Database timeouts and SQLite for concurrent use -------------------------------------------

PG_URL = "postgres://clinic@db.example:5432/amps"


def test_postgresql_gets_a_connect_timeout_and_a_statement_timeout(monkeypatch):
    monkeypatch.delenv("AMPS_MANAGEMENT_COMMAND", raising=False)
    options = load_settings(monkeypatch, DJANGO_SECRET_KEY="x" * 50, DATABASE_URL=PG_URL)[
        "DATABASES"
    ]["default"]["OPTIONS"]
    assert options["connect_timeout"] == 5
    assert options["options"] == "-c statement_timeout=30000"


def test_the_database_timeouts_are_configurable(monkeypatch):
    monkeypatch.delenv("AMPS_MANAGEMENT_COMMAND", raising=False)
    options = load_settings(
        monkeypatch,
        DJANGO_SECRET_KEY="x" * 50,
        DATABASE_URL=PG_URL,
        AMPS_DB_CONNECT_TIMEOUT="3",
        AMPS_DB_STATEMENT_TIMEOUT_MS="0",
    )["DATABASES"]["default"]["OPTIONS"]
    assert options["connect_timeout"] == 3
    assert "statement_timeout" not in options.get("options", "")


def test_management_commands_have_no_statement_timeout_unless_asked(monkeypatch):
    monkeypatch.setenv("AMPS_MANAGEMENT_COMMAND", "1")
    loaded = load_settings(monkeypatch, DJANGO_SECRET_KEY="x" * 50, DATABASE_URL=PG_URL)
    assert "statement_timeout" not in loaded["DATABASES"]["default"]["OPTIONS"].get("options", "")
    loaded = load_settings(
        monkeypatch,
        DJANGO_SECRET_KEY="x" * 50,
        DATABASE_URL=PG_URL,
        AMPS_DB_STATEMENT_TIMEOUT_MS="600000",
    )
    assert loaded["DATABASES"]["default"]["OPTIONS"]["options"] == "-c statement_timeout=600000"


@pytest.mark.parametrize(
    ("name", "value"), [("AMPS_DB_CONNECT_TIMEOUT", "0"), ("AMPS_DB_STATEMENT_TIMEOUT_MS", "-1")]
)
def test_nonsense_database_timeouts_are_refused(monkeypatch, name, value):
    with pytest.raises(ImproperlyConfigured, match=name):
        load_settings(monkeypatch, DJANGO_SECRET_KEY="x" * 50, DATABASE_URL=PG_URL, **{name: value})


@pytest.mark.parametrize("url", ["", "sqlite:////tmp/amps-elsewhere.sqlite3"])
def test_sqlite_is_configured_for_several_writers(monkeypatch, url):
    options = load_settings(monkeypatch, DJANGO_SECRET_KEY="x" * 50, DATABASE_URL=url)["DATABASES"][
        "default"
    ]["OPTIONS"]
    assert options == {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }


def test_email_is_printed_in_debug_and_sent_by_smtp_from_the_environment_otherwise(monkeypatch):
    debug = load_settings(monkeypatch, DJANGO_DEBUG="1")
    assert debug["MAILERS"] == {
        "default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    }
    smtp = load_settings(
        monkeypatch,
        DJANGO_SECRET_KEY="x" * 50,
        EMAIL_HOST="smtp.clinic.example",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="amps",
        EMAIL_HOST_PASSWORD="secret",
        EMAIL_USE_TLS="1",
        DEFAULT_FROM_EMAIL="amps@clinic.example",
    )
    mailer = smtp["MAILERS"]["default"]
    assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert mailer["OPTIONS"] == {
        "host": "smtp.clinic.example",
        "port": 587,
        "username": "amps",
        "password": "secret",
        "use_tls": True,
        "timeout": 20,
    }
    assert smtp["DEFAULT_FROM_EMAIL"] == "amps@clinic.example"
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT"):
        load_settings(monkeypatch, DJANGO_SECRET_KEY="x" * 50, EMAIL_PORT="smtp")


def test_the_cache_is_shared_by_every_process_or_refused(monkeypatch):
    """database or redis: a per-process cache ("local") would differ between app servers."""
    assert load_settings(monkeypatch, DJANGO_SECRET_KEY="x" * 50, AMPS_CACHE="database")
    with pytest.raises(ImproperlyConfigured, match="AMPS_CACHE must be database or redis"):
        load_settings(monkeypatch, DJANGO_SECRET_KEY="x" * 50, AMPS_CACHE="local")
