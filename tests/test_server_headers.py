"""Headers the app sends beyond Django's own security headers: a Permissions-Policy that
denies the browser features the app never uses, and no `Server: gunicorn` under gunicorn."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
DENIED = ("camera", "microphone", "geolocation", "payment", "usb", "serial", "bluetooth")


def policy(response) -> dict[str, str]:
    directives = (part.strip() for part in response["Permissions-Policy"].split(","))
    return dict(directive.split("=", 1) for directive in directives)


@pytest.mark.django_db
def test_the_sign_in_page_denies_unused_browser_features(client):
    denied = policy(client.get(reverse("login")))
    for feature in DENIED:
        assert denied[feature] == "()", feature


@pytest.mark.django_db
def test_a_signed_in_page_and_healthz_carry_the_policy_too(staff_client, client):
    assert policy(staff_client.get(reverse("intake:intake_list")))["camera"] == "()"
    assert policy(client.get("/healthz"))["microphone"] == "()"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_with_our_config_does_not_name_itself(tmp_path):
    """The container runs gunicorn with gunicorn.conf.py: its responses carry neither
    `Server: gunicorn` nor anything else naming the server software."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "AMPS_", "DATABASE_URL"))
    }
    env.update(
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_ENV_FILE="",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
    )
    server = subprocess.Popen(  # noqa: S603 -- our own gunicorn config
        [sys.executable, "-m", "gunicorn", "amps_screen.wsgi", "--config", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        response = None
        deadline = time.monotonic() + 60
        while response is None and time.monotonic() < deadline:
            try:
                response = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)  # noqa: S310
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()[-2000:]
                time.sleep(0.2)
        assert response is not None, "gunicorn did not answer"
        assert response.status == 200
        assert "gunicorn" not in (response.headers.get("Server") or "").lower()
        assert "camera=()" in response.headers["Permissions-Policy"]
    finally:
        server.terminate()
        server.wait(timeout=30)
