"""Errors that are safe to show a member, and a log formatter that never prints values."""

from __future__ import annotations

import traceback


class UserError(Exception):
    """Bad input or a state the member can fix. The message is shown to them privately, so it must
    be written for them and must not echo what they typed (it may contain PII)."""


def safe_exception_summary(exc: BaseException) -> str:
    """Exception type and code locations only — never the message or arguments, which can carry
    PII (database errors include bound parameters; decode errors include the bytes)."""
    frames = traceback.extract_tb(exc.__traceback__)[-4:]
    where = " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in reversed(frames))
    return f"{type(exc).__module__}.{type(exc).__qualname__} at {where or '?'}"
