"""Run by tests/test_database_resilience.py in a fresh interpreter whose DATABASE_URL points
at a listener that accepts connections and never answers: prints the status of /healthz and
of a page that needs the database, with how long each took."""

import json
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amps_screen.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

# As in tests/conftest.py: pages render without `collectstatic`.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

results = {}
client = Client(raise_request_exception=False)
for name, path, cookies in (
    ("healthz", "/healthz", {}),
    # A signed-in browser: its session is read from the database before any page.
    ("page", "/intakes/", {"sessionid": "x" * 32}),
):
    client.cookies.clear()
    for key, value in cookies.items():
        client.cookies[key] = value
    started = time.monotonic()
    response = client.get(path)
    results[name] = {
        "status": response.status_code,
        "seconds": round(time.monotonic() - started, 1),
        "body": response.content.decode()[:2000],
    }
print(json.dumps(results))
