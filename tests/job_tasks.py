"""Tasks for the tests of the jobs machinery (a worker subprocess imports them by path)."""

import time

from jobs.services import JobError, job_task


@job_task
def count_slowly(progress, *, total: int, delay: float = 0.0) -> dict:
    progress.set_total(total)
    for _ in range(total):
        time.sleep(delay)
        progress.advance(1)
    return {"counted": total}


@job_task
def fail_in_words(progress, *, words: str) -> dict:
    raise JobError(words)


@job_task
def fail_unexpectedly(progress, *, secret: str) -> dict:
    raise ValueError(secret)
