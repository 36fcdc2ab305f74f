"""PII redaction engine: spaCy NER plus recognizers for what task-force members actually type.

See docs/redaction.md. Other code imports only the names below.
"""

from redaction.engine import Redactor
from redaction.findings import LABELS, Finding, Redacted
from redaction.normalise import normalise_alias
from redaction.settings import RedactionSettings
from redaction.tagger import ModelNotAvailable

__all__ = [
    "LABELS",
    "Finding",
    "ModelNotAvailable",
    "Redacted",
    "RedactionSettings",
    "Redactor",
    "normalise_alias",
]
