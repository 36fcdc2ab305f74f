"""Free text that is shown back to anyone goes through the PII engine first.

A release's purpose and scope are echoed by ``/release check`` and ``/release list``; an operation's
languages are echoed in every NGO notice. Such a field that looks like it holds a name, an address,
a phone number or another identifier is refused with the engine's redacted suggestion (a
``FieldError``: the form asks for that field again), never with the original text, and nothing
is stored. Directory members' and agencies' names are on the engine's allow-list, so "share with
HSI" or "ask Nina" pass.
"""

from __future__ import annotations

from bot.context import Context
from bot.errors import FieldError

# How a finding's label is named to the member (labels the engine may return; others read as-is).
_WORDS = {
    "PERSON": "a person's name",
    "PHONE": "a phone number",
    "ADDRESS": "an address",
    "EMAIL": "an email address",
    "SSN": "a social security number",
    "DOB": "a date of birth",
    "AGE": "an age",
    "HANDLE": "a social media or payment handle",
    "PLATE": "a licence plate",
    "CARD": "a card number",
}


async def refuse_pii(ctx: Context, field: str, label: str, text: str | None) -> None:
    """Raise ``FieldError(field, ...)`` when ``text`` looks like it contains PII."""
    if not text or not text.strip():
        return
    result = await ctx.redact_text(text)
    counts: dict[str, int] = result.label_counts()
    if not counts:
        return
    found = ", ".join(_WORDS.get(name, name.lower().replace("_", " ")) for name in sorted(counts))
    raise FieldError(
        field,
        f"{label} is shown back to other members, and it looks like it contains {found}. Write it "
        f"without identifying details, for example: «{result.text}». Nothing was stored.",
    )
