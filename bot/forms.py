"""One form definition per feature, rendered by each platform its own way.

Slack renders a ``Form`` as a modal, Matrix as a guided DM dialogue or ``key=value`` arguments, the
console as prompts. Every adapter hands the raw answers (strings, or lists of strings for
multi-choice) to ``Form.validate``, which returns typed values or a ``FormInvalid`` naming each bad
field — so validation rules live in one place, not three.
"""

from __future__ import annotations

import enum
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


class FieldKind(enum.Enum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    DATE = "date"
    DATETIME = "datetime"
    NUMBER = "number"
    YES_NO = "yes_no"


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class FormField:
    """One question. ``key`` is stable and used in ``key=value`` arguments."""

    key: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = True
    choices: tuple[Choice, ...] = ()
    help: str = ""
    max_length: int | None = None
    min_value: float | None = None
    max_value: float | None = None
    sensitive: bool = False  # the answer may contain PII: adapters must not log or echo it


class FormInvalid(ValueError):
    """Raised by ``Form.validate``; ``errors`` maps field key -> a message for the member.

    Messages name the field and the problem, never repeat the submitted value (it may be PII).
    """

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


_YES = {"yes", "y", "true", "1", "on"}
_NO = {"no", "n", "false", "0", "off"}
_DATETIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")

RawValue = str | Sequence[str] | None


@dataclass(frozen=True)
class Form:
    """A typed form. ``context`` is opaque handler state that comes back on submission; it must be
    a short non-sensitive reference (``T-0042``) because platforms store it in the clear."""

    form_id: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str = "Submit"
    context: str = ""
    intro: str = ""

    def field(self, key: str) -> FormField:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    def validate(self, raw: Mapping[str, RawValue]) -> dict[str, Any]:
        """Turn raw answers into typed values, or raise ``FormInvalid`` listing every problem."""
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        known = {f.key for f in self.fields}
        for key in raw:
            if key not in known:
                errors[key] = f"unknown field; expected one of: {', '.join(sorted(known))}"
        for f in self.fields:
            try:
                values[f.key] = _coerce(f, raw.get(f.key))
            except ValueError as exc:
                errors[f.key] = str(exc)
        if errors:
            raise FormInvalid(errors)
        return values


def _is_blank(value: RawValue) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return not any(v.strip() for v in value)


def _coerce(f: FormField, value: RawValue) -> Any:
    if _is_blank(value):
        if f.required:
            raise ValueError(f"{f.label} is required")
        return [] if f.kind is FieldKind.MULTI_CHOICE else None
    assert value is not None
    if f.kind is FieldKind.MULTI_CHOICE:
        items = [value] if isinstance(value, str) else list(value)
        parts = [p.strip() for item in items for p in item.split(",") if p.strip()]
        return [_choice(f, p) for p in parts]
    text = value if isinstance(value, str) else ",".join(value)
    text = text.strip()
    if f.kind in (FieldKind.TEXT, FieldKind.LONG_TEXT):
        if f.max_length is not None and len(text) > f.max_length:
            raise ValueError(f"{f.label} is too long ({len(text)} characters; at most {f.max_length})")
        return text
    if f.kind is FieldKind.CHOICE:
        return _choice(f, text)
    if f.kind is FieldKind.YES_NO:
        low = text.lower()
        if low in _YES:
            return True
        if low in _NO:
            return False
        raise ValueError(f"{f.label}: answer yes or no")
    if f.kind is FieldKind.NUMBER:
        try:
            number = float(text) if "." in text else int(text)
        except ValueError:
            raise ValueError(f"{f.label} must be a number") from None
        if f.min_value is not None and number < f.min_value:
            raise ValueError(f"{f.label} must be at least {f.min_value:g}")
        if f.max_value is not None and number > f.max_value:
            raise ValueError(f"{f.label} must be at most {f.max_value:g}")
        return number
    if f.kind is FieldKind.DATE:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{f.label} must be a date like 2026-03-31") from None
    if f.kind is FieldKind.DATETIME:
        for fmt in _DATETIME_FORMATS:
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                continue
        raise ValueError(f"{f.label} must be a date and time like 2026-03-31 18:30")
    raise ValueError(f"{f.label}: unsupported field kind")  # pragma: no cover


def _choice(f: FormField, text: str) -> str:
    low = text.strip().lower()
    for c in f.choices:
        if low in (c.value.lower(), c.label.lower()):
            return c.value
    options = ", ".join(c.value for c in f.choices)
    raise ValueError(f"{f.label}: choose one of {options}")


_KEY_VALUE = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)=(.*)$", re.S)


def parse_key_values(args: str) -> tuple[dict[str, str], list[str]]:
    """Split ``key=value key2="two words" rest`` into ({key: value}, [positional words]).

    Used by the Matrix adapter and the console for one-line form answers. Quotes follow shell
    rules; an unbalanced quote falls back to whitespace splitting rather than failing.
    """
    try:
        tokens = shlex.split(args, posix=True)
    except ValueError:
        tokens = args.split()
    pairs: dict[str, str] = {}
    rest: list[str] = []
    for tok in tokens:
        m = _KEY_VALUE.match(tok)
        if m:
            pairs[m.group(1).replace("-", "_").lower()] = m.group(2)
        else:
            rest.append(tok)
    return pairs, rest


@dataclass
class FormAnswers:
    """Raw answers collected step by step (Matrix dialogue, console prompts)."""

    form: Form
    answers: dict[str, RawValue] = field(default_factory=dict)

    def next_field(self) -> FormField | None:
        for f in self.form.fields:
            if f.key not in self.answers:
                return f
        return None
