"""App servers and task workers as real processes (gunicorn, `manage.py task_worker`) on the
test database, and a small HTTP client that keeps its own cookies, for the tests of several
processes sharing one PostgreSQL."""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from html import unescape
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The URL of the test database the test process uses (PostgreSQL)."""
    s = connection.settings_dict
    credentials = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{credentials}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def process_env(**extra) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_ENV_FILE": "",
        # DEBUG for plain static file storage (no collectstatic in tests); the rest as deployed.
        "DJANGO_DEBUG": "1",
        "AMPS_REQUIRE_2FA": "0",
        "AMPS_TASKS_BACKEND": "database",
        "AMPS_CACHE": "database",
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Process:
    """A child process in its own process group, stopped (and its children) at the end."""

    def __init__(self, args: list[str], env: dict, log: Path):
        self.log = log
        self.popen = subprocess.Popen(  # noqa: S603 (our own commands)
            args,
            cwd=ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)
            self.popen.wait(timeout=20)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def start_server(tmp_path: Path, name: str, **env) -> tuple[Process, str]:
    port = free_port()
    process = Process(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "amps_screen.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "60",
        ],
        process_env(**env),
        tmp_path / f"{name}.log",
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if Client(base).get("/healthz").status == 200:
                return process, base
        except OSError:
            pass
        if process.popen.poll() is not None:
            break
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"server {name} did not start:\n{process.output()}")


def start_worker(tmp_path: Path, name: str, **env) -> Process:
    return Process(
        [sys.executable, "manage.py", "task_worker"],
        process_env(**env),
        tmp_path / f"{name}.log",
    )


class Response:
    def __init__(self, status: int, headers: dict, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class Client:
    """HTTP to one server at a time (the base can be changed), with the cookies kept here:
    the same browser talking to A and then to B behind a load balancer."""

    def __init__(self, base: str, cookies: dict | None = None):
        self.base = base
        self.cookies = cookies if cookies is not None else {}

    def request(self, method: str, path: str, data=None) -> Response:
        parts = urllib.parse.urlsplit(self.base)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        headers = {"Host": f"{parts.hostname}:{parts.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = self.base + path
        conn.request(method, path, body=body, headers=headers)
        raw = conn.getresponse()
        content = raw.read()
        response_headers = {k.lower(): v for k, v in raw.getheaders()}
        for key, value in raw.getheaders():
            if key.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        return Response(raw.status, response_headers, content)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> Response:
        return self.request("POST", path, data)

    def post_form(self, path: str, data: dict, form_page: str | None = None) -> Response:
        """POST `data` with the hidden inputs (CSRF token, one-time tokens) of the form page."""
        page = self.get(form_page or path)
        return self.post(path, {**hidden_inputs(page.text), **data})

    def sign_in(self, username: str, password: str) -> Response:
        return self.post_form("/accounts/login/", {"username": username, "password": password})


_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'(\w[\w-]*)="([^"]*)"')


def hidden_inputs(html: str) -> dict:
    values = {}
    for tag in _INPUT.findall(html):
        attributes = {k.lower(): unescape(v) for k, v in _ATTRIBUTE.findall(tag)}
        if attributes.get("type") == "hidden" and "name" in attributes:
            values[attributes["name"]] = attributes.get("value", "")
    return values
