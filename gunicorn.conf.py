"""gunicorn settings for the container (the Dockerfile runs `gunicorn --config gunicorn.conf.py`).

GUNICORN_BIND and GUNICORN_WORKERS override the defaults below."""

import os

import gunicorn.http.wsgi

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
accesslog = "-"
# A request may take at most this long before the worker is replaced (the database's own
# timeouts, AMPS_DB_CONNECT_TIMEOUT and AMPS_DB_STATEMENT_TIMEOUT_MS, end it well before).
timeout = 60

# gunicorn has no setting for its `Server: gunicorn` header; every response object reads the
# name from this module attribute, so a neutral name replaces it.
gunicorn.http.wsgi.SERVER = "amps_screen"
