"""What a developer sees on the console under `make run`: one line per refused request."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A user without the permission asks for the review queue: a 403, logged by django.request.
SCRIPT = """
from django.contrib.auth.models import User
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
user = User.objects.create_user("console-probe", password="x" * 20)
client = Client(raise_request_exception=False)
client.force_login(user)
client.get("/review/")
"""


def test_a_403_is_one_line_on_the_console_once(tmp_path):
    env = {
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'console.sqlite3'}",
        "PATH": "/usr/bin:/bin",
        "DJANGO_ENV_FILE": "",
    }
    subprocess.run(  # noqa: S603 -- our own manage.py
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    run = subprocess.run(  # noqa: S603 -- our own manage.py
        [sys.executable, "manage.py", "shell", "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    forbidden = [line for line in run.stderr.splitlines() if "Forbidden" in line]
    assert forbidden == ["Forbidden (Permission denied): /review/"]
    assert "Traceback" not in run.stderr
