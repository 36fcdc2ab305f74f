"""What the engine reports: where PII is, never what it is.

Callers (the PII guard, tip intake, release checks) write findings to the audit log, so a ``Finding`` carries only
offsets, a label, a score and the recognizer's name. Keeping the matched text off the object means an audit record can
never leak the very thing it documents.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

PERSON = "PERSON"
ADDRESS = "ADDRESS"
PHONE = "PHONE"
EMAIL = "EMAIL"
SSN = "SSN"
DOB = "DOB"
AGE = "AGE"
CREDIT_CARD = "CREDIT_CARD"
IBAN = "IBAN"
IP_ADDRESS = "IP_ADDRESS"
DRIVER_LICENSE = "DRIVER_LICENSE"
LICENSE_PLATE = "LICENSE_PLATE"
HANDLE = "HANDLE"
A_NUMBER = "A_NUMBER"
PASSPORT = "PASSPORT"
MEDICAL_RECORD = "MEDICAL_RECORD"
COORDINATES = "COORDINATES"

LABELS: frozenset[str] = frozenset(
    {
        PERSON,
        ADDRESS,
        PHONE,
        EMAIL,
        SSN,
        DOB,
        AGE,
        CREDIT_CARD,
        IBAN,
        IP_ADDRESS,
        DRIVER_LICENSE,
        LICENSE_PLATE,
        HANDLE,
        # The ECM guide's PII definition names "other contact information" and identifiers that would identify the
        # victim in the circumstances; for trafficking survivors that includes the immigration A-number and passport
        # number, and the PHI section names medical record numbers.
        A_NUMBER,
        PASSPORT,
        MEDICAL_RECORD,
        # A GPS pin of a safe house or a survivor's home is an address in another form.
        COORDINATES,
    }
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One span of PII in the *original* text: ``text[start:end]`` is what gets masked."""

    start: int
    end: int
    label: str
    score: float
    source: str


@dataclass(frozen=True, slots=True)
class Redacted:
    """The masked text and the findings behind each mask (offsets refer to the input, not to ``text``)."""

    text: str
    findings: tuple[Finding, ...]

    def label_counts(self) -> dict[str, int]:
        """How many spans of each label were masked; the audit log records this instead of the spans."""
        return dict(sorted(Counter(f.label for f in self.findings).items()))
