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


class FieldError(UserError):
    """A ``UserError`` about one form field. When raised while handling a ``FormSubmitted``, the app
    returns it to the adapter as a field error, so the member re-answers just that field (Matrix
    re-asks it; Slack lists it; the console re-prompts). From a one-line command it is a plain
    private reply."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
