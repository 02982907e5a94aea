"""gunicorn settings for the container (the Dockerfile runs `gunicorn --config gunicorn.conf.py`).

GUNICORN_BIND and GUNICORN_WORKERS override the defaults below. bench/load.py and
bench/cds_hooks.py measure the app under this same file."""

import os

import gunicorn.http.wsgi

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")


def _cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# gunicorn's own advice: (2 x cores) + 1 sync workers, so one waiting on the database never
# leaves a core idle (5 on a 2-core machine). Measured on 2 cores (bench/README.md): pages and
# CDS Hooks calls keep a p95 under target at 16 concurrent users with this number. At most 12:
# each worker holds a database connection, and a big host (or a container whose CPU quota is
# smaller than the cores it sees) would otherwise exhaust PostgreSQL's 100 connections.
workers = int(os.environ.get("GUNICORN_WORKERS", str(min(2 * _cores() + 1, 12))))
accesslog = "-"
# The path without its query string: a FHIR search names an MRN there (Patient?identifier=…),
# and a sign-in callback its one-time code; neither belongs in a log.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
# A request may take at most this long before the worker is replaced. The database's own
# timeouts (AMPS_DB_CONNECT_TIMEOUT, AMPS_DB_STATEMENT_TIMEOUT_MS) end a slow query well
# before; a database that is frozen (SIGSTOP, a hung host) enforces nothing, and then this is
# what ends the request (tests/test_faults.py). /healthz keeps its own deadline.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))

# gunicorn's control socket (for `gunicornc`) defaults to one path per user
# ($XDG_RUNTIME_DIR/gunicorn.ctl or ~/.gunicorn/gunicorn.ctl): two instances on one host would
# share it, and the second would take it from the first. Off unless GUNICORN_CONTROL_SOCKET
# names a path for this instance.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
if not control_socket:
    del control_socket

# gunicorn has no setting for its `Server: gunicorn` header; every response object reads the
# name from this module attribute, so a neutral name replaces it.
gunicorn.http.wsgi.SERVER = "amps_screen"
