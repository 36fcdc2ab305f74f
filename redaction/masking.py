"""How a finding is shown in the redacted text."""

from __future__ import annotations

from redaction.findings import (
    A_NUMBER,
    CREDIT_CARD,
    DRIVER_LICENSE,
    EMAIL,
    IBAN,
    LICENSE_PLATE,
    MEDICAL_RECORD,
    PASSPORT,
    PHONE,
    SSN,
)

# For these, the last two digits are what people use to tell two numbers apart ("the one ending 42").
_NUMBER_LABELS = frozenset(
    {PHONE, SSN, CREDIT_CARD, IBAN, DRIVER_LICENSE, LICENSE_PLATE, A_NUMBER, PASSPORT, MEDICAL_RECORD}
)


def mask(original: str, label: str, style: str) -> str:
    """The replacement for ``original`` (the masked span) in ``style`` ("label", "partial" or "fixed").

    "partial" keeps what a colleague needs to recognise a thing already known to them and no more: the first
    character of a name or address, the last two digits of a number. The length of names is not kept.
    """
    if style == "fixed":
        return "[REDACTED]"
    if style == "label":
        return f"[{label}]"
    if label in _NUMBER_LABELS:
        positions = [i for i, ch in enumerate(original) if ch.isalnum()]
        keep = set(positions[-2:]) if len(positions) >= 6 else set()
        return "".join(ch if (i in keep or not ch.isalnum()) else "*" for i, ch in enumerate(original))
    if label == EMAIL:
        return original[:1] + "***@***"
    return original[:1] + "***"
