"""Logging filters of the project (settings.LOGGING names them by dotted path)."""

import logging


class RefusalWithoutTraceback(logging.Filter):
    """A refused request (403, 400) is one line on the console, not a traceback: the
    PermissionDenied or SuspiciousOperation behind it is the expected path, and its stack says
    nothing the line does not. Server errors (5xx) keep their traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) in (400, 403) and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True
