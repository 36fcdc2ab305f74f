"""Logging for the whole process: quiet third parties, one line per record, never a traceback's text.

The project's own loggers (``bot``, ``handlers``, ``storage``, ``redaction``, ``needtoknow``) log at the
configured level; every other library (matrix-nio, aiohttp, alembic, APScheduler, slack-sdk, SQLAlchemy ...)
at ``third_party_level`` (WARNING by default): matrix-nio alone logs an INFO line for every room event.

A record that carries an exception is written as its type and code locations (``safe_exception_summary``),
never its message or traceback text: database errors quote bound parameters and decode errors quote bytes,
either of which can be a survivor's details. ``format = "json"`` writes one JSON object per line for log
shippers, with the same fields.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from bot.errors import safe_exception_summary

OWN_LOGGERS = ("bot", "handlers", "storage", "redaction", "needtoknow")
FORMATS = ("text", "json")
_TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _exception_part(record: logging.LogRecord) -> str | None:
    if record.exc_info and record.exc_info[1] is not None:
        return safe_exception_summary(record.exc_info[1])
    return None


class SafeTextFormatter(logging.Formatter):
    """``time LEVEL logger: message [ExceptionType at file:line:function <- ...]``."""

    def __init__(self) -> None:
        super().__init__(_TEXT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(_without_exception(record))
        where = _exception_part(record)
        return f"{line} [{where}]" if where else line


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, message, and exception (type and location) if any."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": _without_exception(record).getMessage(),
        }
        where = _exception_part(record)
        if where:
            doc["exception"] = where
        return json.dumps(doc, ensure_ascii=False)


def _without_exception(record: logging.LogRecord) -> logging.LogRecord:
    """A copy of ``record`` without traceback text (the formatter would print it otherwise)."""
    if not (record.exc_info or record.exc_text or record.stack_info):
        return record
    clone = logging.makeLogRecord(record.__dict__)
    clone.exc_info = None
    clone.exc_text = None
    clone.stack_info = None
    return clone


def configure_logging(
    level: str = "INFO",
    *,
    fmt: str = "text",
    third_party_level: str = "WARNING",
    stream: Any = None,
) -> logging.Handler:
    """Install one handler on the root logger (replacing earlier ones) and set the levels.

    Returns the handler (tests attach their own stream through ``stream``).
    """
    if fmt not in FORMATS:
        raise ValueError(f"logging.format must be one of {', '.join(FORMATS)}")
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else SafeTextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(third_party_level)
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(level)
    return handler
