"""Failures of the machine, told in one line: a full disk, a read-only folder, a lost file.

The CLI reports them as ``error: <reason>`` with exit code 1. Prefect logs a failed task or
flow with its traceback; on the terminal only the message line is kept (set
``PIPELINE_TRACEBACKS=1`` to see them). Records sent to a Prefect server keep theirs.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3

MACHINE_ERRORS = (OSError, sqlite3.OperationalError, MemoryError)
_HINTS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the folder is on a read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENAMETOOLONG: "a file name is too long",
    errno.EIO: "an input/output error (a failing disk?)",
}


def describe(exc: BaseException) -> str:
    """One line: what failed, on which file, and what it means."""
    if isinstance(exc, MemoryError):
        return "out of memory (try fewer --workers or a smaller --batch-size)"
    if isinstance(exc, OSError):
        hint = _HINTS.get(exc.errno or 0, exc.strerror or str(exc) or type(exc).__name__)
        where = f" ({exc.filename})" if exc.filename else ""
        return f"cannot write or read a file: {hint}{where}"
    text = str(exc)
    if "full" in text or "readonly" in text or "disk" in text:
        return f"cannot write the analysis cache: {text} (use --no-cache, or free disk space)"
    return f"{type(exc).__name__}: {text}"


class _NoTraceback(logging.Formatter):
    """A console formatter that prints a record's message but not its traceback."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        exc_info, exc_text, stack = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            return self.inner.format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = exc_info, exc_text, stack


def hide_tracebacks() -> None:
    """Keep tracebacks out of Prefect's console output (not out of its API records)."""
    if os.environ.get("PIPELINE_TRACEBACKS") == "1":
        return
    for name in ["", *logging.Logger.manager.loggerDict]:
        logger = logging.getLogger(name)
        for handler in getattr(logger, "handlers", []):
            if type(handler).__name__ == "PrefectConsoleHandler" and not isinstance(
                handler.formatter, _NoTraceback
            ):
                handler.setFormatter(_NoTraceback(handler.formatter or logging.Formatter()))
