"""The database check behind /healthz, with a deadline kept by the client, not the server.

A statement timeout is the server's to enforce: a database that is frozen (SIGSTOP, a hung
host) or whose packets are dropped never enforces it, and the request would wait for as long
as the freeze. So the check runs on a separate short-lived connection (its own connect
timeout, and on PostgreSQL a statement timeout too) in a thread, and the request waits for
it at most DEADLINE_SECONDS; past that, the check's socket is shut down (which ends the
thread's wait) and the answer is "unavailable". At most one check runs at a time: while one
is still waiting, another request answers "unavailable" at once instead of piling up
threads and connections on a frozen database.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from concurrent.futures import Future

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

HEALTH_QUERY = "SELECT 1"
# The whole check, connection included, must end within this many seconds (README: 5).
DEADLINE_SECONDS = 3.0
# libpq's smallest connect timeout is 2 seconds.
CONNECT_TIMEOUT_SECONDS = 2

_running_lock = threading.Lock()
_running: Future | None = None


def _new_connection():
    """A database connection of its own (not the request's), with short timeouts."""
    main = connections[DEFAULT_DB_ALIAS]
    options = dict(main.settings_dict.get("OPTIONS", {}))
    if main.vendor == "postgresql":
        options["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    elif main.vendor == "sqlite":
        options["timeout"] = CONNECT_TIMEOUT_SECONDS
        options.pop("transaction_mode", None)  # a read: never take the write lock
    settings_dict = {**main.settings_dict, "OPTIONS": options, "CONN_MAX_AGE": 0}
    return type(main)(settings_dict, DEFAULT_DB_ALIAS)


def _check(wrapper, holder: dict) -> bool:
    try:
        wrapper.connect()
        holder["connection"] = wrapper.connection
        with wrapper.cursor() as cursor:
            if wrapper.vendor == "postgresql":
                timeout = int(settings.HEALTHZ_STATEMENT_TIMEOUT_MS)
                cursor.execute(f"SET statement_timeout = {timeout}")
            cursor.execute(HEALTH_QUERY)
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure of the check means "unavailable"
        return False
    finally:
        with contextlib.suppress(Exception):
            wrapper.close()


def _shut_down(holder: dict) -> None:
    """End a stuck check's wait: shut its socket down, so psycopg's poll returns at once."""
    raw = holder.get("connection")
    fileno = getattr(getattr(raw, "pgconn", None), "socket", None)
    if not isinstance(fileno, int) or fileno < 0:
        return
    with contextlib.suppress(OSError):
        stuck = socket.socket(fileno=socket.dup(fileno))
        try:
            stuck.shutdown(socket.SHUT_RDWR)
        finally:
            stuck.close()


def database_answers(deadline: float = DEADLINE_SECONDS) -> bool:
    """True when the database answers SELECT 1 within `deadline` seconds."""
    global _running
    with _running_lock:
        if _running is not None and not _running.done():
            return False  # the previous check is still waiting: the database is not answering
        future: Future = Future()
        _running = future
    holder: dict = {}

    def run():
        try:
            # Made in this thread: Django's connections belong to the thread that made them.
            future.set_result(_check(_new_connection(), holder))
        except BaseException as error:  # noqa: BLE001 - handed to the waiting request
            future.set_exception(error)

    threading.Thread(target=run, name="healthz-check", daemon=True).start()
    try:
        return bool(future.result(timeout=deadline))
    except Exception:  # noqa: BLE001 - a timeout, or the check failing
        _shut_down(holder)
        logger.warning("healthz: the database did not answer within %.1f s", deadline)
        return False
