"""A deployment that runs only `manage.py migrate` has the database cache's table (a migration
makes it), so the intake form, which reads the cache, is served rather than a 500."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

GET_THE_INTAKE_FORM = """
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from intake.roles import CLINIC_STAFF

assert "amps_cache" in connection.introspection.table_names()
user = get_user_model().objects.create_user("amy", password="not-used-anywhere-0123")
user.groups.add(Group.objects.get(name=CLINIC_STAFF))
client = Client()
client.force_login(user)
print("status", client.get("/intakes/new/").status_code)
"""


def test_a_fresh_database_after_migrate_only_serves_the_intake_form(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "DJANGO_ENV_FILE": "",
        "AMPS_CACHE": "database",
        "AMPS_REQUIRE_2FA": "0",
        "DJANGO_DEBUG": "1",  # plain static file storage (no collectstatic in tests)
    }

    def manage(*args: str) -> str:
        done = subprocess.run(  # noqa: S603 (our own command)
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        return done.stdout

    manage("migrate", "--no-input")
    assert "status 200" in manage("shell", "--no-imports", "-c", GET_THE_INTAKE_FORM)
