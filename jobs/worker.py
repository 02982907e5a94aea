"""A task worker that outlives its database's bad moments.

django-tasks-db's worker loop lets any database error outside a task end the process: a
write lock held longer than SQLite's busy timeout ("database is locked" at BEGIN IMMEDIATE),
a connection lost, a server restarting. `ResilientWorker` runs that same loop (it subclasses
the library's Worker, nothing is copied) and, when an error of the database escapes it, logs
it, drops the broken connections and runs the loop again after a pause that doubles from
BACKOFF_FIRST_SECONDS to BACKOFF_MAX_SECONDS (back to the first once the loop has run a
while). Only a signal (SIGINT, SIGTERM, SIGQUIT: the library's own handlers) stops it. A task
whose own code fails is the library's to record, as before; a task cut off by the database
(its result could not be written) is left "running" and taken back by the stall check
(AMPS_JOB_STALL_SECONDS).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable

from django.db import Error as DatabaseError
from django.db import connections
from django_tasks_db.management.commands.db_worker import Worker

logger = logging.getLogger("jobs.worker")

BACKOFF_FIRST_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 10.0
# A loop that ran this long before failing starts its backoff afresh.
HEALTHY_RUN_SECONDS = 60.0


def close_connections() -> None:
    """Drop this thread's connections, broken or not: the next query connects afresh."""
    for connection in connections.all(initialized_only=True):
        with contextlib.suppress(Exception):
            connection.close()


def retry_database_errors(step: Callable[[], object], *, is_running: Callable[[], bool]):
    """Run `step` until it returns, retrying (with backoff) while a database error escapes
    it and `is_running()` stays true. Returns what `step` returned, or None when stopped."""
    delay = BACKOFF_FIRST_SECONDS
    while is_running():
        started = time.monotonic()
        try:
            return step()
        except DatabaseError as error:
            if time.monotonic() - started > HEALTHY_RUN_SECONDS:
                delay = BACKOFF_FIRST_SECONDS
            # The class and the database's words only: never a task's arguments.
            logger.warning(
                "Task worker: database error outside a task (%s: %s); reconnecting in %.1f s",
                type(error).__name__,
                str(error).strip().splitlines()[0][:200] if str(error).strip() else "",
                delay,
            )
            close_connections()
            time.sleep(delay)  # a signal here stops the worker (the library's handlers)
            delay = min(delay * 2, BACKOFF_MAX_SECONDS)
    return None


class ResilientWorker(Worker):
    """django-tasks-db's Worker, whose loop is run again after a database error."""

    def run(self) -> None:
        retry_database_errors(super().run, is_running=lambda: self.running)
