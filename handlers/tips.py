"""``tip`` and ``case``: tips go to the single point person, are deduplicated, disseminated on need
to know, and end in the task-force case log.

The guide this follows (task-force information sharing, "Tips for Information Sharing"):
"Establish a clear protocol for handling tips made to task force members. Identifying one point
person to evaluate and disseminate this information can assist in maintaining confidentiality,
protecting victim safety, and ensuring lack of duplication of work." In the guide's example the
point person "sent out an e-mail with the identified potential trafficker's name to all Core Team
members. Any member who had information on that individual met within the week to establish a
lead agency and open an official task force case." That is the flow below:

1. submit (``/tip`` form, ``/tip <text>`` or ``/tip key=value ...``) -> stored encrypted as T-0042,
   routed by DM to the point person only (outbox, same transaction); the submitter gets the
   reference privately; a ``/tip`` typed in a group room is removed at once;
2. the point person acknowledges (else: reminder, then escalation to the backup point person),
   marks duplicates (keyed-hash and fuzzy-name matches are shown to them), disseminates (by default
   only the subject's name or alias and the reference, by DM to the Core Team), collects answers,
   sets up a private meeting room with only the members who have information, and records the lead
   agency, which opens case C-3; or closes the tip with a reason code.

Nothing here writes tip content to logs, audit rows, scheduled-item payloads or channels.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.commands import slash_usage
from bot.context import Context
from bot.errors import UserError, safe_exception_summary
from bot.events import ButtonPressed, CommandInvoked, FormSubmitted
from bot.forms import Choice, FieldKind, Form, FormField, FormInvalid, parse_key_values
from bot.platform import DELIVERY, Button, ButtonStyle, ChannelRef, Message, PlatformError, UserRef
from bot.router import Router
from handlers.access import NotInDirectory, Permission
from storage import directory, schedule
from storage.db import next_reference
from storage.directory import MemberView
from storage.models import ScheduledItem
from storage.outbox import OutgoingButton
from storage.tips import (
    OPEN_TIP_STATUSES,
    Case,
    Tip,
    TipDissemination,
    TipDraft,
    TipIdentifier,
    add_case_member,
    case_by_number,
    case_member_ids,
    case_reference,
    disseminations,
    draft_by_token,
    parse_case_reference,
    parse_tip_reference,
    purge_expired_drafts,
    tip_by_number,
    tip_reference,
    tips_matching_digests,
    tips_of_case,
)

log = logging.getLogger(__name__)

EMERGENCY_GUIDANCE = (
    "*If anyone is in immediate danger, call 911 now.*\n"
    "National Human Trafficking Hotline: 1-888-373-7888, or text 233733 (24/7, confidential).\n"
    "I am passing your tip to the task force's tip point person, but that does not replace a 911 call."
)
REDACT_REASON = "tip moved to a private conversation"

SOURCES = (
    Choice("community", "Community member"),
    Choice("hotline", "Hotline"),
    Choice("victim_disclosure", "Victim disclosure"),
    Choice("member_agency", "Member agency"),
)
URGENCIES = (Choice("routine", "Routine"), Choice("urgent", "Urgent"))
CLOSE_REASONS = (
    Choice("unfounded", "No trafficking indicators"),
    Choice("insufficient", "Not enough information to act on"),
    Choice("referred", "Referred outside the task force"),
    Choice("duplicate", "Duplicate of another tip"),
    Choice("resolved", "Resolved, no further action"),
)
# What the point person may send to the Core Team; the default is the name or alias only.
DISSEMINATE_FIELDS = (
    Choice("name", "Name or alias"),
    Choice("phone", "Phone"),
    Choice("handle", "Handle or e-mail"),
    Choice("vehicle", "Vehicle"),
    Choice("location", "Location"),
)
_FIELD_LABELS = {
    "name": "Name/alias",
    "phone": "Phone",
    "handle": "Handle/e-mail",
    "vehicle": "Vehicle",
    "address": "Address",
    "location": "Location",
}
_FORM_KEYS = (
    "name",
    "phone",
    "handle",
    "vehicle",
    "address",
    "location",
    "observed",
    "source",
    "urgency",
    "danger",
)
_INLINE_KEY = re.compile(r"(?:^|\s)(?:" + "|".join(_FORM_KEYS) + r")=", re.IGNORECASE)
_TIP_REF = re.compile(r"[Tt]-?\d{1,9}")
_YES = {"yes", "y", "true", "1", "on"}

USAGE = (
    'tip | tip <what you saw> | tip name=... phone=... observed="..." | '
    "tip ack|show T-0001 | tip dup T-0003 T-0001 | tip disseminate T-0001 [name,phone,...] | "
    "tip case T-0001 <agency|C-n> | tip close T-0001 <reason> | tip list"
)
CASE_USAGE = "case list | case show C-1"


# -- settings ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TipSettings:
    """``[tips]`` in the config file (see config.example.toml for what each key means)."""

    ack_reminder_minutes: int = 60
    escalate_minutes: int = 240
    urgent_ack_reminder_minutes: int = 15
    urgent_escalate_minutes: int = 60
    admins_can_read: bool = False
    tell_submitter_handler: bool = False
    max_observed_chars: int = 20_000
    fuzzy_name_threshold: int = 88
    phone_region: str = "US"
    meeting_within_days: int = 7
    lead_agency_reminder_hours: int = 48
    lead_agency_reminders: int = 4

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> TipSettings:
        defaults = cls()
        values: dict[str, Any] = {}
        known = set(cls.__dataclass_fields__)
        for key in raw:
            if key not in known:
                raise ValueError(f"tips.{key}: unknown key (expected one of: {', '.join(sorted(known))})")
        bounds = {
            "ack_reminder_minutes": (1, 7 * 24 * 60),
            "escalate_minutes": (1, 14 * 24 * 60),
            "urgent_ack_reminder_minutes": (1, 24 * 60),
            "urgent_escalate_minutes": (1, 24 * 60),
            # Slack cuts messages at 40,000 characters; the tip plus its headings must fit one DM.
            "max_observed_chars": (100, 30_000),
            "fuzzy_name_threshold": (50, 100),
            "meeting_within_days": (1, 60),
            "lead_agency_reminder_hours": (1, 24 * 14),
            "lead_agency_reminders": (0, 20),
        }
        for key, (low, high) in bounds.items():
            if key in raw:
                v = raw[key]
                if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
                    raise ValueError(f"tips.{key}: must be a whole number from {low} to {high}")
                values[key] = v
        for key in ("admins_can_read", "tell_submitter_handler"):
            if key in raw:
                if not isinstance(raw[key], bool):
                    raise ValueError(f"tips.{key}: must be true or false")
                values[key] = raw[key]
        if "phone_region" in raw:
            region = raw["phone_region"]
            if not isinstance(region, str) or region.upper() not in phonenumbers.SUPPORTED_REGIONS:
                raise ValueError("tips.phone_region: must be a two-letter region code such as US or CA")
            values["phone_region"] = region.upper()
        merged = {**defaults.__dict__, **values}
        if merged["escalate_minutes"] <= merged["ack_reminder_minutes"]:
            raise ValueError("tips.escalate_minutes: must be later than ack_reminder_minutes")
        if merged["urgent_escalate_minutes"] <= merged["urgent_ack_reminder_minutes"]:
            raise ValueError("tips.urgent_escalate_minutes: must be later than urgent_ack_reminder_minutes")
        return cls(**merged)


def _settings(ctx: Context) -> TipSettings:
    value = ctx.settings("tips")
    assert isinstance(value, TipSettings)
    return value


# -- identifier normalisation (duplicate detection) -----------------------------------------------

_SPLIT = re.compile(r"[,;/\n]|\s+aka\s+|\s+a\.k\.a\.\s+", re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_AT_HANDLE = re.compile(r"(?<![\w@])@([A-Za-z0-9_.]{2,40})")


def normalise_name(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed, punctuation dropped: ``"  MARCO   Silva."`` ->
    ``"marco silva"``."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(ch if ch.isalnum() or ch.isspace() else " " for ch in folded)
    return " ".join(kept.split())


def normalise_names(text: str | None) -> set[str]:
    """Each name or alias in a field (``"Marco Silva; aka Big M"``). ``"SILVA, Marco"`` is one name
    written last-name-first, not two names: a comma between two single words does not split."""
    if not text:
        return set()
    parts: list[str] = []
    for chunk in re.split(r"[;/\n]|\s+aka\s+|\s+a\.k\.a\.\s+", text, flags=re.IGNORECASE):
        pieces = chunk.split(",")
        if len(pieces) == 2 and all(len(p.split()) == 1 for p in pieces):
            parts.append(chunk)
        else:
            parts += pieces
    return {n for n in (normalise_name(p) for p in parts) if n}


def normalise_phones(text: str | None, region: str) -> set[str]:
    """Every phone number in ``text`` as E.164 (``+13125550147``), whatever its formatting."""
    if not text:
        return set()
    found: set[str] = set()
    for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
        found.add(phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
    if not found and sum(ch.isdigit() for ch in text) >= 7:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            return found
        if phonenumbers.is_possible_number(number):
            found.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return found


def normalise_handles(text: str | None) -> set[tuple[str, str]]:
    """Handles lower-cased without a leading ``@``; e-mail addresses lower-cased (kind ``email``)."""
    if not text:
        return set()
    out: set[tuple[str, str]] = set()
    for part in re.split(r"[\s,;]+", unicodedata.normalize("NFKC", text)):
        part = part.strip().strip(".")
        if not part:
            continue
        if _EMAIL.fullmatch(part):
            out.add(("email", part.casefold()))
        else:
            handle = part.lstrip("@").casefold()
            if handle:
                out.add(("handle", handle))
    return out


def normalise_plates(text: str | None) -> set[str]:
    if not text:
        return set()
    out = set()
    for part in _SPLIT.split(unicodedata.normalize("NFKC", text)):
        plate = re.sub(r"[^A-Z0-9]", "", part.upper())
        if len(plate) >= 2:
            out.add(plate)
    return out


def identifiers_of(values: Mapping[str, Any], region: str) -> set[tuple[str, str]]:
    """(kind, normalised value) for every subject identifier in a tip, including phone numbers,
    e-mails and @handles mentioned in the observation text."""
    out: set[tuple[str, str]] = set()
    observed = values.get("observed") or ""
    out |= {("phone", p) for p in normalise_phones(values.get("phone"), region)}
    out |= {("phone", p) for p in normalise_phones(observed, region)}
    out |= normalise_handles(values.get("handle"))
    out |= {("email", e.casefold()) for e in _EMAIL.findall(observed)}
    out |= {("handle", h.casefold()) for h in _AT_HANDLE.findall(observed)}
    out |= {("vehicle", p) for p in normalise_plates(values.get("vehicle"))}
    out |= {("name", n) for n in normalise_names(values.get("name"))}
    return out


@dataclass(frozen=True)
class PossibleMatch:
    reference: str
    kinds: tuple[str, ...]
    case: str | None = None
    lead_agency: str | None = None
    status: str = ""

    def describe(self) -> str:
        text = f"possible match: {self.reference}"
        if self.case:
            text += f" (case {self.case}, lead agency {self.lead_agency})"
        elif self.status in ("closed", "duplicate"):
            text += f" ({self.status})"
        return text + " — " + ", ".join(self.kinds)


_KIND_TEXT = {
    "phone": "same phone",
    "handle": "same handle",
    "email": "same e-mail",
    "vehicle": "same vehicle",
    "name": "same name",
    "similar_name": "similar name",
}


def find_possible_matches(
    s: Session, tip: Tip, digests: set[tuple[str, str]], names: set[str], threshold: int
) -> list[PossibleMatch]:
    """Earlier tips (and so their cases) sharing an identifier with ``tip``: exact matches by keyed
    hash, names also fuzzily — decrypted in memory only, never stored in clear."""
    kinds = tips_matching_digests(s, digests, exclude_tip=tip.id)
    if names:
        rows = s.execute(
            select(Tip.id, Tip.subject_name).where(Tip.id != tip.id, Tip.subject_name.is_not(None))
        ).all()
        for other_id, other_name in rows:
            if "name" in kinds.get(other_id, set()):
                continue
            others = normalise_names(other_name)
            if any(fuzz.token_sort_ratio(a, b) >= threshold for a in names for b in others):
                kinds.setdefault(other_id, set()).add("similar_name")
    out: list[PossibleMatch] = []
    for other_id, found in kinds.items():
        other = s.get(Tip, other_id)
        if other is None:
            continue
        case_ref = agency = None
        if other.case_id is not None:
            case = s.get(Case, other.case_id)
            if case is not None:
                case_ref = case.reference
                agency = _agency_key(s, case.lead_agency_id)
        out.append(
            PossibleMatch(
                other.reference,
                tuple(_KIND_TEXT[k] for k in sorted(found)),
                case_ref,
                agency,
                other.status,
            )
        )
    return sorted(out, key=lambda m: m.reference)


def _agency_key(s: Session, agency_id: int) -> str:
    for a in directory.all_agencies(s):
        if a.id == agency_id:
            return a.key.upper()
    return "?"


# -- forms -----------------------------------------------------------------------------------------


def build_tip_form(ctx: Context, user: UserRef, context: str = "") -> Form:
    limit = _settings(ctx).max_observed_chars
    return Form(
        form_id="tips.new",
        title="Submit a tip (private)",
        intro=(
            "Only the task force's tip point person will see this; nothing is posted in any channel. "
            "Fill in whatever you know about the subject. If anyone is in immediate danger, call 911."
        ),
        submit_label="Send to the point person",
        fields=(
            FormField("name", "Subject name or alias", required=False, max_length=300, sensitive=True),
            FormField("phone", "Subject phone number(s)", required=False, max_length=200, sensitive=True),
            FormField(
                "handle", "Social media handle or e-mail", required=False, max_length=300, sensitive=True
            ),
            FormField(
                "vehicle", "Vehicle (plate, make, colour)", required=False, max_length=200, sensitive=True
            ),
            FormField("address", "Address", required=False, max_length=500, sensitive=True),
            FormField("location", "Where (place, area)", required=False, max_length=500, sensitive=True),
            FormField(
                "observed",
                "What was observed",
                FieldKind.LONG_TEXT,
                max_length=limit,
                sensitive=True,
                help=f"At most {limit:,} characters; for longer material send a summary or several tips.",
            ),
            FormField("source", "How the tip came in", FieldKind.CHOICE, required=False, choices=SOURCES),
            FormField("urgency", "Urgency", FieldKind.CHOICE, required=False, choices=URGENCIES),
            FormField("danger", "Is anyone in immediate danger?", FieldKind.YES_NO, required=False),
        ),
    )


def build_dup_form(ctx: Context, user: UserRef, context: str) -> Form:
    return Form(
        "tips.dup",
        f"Mark {context} as a duplicate",
        (FormField("of", "Duplicate of which tip (e.g. T-0017)", max_length=20),),
        submit_label="Mark duplicate",
        context=context,
    )


def build_disseminate_form(ctx: Context, user: UserRef, context: str) -> Form:
    return Form(
        "tips.disseminate",
        f"Disseminate {context} to the Core Team",
        (
            FormField(
                "include",
                "What to send (default: the subject's name or alias only)",
                FieldKind.MULTI_CHOICE,
                required=False,
                choices=DISSEMINATE_FIELDS,
            ),
        ),
        submit_label="Send",
        context=context,
        intro="Core Team members get only what you choose here and the tip reference, by DM.",
    )


def build_case_form(ctx: Context, user: UserRef, context: str) -> Form:
    with ctx.session() as s:
        agencies = directory.all_agencies(s)
    return Form(
        "tips.case",
        f"Open a case for {context}",
        (
            FormField(
                "agency",
                "Lead agency",
                FieldKind.CHOICE,
                required=False,
                choices=tuple(Choice(a.key, a.name) for a in agencies),
            ),
            FormField("case", "Or link to an open case (e.g. C-3)", required=False, max_length=20),
        ),
        submit_label="Record",
        context=context,
    )


def build_close_form(ctx: Context, user: UserRef, context: str) -> Form:
    return Form(
        "tips.close",
        f"Close {context}",
        (FormField("reason", "Reason", FieldKind.CHOICE, choices=CLOSE_REASONS),),
        submit_label="Close tip",
        context=context,
    )


# -- helpers ---------------------------------------------------------------------------------------


def _require_handler(ctx: Context) -> MemberView:
    """Tip contents: the point person and the backup; admins only when configured
    (``[tips] admins_can_read``, a configurable role of the policy table)."""
    return ctx.require(Permission.HANDLE_TIPS)


def _require_submitter(ctx: Context) -> MemberView:
    """Unknown people are refused and nothing is stored (see docs/tips.md: the bot cannot follow
    up with them or vouch for them, and the public has the hotline)."""
    try:
        return ctx.require(Permission.SUBMIT_TIP)
    except NotInDirectory as denied:
        raise NotInDirectory(
            denied.permission,
            denied.reason + " Your tip was not stored. If someone is in danger, call 911 or the National "
            "Human Trafficking Hotline at 1-888-373-7888 (text 233733).",
        ) from None


def _tip_or_error(s: Session, text: str) -> Tip:
    number = parse_tip_reference(text)
    if number is None:
        raise UserError("Tip references look like T-0042.")
    tip = tip_by_number(s, number)
    if tip is None:
        raise UserError(f"There is no tip {tip_reference(number)}.")
    return tip


def _members_by_id(s: Session) -> dict[int, MemberView]:
    return {m.id: m for m in directory.all_members(s)}


def _first(members: Sequence[MemberView]) -> MemberView | None:
    return members[0] if members else None


def _point_person(s: Session) -> MemberView | None:
    return _first(directory.members_with_role(s, "point_person"))


def _backup(s: Session) -> MemberView | None:
    return _first(directory.members_with_role(s, "backup_point_person"))


def _local(ctx: Context, when: datetime) -> str:
    return when.astimezone(ctx.config.tz).strftime("%a %Y-%m-%d %H:%M %Z")


def _day(ctx: Context, when: datetime) -> str:
    return when.astimezone(ctx.config.tz).strftime("%a %d %b")


def _handler_buttons(ref: str) -> list[OutgoingButton]:
    return [
        OutgoingButton("tips.ack", "Acknowledge", ref, "primary"),
        OutgoingButton("tips.dup", "Mark duplicate", ref),
        OutgoingButton("tips.disseminate", "Disseminate", ref),
        OutgoingButton("tips.case", "Open case", ref),
        OutgoingButton("tips.close", "Close", ref, "danger"),
    ]


def tip_text(
    ctx: Context, s: Session, tip: Tip, *, heading: str, matches: Sequence[PossibleMatch] | None = None
) -> str:
    """The full tip, for the point person / backup only (an encrypted outbox row or a DM)."""
    members = _members_by_id(s)
    submitter = members.get(tip.submitter_id)
    flags = [tip.urgency]
    if tip.immediate_danger:
        flags.append("IMMEDIATE DANGER reported")
    flags.append(f"source: {tip.source.replace('_', ' ')}")
    lines = [f"*{heading}* — " + " · ".join(flags)]
    if submitter is not None:
        lines.append(
            f"From: {submitter.display_name} ({submitter.agency.name}), {_local(ctx, tip.created_at)}"
        )
    for key, value in (
        ("name", tip.subject_name),
        ("phone", tip.subject_phone),
        ("handle", tip.subject_handle),
        ("vehicle", tip.subject_vehicle),
        ("address", tip.subject_address),
        ("location", tip.location),
    ):
        if value:
            lines.append(f"{_FIELD_LABELS[key]}: {value}")
    lines += ["Observed:", tip.observed, ""]
    if matches is not None:
        if matches:
            lines.append("Duplicate check:")
            lines += [f"• {m.describe()}" for m in matches[:10]]
            if len(matches) > 10:
                lines.append(f"• … and {len(matches) - 10} more")
        else:
            lines.append("Duplicate check: no earlier tip shares an identifier.")
    lines.append(
        f"Status: {tip.status.replace('_', ' ')}. Use the buttons, or `/tip ack {tip.reference}` etc."
    )
    return "\n".join(lines)


async def _tell(ctx: Context, text: str) -> bool:
    """Answer the acting person privately; False when the platform did not take it."""
    try:
        await ctx.reply(text)
    except Exception as exc:
        log.warning("private reply failed: %s", safe_exception_summary(exc))
        return False
    return True


def _cancel_ack_items(s: Session, ref: str) -> None:
    schedule.cancel(s, ref=ref, kinds=["tips.ack_reminder", "tips.escalate"])


def _acknowledge(ctx: Context, s: Session, tip: Tip, handler: MemberView) -> bool:
    """Record that a handler has taken the tip (any action counts). Returns True the first time."""
    if tip.acknowledged_at is not None:
        return False
    tip.acknowledged_at = ctx.now()
    tip.acknowledged_by_id = handler.id
    if tip.status == "new":
        tip.status = "acknowledged"
    _cancel_ack_items(s, tip.reference)
    ctx.audit(s, "tip.acknowledged", target=tip.reference)
    submitter = _members_by_id(s).get(tip.submitter_id)
    if submitter is not None and submitter.id != handler.id:
        who = "the task force's tip point person"
        if _settings(ctx).tell_submitter_handler:
            who = f"{handler.display_name} ({handler.agency.name})"
        ctx.enqueue_dm(
            s,
            submitter,
            f"Your tip {tip.reference} has been received and is being handled by {who}.",
            key=f"tip:{tip.number}:ack-notice",
            purpose="tips.ack_notice",
        )
    return True


def _handler_of(s: Session, tip: Tip) -> MemberView | None:
    """Who hears answers and reminders: whoever took the tip, else the point person, else backup."""
    members = _members_by_id(s)
    taker = members.get(tip.acknowledged_by_id) if tip.acknowledged_by_id is not None else None
    if taker is not None and taker.active and taker.roles & {"point_person", "backup_point_person"}:
        return taker
    return _point_person(s) or _backup(s)


def _ensure_open(tip: Tip) -> None:
    if tip.status in ("closed", "duplicate"):
        raise UserError(f"{tip.reference} is {tip.status}; nothing more can be done with it.")


# -- submitting ------------------------------------------------------------------------------------


def inline_answers(args: str) -> dict[str, str]:
    """``/tip <free text>`` -> the whole text is the observation; ``/tip name=... observed="..."``
    -> the form's fields. Words outside ``key=value`` pairs are added to the observation so nothing
    typed is dropped."""
    if not _INLINE_KEY.search(args):
        return {"observed": args}
    pairs, rest = parse_key_values(args)
    if rest:
        extra = " ".join(rest)
        pairs["observed"] = f"{pairs['observed']}\n{extra}" if pairs.get("observed") else extra
    return pairs


async def _remove_command_from_channel(event: CommandInvoked, ctx: Context) -> None:
    """A tip typed in a group room (Matrix ``!tip ...``, console) is removed at once; the reason
    shown in the room says nothing about the tip."""
    removed = await ctx.remove_command_from_channel(event, REDACT_REASON)
    if removed is None:
        return
    with ctx.session() as s:
        ctx.audit(
            s, "tip.command_removed" if removed else "tip.command_not_removed", detail={"removed": removed}
        )
    if not removed:
        await _tell(
            ctx,
            "I could not remove your /tip message from the channel. Please delete it yourself now. "
            "I'm continuing privately; next time send tips in a direct message to me.",
        )


def _earlier_tip(s: Session, submission: str) -> Any:
    """The tip this delivery stored when it was handled before (number, routed_to), or None."""
    return s.execute(
        select(Tip.number, Tip.routed_to).where(Tip.submission_key == submission[:255])
    ).one_or_none()


def _submitted(ctx: Context, submission: str) -> bool:
    with ctx.session() as s:
        return _earlier_tip(s, submission) is not None


async def submit_tip(
    ctx: Context,
    submitter: MemberView,
    values: Mapping[str, Any],
    *,
    already_warned: bool = False,
    draft_token: str | None = None,
) -> str:
    """Store the tip encrypted, route it to the point person through the outbox (same transaction),
    plan the reminder and escalation, and confirm privately. Returns the reference.

    ``draft_token``: the one-line draft this tip comes from, deleted in the same transaction (none
    left, e.g. already sent: nothing is stored and the member is told)."""
    settings = _settings(ctx)
    danger = bool(values.get("danger"))
    guidance_shown = already_warned
    if danger and not already_warned:
        # Before anything else (the submitter may need to call 911 now).
        guidance_shown = await _tell(ctx, EMERGENCY_GUIDANCE)
    found = identifiers_of(values, settings.phone_region)
    digests = {(kind, ctx.hasher(value)) for kind, value in found}
    names = {value for kind, value in found if kind == "name"}
    submission = DELIVERY.get()
    with ctx.session() as s:
        earlier = _earlier_tip(s, submission) if submission else None
        point_person = _point_person(s) if earlier is not None else None
    if earlier is not None:
        # This very delivery was handled before (the adapter ran it again after a takeover): its tip
        # is stored and routed; the submitter gets the same answer (which the adapter does not send
        # twice), nothing is stored twice.
        ref = tip_reference(earlier.number)
        log.info("tip submission handled again: %s was stored by the first run", ref)
        return await _confirm(ctx, submitter, ref, earlier.number, earlier.routed_to, point_person, settings)
    with ctx.session() as s:
        if draft_token is not None:
            draft = draft_by_token(s, draft_token)
            if draft is None or draft.submitter_id != submitter.id:
                raise UserError(_DRAFT_GONE)
            _consume_draft(s, draft)
        number = next_reference(s, "tip")
        tip = Tip(
            number=number,
            submitter_id=submitter.id,
            status="new",
            source=values.get("source") or "unspecified",
            urgency=values.get("urgency") or "routine",
            immediate_danger=danger,
            subject_name=values.get("name") or None,
            subject_phone=values.get("phone") or None,
            subject_handle=values.get("handle") or None,
            subject_vehicle=values.get("vehicle") or None,
            subject_address=values.get("address") or None,
            location=values.get("location") or None,
            observed=values["observed"],
            created_at=ctx.now(),
            submission_key=submission[:255] if submission else None,
        )
        s.add(tip)
        s.flush()
        for kind, digest in sorted(digests):
            s.add(TipIdentifier(tip_id=tip.id, kind=kind, digest=digest))
        s.flush()
        ref = tip.reference
        ctx.audit(
            s,
            "tip.submitted",
            target=ref,
            detail={
                "source": tip.source,
                "urgency": tip.urgency,
                "danger": danger,
                "identifiers": len(digests),
            },
        )
        matches = find_possible_matches(s, tip, digests, names, settings.fuzzy_name_threshold)
        routed = _route(ctx, s, tip, matches)
        if danger and not guidance_shown:
            ctx.enqueue_dm(
                s, submitter, EMERGENCY_GUIDANCE, key=f"tip:{number}:guidance", purpose="tips.guidance"
            )
        point_person = _point_person(s)
    ctx.kick_outbox()
    return await _confirm(ctx, submitter, ref, number, routed, point_person, settings)


async def _confirm(
    ctx: Context,
    submitter: MemberView,
    ref: str,
    number: int,
    routed: str,
    point_person: MemberView | None,
    settings: TipSettings,
) -> str:
    """Tell the submitter where their tip went (queued when the direct answer fails)."""
    if routed == "nobody":
        text = (
            f"Your tip is stored as *{ref}*; no point person is configured, the coordinator has been "
            "alerted. Nothing about it was posted in any channel."
        )
    else:
        who = "the task force's tip point person"
        if settings.tell_submitter_handler and routed == "point_person" and point_person is not None:
            who = f"{point_person.display_name}, the tip point person"
        text = (
            f"Thank you. Your tip is stored as *{ref}* and has gone privately to {who}. Nothing about it "
            f"was posted in any channel. If you need to mention it, refer to it only as {ref}."
        )
    if not await _tell(ctx, text):
        with ctx.session() as s:
            ctx.enqueue_dm(
                s, submitter, text, key=f"tip:{number}:confirm", purpose="tips.confirm", waiting=submitter
            )
        ctx.kick_outbox()
    return ref


def _route(ctx: Context, s: Session, tip: Tip, matches: Sequence[PossibleMatch]) -> str:
    """DM the tip to the point person (the backup when the point person cannot be reached on this
    platform); with neither, alert the coordinators with the reference only."""
    settings = _settings(ctx)
    ref = tip.reference
    body = tip_text(ctx, s, tip, heading=f"New tip {ref}", matches=matches)
    routed = "nobody"
    for person, role in ((_point_person(s), "point_person"), (_backup(s), "backup")):
        if person is not None and ctx.enqueue_dm(
            s,
            person,
            body,
            key=f"tip:{tip.number}:route",
            purpose="tips.route",
            buttons=_handler_buttons(ref),
            waiting=ctx.member,  # the submitter: told if their tip cannot reach the point person
        ):
            routed = role
            break
    tip.routed_to = routed
    if routed == "nobody":
        for person in ctx.coordinators(s):
            ctx.enqueue_dm(
                s,
                person,
                f"Tip {ref} was stored, but no tip point person is configured (or reachable here), so "
                f"nobody has it. Assign one with `/admin grant <handle> point_person`; they can then read "
                f"it with `/tip show {ref}`.",
                key=f"tip:{tip.number}:no-point-person:{person.handle}",
                purpose="tips.no_point_person",
            )
    ctx.audit(s, "tip.routed", target=ref, detail={"to": routed, "possible_matches": len(matches)})
    urgent = tip.urgency == "urgent" or tip.immediate_danger
    remind = settings.urgent_ack_reminder_minutes if urgent else settings.ack_reminder_minutes
    escalate = settings.urgent_escalate_minutes if urgent else settings.escalate_minutes
    now = ctx.now()
    payload = {"tip_id": tip.id}
    schedule.schedule(
        s,
        key=f"tip:{tip.number}:ack-reminder",
        kind="tips.ack_reminder",
        ref=ref,
        due_at=now + timedelta(minutes=remind),
        payload=payload,
    )
    schedule.schedule(
        s,
        key=f"tip:{tip.number}:escalate",
        kind="tips.escalate",
        ref=ref,
        due_at=now + timedelta(minutes=escalate),
        payload=payload,
    )
    return routed


# -- point person actions --------------------------------------------------------------------------


async def acknowledge_tip(ctx: Context, ref_text: str) -> None:
    handler = _require_handler(ctx)
    with ctx.once("tip.ack") as once:
        s = once.begin()
        tip = _tip_or_error(s, ref_text)
        first = _acknowledge(ctx, s, tip, handler)
        ref = tip.reference
        once.answer = (
            f"{ref} acknowledged; its reminder and escalation are cancelled."
            if first
            else f"{ref} was already acknowledged."
        )
    ctx.kick_outbox()
    await ctx.answer(once)


async def mark_duplicate(ctx: Context, ref_text: str, of_text: str) -> None:
    handler = _require_handler(ctx)
    with ctx.once("tip.duplicate") as once:
        s = once.begin()
        tip = _tip_or_error(s, ref_text)
        original = _tip_or_error(s, of_text)
        if tip.id == original.id:
            raise UserError("A tip cannot be a duplicate of itself.")
        if original.duplicate_of_id == tip.id:
            raise UserError(f"{original.reference} is already marked as a duplicate of {tip.reference}.")
        _ensure_open(tip)
        _acknowledge(ctx, s, tip, handler)
        tip.status = "duplicate"
        tip.duplicate_of_id = original.id
        if original.case_id is not None and tip.case_id is None:
            tip.case_id = original.case_id
        schedule.cancel(s, ref=tip.reference)
        ctx.audit(s, "tip.duplicate", target=tip.reference, detail={"of": original.reference})
        ref, oref = tip.reference, original.reference
        once.answer = f"{ref} is marked as a duplicate of {oref}."
    ctx.kick_outbox()
    await ctx.answer(once)


async def disseminate_tip(ctx: Context, ref_text: str, fields: Sequence[str]) -> None:
    """Ask the Core Team (except the point person) whether they have information, sending only the
    chosen fields — by default the name or alias — and the reference (guide: "sent out an e-mail
    with the identified potential trafficker's name to all Core Team members")."""
    handler = _require_handler(ctx)
    chosen = list(dict.fromkeys(fields)) or ["name"]
    valid = {c.value for c in DISSEMINATE_FIELDS}
    if any(f not in valid for f in chosen):
        raise UserError(f"You can send: {', '.join(sorted(valid))}.")
    with ctx.once("tip.disseminate") as once:
        s = once.begin()
        tip = _tip_or_error(s, ref_text)
        _ensure_open(tip)
        if tip.case_id is not None:
            raise UserError(f"{tip.reference} is already part of a case.")
        source = {
            "name": tip.subject_name,
            "phone": tip.subject_phone,
            "handle": tip.subject_handle,
            "vehicle": tip.subject_vehicle,
            "location": tip.location,
        }
        parts = [(f, source[f]) for f in chosen if source[f]]
        if not parts:
            raise UserError(
                f"{tip.reference} has nothing in the fields you chose (default: name or alias). "
                f"Choose others, e.g. `/tip disseminate {tip.reference} phone,vehicle`."
            )
        point_person = _point_person(s)
        skip = {handler.id} | ({point_person.id} if point_person else set())
        already = {d.member_id for d in disseminations(s, tip.id)}
        recipients = [m for m in directory.members_with_role(s, "core_team") if m.id not in skip | already]
        if not recipients and not already:
            raise UserError("There are no Core Team members to ask (roles: core_team).")
        _acknowledge(ctx, s, tip, handler)
        ref = tip.reference
        body = "\n".join(
            [
                f"*Tip {ref} — need-to-know check.* The tip point person asks whether you or your agency "
                "has any information on:",
                *[f"{_FIELD_LABELS[f]}: {v}" for f, v in parts],
                "Please answer with the buttons. Do not forward this or discuss it in group channels; "
                f"refer to it only as {ref}.",
            ]
        )
        buttons = [
            OutgoingButton("tips.info.yes", "I have information", ref, "primary"),
            OutgoingButton("tips.info.no", "No information", ref),
        ]
        sent = 0
        for member in recipients:
            if ctx.enqueue_dm(
                s,
                member,
                body,
                key=f"tip:{tip.number}:ask:{member.id}",
                purpose="tips.disseminate",
                buttons=buttons,
            ):
                s.add(TipDissemination(tip_id=tip.id, member_id=member.id, sent_at=ctx.now()))
                sent += 1
        tip.status = "disseminated"
        tip.disseminated_at = tip.disseminated_at or ctx.now()
        ctx.audit(
            s, "tip.disseminated", target=ref, detail={"recipients": sent, "fields": [f for f, _ in parts]}
        )
        what = ", ".join(_FIELD_LABELS[f].lower() for f, _ in parts)
        note = f" ({len(already)} asked before were not asked again)" if already else ""
        once.answer = (
            f"{ref} sent to {sent} Core Team member(s) ({what} only){note}. Their answers will come to you here."
        )
    ctx.kick_outbox()
    await ctx.answer(once)


def _answers_summary(s: Session, tip: Tip) -> tuple[list[int], str]:
    rows = disseminations(s, tip.id)
    yes = [d.member_id for d in rows if d.response == "has_info"]
    no = sum(1 for d in rows if d.response == "no_info")
    waiting = sum(1 for d in rows if d.response is None)
    return yes, f"{len(yes)} have information, {no} no information, {waiting} not answered yet"


async def record_answer(ctx: Context, ref_text: str, has_info: bool) -> None:
    member = ctx.require(Permission.USE_BOT)
    settings = _settings(ctx)
    with ctx.once("tip.answer") as once:
        s = once.begin()
        tip = _tip_or_error(s, ref_text)
        row = s.execute(
            select(TipDissemination).where(
                TipDissemination.tip_id == tip.id, TipDissemination.member_id == member.id
            )
        ).scalar_one_or_none()
        if row is None:
            raise UserError("That question was not sent to you.")
        before = row.response
        row.response = "has_info" if has_info else "no_info"
        row.responded_at = ctx.now()
        s.flush()
        ref = tip.reference
        ctx.audit(s, "tip.response", target=ref, detail={"has_information": has_info})
        yes, summary = _answers_summary(s, tip)
        handler = _handler_of(s, tip)
        members = _members_by_id(s)
        answer = "has information" if has_info else "has no information"
        lines = [f"{ref}: {member.display_name} ({member.agency.name}) {answer}. Answers so far: {summary}."]
        buttons: list[OutgoingButton] = []
        if yes and tip.case_id is None and tip.is_open:
            if tip.meeting_due is None:
                tip.meeting_due = ctx.now() + timedelta(days=settings.meeting_within_days)
                _plan_lead_agency_reminder(ctx, s, tip, 1)
            names = ", ".join(
                f"{members[i].display_name} ({members[i].agency.key.upper()})" for i in yes if i in members
            )
            if tip.meeting_channel is None:
                lines.append(
                    f"Proposed: a case meeting by {_day(ctx, tip.meeting_due)} with only the members who have "
                    f"information — {names} — and you, to agree on a lead agency. 'Set up case meeting' "
                    "creates a private room limited to them."
                )
                buttons = [
                    OutgoingButton("tips.meeting", "Set up case meeting", ref, "primary"),
                    OutgoingButton("tips.case", "Open case", ref),
                ]
            elif has_info and before != "has_info":
                lines.append(
                    "The meeting room already exists; invite this member to it yourself, "
                    "or record the lead agency with `/tip case " + ref + " <agency>`."
                )
        if handler is not None:
            ctx.enqueue_dm(
                s,
                handler,
                "\n".join(lines),
                key=f"tip:{tip.number}:answer:{member.id}:{row.response}:{ctx.once_stamp()}",
                purpose="tips.answer",
                buttons=buttons,
            )
        once.answer = (
            f"Thank you — the tip point person will be in touch about a short meeting on {ref}."
            if has_info
            else f"Thank you — noted that you have no information on {ref}."
        )
    ctx.kick_outbox()
    await ctx.answer(once)


def _plan_lead_agency_reminder(ctx: Context, s: Session, tip: Tip, count: int) -> None:
    if count > _settings(ctx).lead_agency_reminders:
        return
    schedule.schedule(
        s,
        key=f"tip:{tip.number}:lead-reminder:{count}",
        kind="tips.lead_agency_reminder",
        ref=tip.reference,
        due_at=ctx.now() + timedelta(hours=_settings(ctx).lead_agency_reminder_hours),
        payload={"tip_id": tip.id, "count": count},
    )


async def set_up_meeting(ctx: Context, ref_text: str) -> None:
    """Create a private room with the handler and only the members who have information
    (guide: ad hoc case meetings "limited to those individuals working on the case")."""
    handler = _require_handler(ctx)
    earlier = ctx.done_before("tip.meeting")
    if earlier is not None:  # this press was handled before (a takeover): its room exists
        await ctx.answer(earlier)
        return
    with ctx.session() as s:
        tip = _tip_or_error(s, ref_text)
        _ensure_open(tip)
        if tip.case_id is not None:
            raise UserError(f"{tip.reference} already has a case.")
        if tip.meeting_channel is not None:
            raise UserError(f"The meeting room for {tip.reference} already exists.")
        yes, _summary = _answers_summary(s, tip)
        members = _members_by_id(s)
        people = [handler] + [members[i] for i in yes if i in members and i != handler.id]
        ref, number = tip.reference, tip.number
        # The room is this tip's whichever run creates it: a re-run (a Slack takeover, a Matrix event
        # handled again after a crash) or a second press after a failure finds the room an earlier
        # one created instead of making another (``create_private_channel``'s ``key``).
        room_key = f"tip-meeting:{tip.number}:{tip.created_at.isoformat()}"
    if len(people) < 2:
        raise UserError(f"Nobody has said they have information on {ref} yet.")
    users = [u for u in (ctx.user_ref(m) for m in people) if u is not None]
    try:
        room = await ctx.platform.create_private_channel(f"tip-{ref.lower()}-meeting", users, key=room_key)
    except PlatformError as exc:
        log.warning("creating a meeting room failed: %s", safe_exception_summary(exc))
        raise UserError(
            "I could not create the meeting room (the chat platform did not respond). Nothing was lost; "
            "press the button again in a few minutes."
        ) from None
    settings = _settings(ctx)
    with ctx.once("tip.meeting") as once:
        s = once.begin()
        tip = _tip_or_error(s, ref)
        tip.meeting_channel = str(room)
        if tip.meeting_due is None:
            tip.meeting_due = ctx.now() + timedelta(days=settings.meeting_within_days)
            _plan_lead_agency_reminder(ctx, s, tip, 1)
        ctx.enqueue_channel(
            s,
            room,
            f"*Case meeting for tip {ref}.* Only the tip point person and the members who said they have "
            f"information are in this room. Please meet by {_day(ctx, tip.meeting_due)} to agree on a lead "
            f"agency; the point person records it with `/tip case {ref} <agency>`, which opens the case. "
            f"Refer to the subject by the reference {ref} where you can.",
            key=f"tip:{number}:meeting-intro",
            purpose="tips.meeting",
        )
        ctx.audit(s, "tip.meeting_proposed", target=ref, detail={"members": len(users)})
        once.answer = f"Private meeting room created for {ref} with {len(users)} members."
    ctx.kick_outbox()
    await ctx.answer(once)


async def open_case(ctx: Context, ref_text: str, target: str) -> None:
    """Record the lead agency: opens case C-n (or links the tip to an open case) with the handler
    and the members who have information as participants."""
    handler = _require_handler(ctx)
    target = target.strip()
    with ctx.once("tip.case") as once:
        s = once.begin()
        tip = _tip_or_error(s, ref_text)
        _ensure_open(tip)
        if tip.case_id is not None:
            existing = s.get(Case, tip.case_id)
            raise UserError(
                f"{tip.reference} is already linked to case {existing.reference if existing else '?'}."
            )
        case_number = parse_case_reference(target)
        created = False
        case: Case
        if case_number is not None:
            linked = case_by_number(s, case_number)
            if linked is None or linked.status != "open":
                raise UserError(f"There is no open case {case_reference(case_number)}.")
            case = linked
        else:
            agency = directory.agency_by_key(s, target) if target else None
            if agency is None:
                keys = ", ".join(a.key for a in directory.all_agencies(s))
                raise UserError(f"Name the lead agency by its key ({keys}) or an open case (C-3).")
            case = Case(
                number=next_reference(s, "case"),
                status="open",
                lead_agency_id=agency.id,
                opened_at=ctx.now(),
                opened_by_id=handler.id,
            )
            s.add(case)
            s.flush()
            created = True
        _acknowledge(ctx, s, tip, handler)
        tip.case_id = case.id
        tip.status = "case_opened"
        for dup in s.execute(
            select(Tip).where(Tip.duplicate_of_id == tip.id, Tip.case_id.is_(None))
        ).scalars():
            dup.case_id = case.id
        yes, _summary = _answers_summary(s, tip)
        before = set(case_member_ids(s, case.id))
        for member_id in [handler.id, *yes]:
            add_case_member(s, case.id, member_id)
        schedule.cancel(s, ref=tip.reference)
        lead = _agency_key(s, case.lead_agency_id)
        if created:
            ctx.audit(
                s,
                "case.opened",
                target=case.reference,
                detail={"tip": tip.reference, "lead_agency": lead.lower()},
            )
        ctx.audit(s, "tip.linked", target=tip.reference, detail={"case": case.reference})
        members = _members_by_id(s)
        for member_id in yes:
            if member_id in members and member_id not in before and member_id != handler.id:
                ctx.enqueue_dm(
                    s,
                    members[member_id],
                    f"Case {case.reference} (tip {tip.reference}) is open with lead agency {lead}; you are "
                    f"listed as participating. `/case show {case.reference}`",
                    key=f"case:{case.number}:member:{member_id}",
                    purpose="tips.case_opened",
                )
        cref, ref = case.reference, tip.reference
        verb = "opened" if created else "linked"
        once.answer = f"Case {cref} {verb} for {ref}; lead agency {lead}."
    ctx.kick_outbox()
    await ctx.answer(once)


async def close_tip(ctx: Context, ref_text: str, reason: str) -> None:
    handler = _require_handler(ctx)
    codes = {c.value for c in CLOSE_REASONS}
    reason = reason.strip().lower()
    if reason not in codes:
        raise UserError(f"Close with one of these reasons: {', '.join(c.value for c in CLOSE_REASONS)}.")
    with ctx.once("tip.close") as once:
        s = once.begin()
        tip = _tip_or_error(s, ref_text)
        if tip.status == "closed":
            raise UserError(f"{tip.reference} is already closed.")
        _acknowledge(ctx, s, tip, handler)
        tip.status = "closed"
        tip.closed_at = ctx.now()
        tip.close_reason = reason
        schedule.cancel(s, ref=tip.reference)
        ctx.audit(s, "tip.closed", target=tip.reference, detail={"reason": reason})
        ref = tip.reference
        once.answer = f"{ref} closed ({reason})."
    ctx.kick_outbox()
    await ctx.answer(once)


async def show_tip(ctx: Context, ref_text: str) -> None:
    _require_handler(ctx)
    with ctx.session() as s:
        tip = _tip_or_error(s, ref_text)
        body = tip_text(ctx, s, tip, heading=f"Tip {tip.reference}")
        ctx.audit(s, "tip.read", target=tip.reference)
        ref = tip.reference
    buttons = tuple(
        Button(b.action_id, b.label, b.value, ButtonStyle(b.style)) for b in _handler_buttons(ref)
    )
    assert ctx.user is not None
    # Tip contents always go to the DM, never an ephemeral in a channel someone may be screen-sharing.
    await ctx.platform.send_dm(ctx.user, Message(body, buttons if _open_status(tip.status) else ()))
    channel = getattr(ctx.event, "channel", None)
    if isinstance(channel, ChannelRef) and not channel.is_direct:
        await ctx.reply(f"I sent you {ref} in a direct message.")


def _open_status(status: str) -> bool:
    return status in OPEN_TIP_STATUSES


async def list_tips(ctx: Context) -> None:
    _require_handler(ctx)
    with ctx.session() as s:
        tips = list(
            s.execute(
                select(Tip).where(Tip.status.not_in(["closed", "duplicate"])).order_by(Tip.number)
            ).scalars()
        )
        closed = s.execute(
            select(func.count(Tip.id)).where(Tip.status.in_(["closed", "duplicate"]))
        ).scalar_one()
        lines = []
        for tip in tips[:50]:
            flags = [tip.status.replace("_", " "), tip.urgency]
            if tip.immediate_danger:
                flags.append("danger")
            if tip.acknowledged_at is None:
                flags.append("NOT acknowledged")
            if tip.case_id is not None:
                case = s.get(Case, tip.case_id)
                flags.append(f"case {case.reference if case else '?'}")
            lines.append(f"• {tip.reference} — {', '.join(flags)} — received {_local(ctx, tip.created_at)}")
        ctx.audit(s, "tip.listed", detail={"open": len(tips)})
    header = f"Open tips: {len(tips)} ({closed} closed or duplicate)."
    if len(tips) > 50:
        lines.append(f"… and {len(tips) - 50} more")
    await ctx.reply("\n".join([header, *lines]) + "\n`/tip show T-0001` shows one (in a DM).")


# -- scheduled jobs (write only: outbox rows and follow-up items) ----------------------------------


def ack_reminder_job(item: ScheduledItem, s: Session, ctx: Context) -> None:
    tip = s.get(Tip, int(item.payload.get("tip_id", 0)))
    if tip is None or tip.acknowledged_at is not None or not tip.is_open:
        return
    escalate = s.execute(
        select(ScheduledItem).where(
            ScheduledItem.key == f"tip:{tip.number}:escalate", ScheduledItem.status == "pending"
        )
    ).scalar_one_or_none()
    when = f" It goes to the backup point person at {_local(ctx, escalate.due_at)}." if escalate else ""
    person = _point_person(s)
    text = f"Reminder: tip {tip.reference} ({tip.urgency}) has not been acknowledged yet.{when}"
    recipients = [person] if person is not None else ctx.coordinators(s)
    for who in recipients:
        ctx.enqueue_dm(
            s,
            who,
            text,
            key=f"tip:{tip.number}:ack-reminder:{who.handle}",
            purpose="tips.ack_reminder",
            buttons=[OutgoingButton("tips.ack", "Acknowledge", tip.reference, "primary")],
        )
    ctx.audit(s, "tip.reminded", target=tip.reference, detail={"recipients": len(recipients)})


def escalate_job(item: ScheduledItem, s: Session, ctx: Context) -> None:
    """Not acknowledged in time: the backup point person gets the whole tip and may act on it."""
    tip = s.get(Tip, int(item.payload.get("tip_id", 0)))
    if tip is None or tip.acknowledged_at is not None or not tip.is_open:
        return
    tip.escalated_at = ctx.now()
    backup = _backup(s)
    minutes = int((ctx.now() - tip.created_at).total_seconds() // 60)
    to = "coordinators"
    if backup is not None and ctx.enqueue_dm(
        s,
        backup,
        tip_text(
            ctx, s, tip, heading=f"Escalated tip {tip.reference} (not acknowledged for {minutes} minutes)"
        ),
        key=f"tip:{tip.number}:escalated",
        purpose="tips.escalate",
        buttons=_handler_buttons(tip.reference),
    ):
        to = "backup"
    else:
        for who in ctx.coordinators(s):
            ctx.enqueue_dm(
                s,
                who,
                f"Tip {tip.reference} has not been acknowledged for {minutes} minutes and there is no backup "
                "point person to escalate it to. Please check with the point person.",
                key=f"tip:{tip.number}:escalated:{who.handle}",
                purpose="tips.escalate",
            )
    ctx.audit(s, "tip.escalated", target=tip.reference, detail={"to": to})


def lead_agency_reminder_job(item: ScheduledItem, s: Session, ctx: Context) -> None:
    tip = s.get(Tip, int(item.payload.get("tip_id", 0)))
    if tip is None or tip.case_id is not None or not tip.is_open:
        return
    handler = _handler_of(s, tip)
    count = int(item.payload.get("count", 1))
    due = f" (meeting due by {_day(ctx, tip.meeting_due)})" if tip.meeting_due else ""
    if handler is not None:
        ctx.enqueue_dm(
            s,
            handler,
            f"Reminder: members have information on tip {tip.reference}, but no lead agency is recorded "
            f"yet{due}. Record it with `/tip case {tip.reference} <agency>` once the meeting agreed one.",
            key=f"tip:{tip.number}:lead-reminder:{count}:sent",
            purpose="tips.lead_agency_reminder",
        )
    ctx.audit(s, "tip.lead_agency_reminded", target=tip.reference, detail={"count": count})
    _plan_lead_agency_reminder(ctx, s, tip, count + 1)


# -- home summary ----------------------------------------------------------------------------------


async def tips_summary(ctx: Context) -> str:
    member = ctx.member
    if member is None:
        return ""
    lines: list[str] = []
    with ctx.session() as s:
        handles_tips = member.has_role("point_person") or member.has_role("backup_point_person")
        if handles_tips:
            open_tips = list(s.execute(select(Tip).where(Tip.status.in_(list(OPEN_TIP_STATUSES)))).scalars())
            unacked = [t.reference for t in open_tips if t.acknowledged_at is None]
            waiting = [t.reference for t in open_tips if t.meeting_due is not None and t.case_id is None]
            if unacked:
                lines.append(f"Tips not acknowledged: {', '.join(unacked[:10])}")
            if waiting:
                lines.append(f"Tips awaiting a lead agency: {', '.join(waiting[:10])}")
        asked = s.execute(
            select(Tip.number)
            .join(TipDissemination, TipDissemination.tip_id == Tip.id)
            .where(
                TipDissemination.member_id == member.id,
                TipDissemination.response.is_(None),
                Tip.status.in_(list(OPEN_TIP_STATUSES)),
            )
        ).scalars()
        refs = [tip_reference(n) for n in asked]
        if refs:
            lines.append(f"Tips asking whether you have information: {', '.join(refs[:10])}")
    return ("*Tips*\n" + "\n".join(lines)) if lines else ""


# -- cases -----------------------------------------------------------------------------------------


async def case_command(event: CommandInvoked, ctx: Context) -> None:
    ctx.require(Permission.VIEW_CASES)
    words = event.args.split()
    verb = words[0].lower() if words else "list"
    if verb == "list" and len(words) <= 1:
        with ctx.session() as s:
            cases = list(s.execute(select(Case).where(Case.status == "open").order_by(Case.number)).scalars())
            lines = []
            for case in cases:
                tips = ", ".join(t.reference for t in tips_of_case(s, case.id)) or "no tips"
                count = len(case_member_ids(s, case.id))
                lines.append(
                    f"• {case.reference} — lead agency {_agency_key(s, case.lead_agency_id)} — tips {tips} — "
                    f"{count} member(s) — opened {_day(ctx, case.opened_at)}"
                )
            ctx.audit(s, "case.listed", detail={"open": len(cases)})
        await ctx.reply("\n".join([f"Open cases: {len(cases)}.", *lines]))
        return
    if verb == "show" and len(words) == 2:
        number = parse_case_reference(words[1])
        if number is None:
            raise UserError("Case references look like C-3.")
        with ctx.session() as s:
            found = case_by_number(s, number)
            if found is None:
                raise UserError(f"There is no case {case_reference(number)}.")
            case = found
            members = _members_by_id(s)
            agencies = {a.id: a for a in directory.all_agencies(s)}
            lead = agencies.get(case.lead_agency_id)
            people = [members[i] for i in case_member_ids(s, case.id) if i in members]
            tips = ", ".join(t.reference for t in tips_of_case(s, case.id)) or "none"
            ctx.audit(s, "case.viewed", target=case.reference)
            text = "\n".join(
                [
                    f"*Case {case.reference}* — {case.status}, opened {_day(ctx, case.opened_at)}",
                    f"Lead agency: {lead.name if lead else '?'} ({lead.key.upper() if lead else '?'})",
                    f"Linked tips: {tips}",
                    "Participating: "
                    + (", ".join(f"{m.display_name} ({m.agency.key.upper()})" for m in people) or "none"),
                ]
            )
        await ctx.reply(text)
        return
    raise UserError(f"Usage: {slash_usage(CASE_USAGE)}")


# -- registration ----------------------------------------------------------------------------------

_SUBCOMMANDS = ("ack", "dup", "disseminate", "case", "close", "show")
SUBCOMMAND_WORDS = (*_SUBCOMMANDS, "list", "help")
# Words people reach for that are no subcommand of /tip (a slip, not a tip, when used like one).
_NOT_SUBCOMMANDS = ("edit", "status", "cancel", "delete", "view", "undo", "update", "confirm", "discard")
DRAFT_MINUTES = 30  # an unconfirmed one-line tip is deleted after this
CONFIRM_ACTION = "tips.confirm"
DISCARD_ACTION = "tips.discard"
_NOTHING = "Nothing was stored or sent."
_HOW_TO_TIP = 'To send a tip, use /tip alone (a form) or write it as observed="...".'


def likely_subcommand(words: Sequence[str]) -> str | None:
    """The subcommand a mistyped first word probably meant, when the line is shaped like a
    command rather than a tip: nothing after it, a tip reference after it, or three words at most.

    Distance is optimal string alignment (a swap of two letters counts once: ``akc`` -> ``ack``),
    at most 2, or 1 for words of three letters or fewer (``saw`` is not ``show``). Longer lines
    starting with a near word are tips, and still wait for the writer's confirmation."""
    if not words:
        return None
    first = words[0].lower()
    shaped = len(words) == 1 or bool(_TIP_REF.fullmatch(words[1])) or len(words) <= 3
    if not shaped or len(first) > 14:
        return None
    distance, word = min((OSA.distance(first, w), w) for w in (*SUBCOMMAND_WORDS, *_NOT_SUBCOMMANDS))
    limit = 1 if len(first) <= 3 else 2
    if distance <= limit:
        return word
    if len(words) >= 2 and _TIP_REF.fullmatch(words[1]) and len(words) <= 4:
        return "?"  # "/tip acknowledge T-0001": a command, whichever
    return None


def _did_you_mean(word: str) -> str:
    if word == "?" or word in _NOT_SUBCOMMANDS:
        known = ", ".join(f"/tip {w}" for w in SUBCOMMAND_WORDS)
        return f"That is not a /tip command (there are: {known}). {_NOTHING} {_HOW_TO_TIP}"
    usage = {
        "ack": "/tip ack T-0001",
        "show": "/tip show T-0001",
        "dup": "/tip dup T-0003 T-0001",
        "disseminate": "/tip disseminate T-0001 [name,phone,...]",
        "case": "/tip case T-0001 <agency|C-n>",
        "close": f"/tip close T-0001 <{'|'.join(c.value for c in CLOSE_REASONS)}>",
        "list": "/tip list",
        "help": "/tip help",
    }[word]
    return f"Did you mean `{usage}`? {_NOTHING} {_HOW_TO_TIP}"


def _subcommand_arguments_ok(words: Sequence[str]) -> bool:
    verb, rest = words[0].lower(), list(words[1:])
    if verb in ("list", "help"):
        return not rest
    if not rest or not _TIP_REF.fullmatch(rest[0]):
        return False
    if verb in ("ack", "show"):
        return len(rest) == 1
    if verb in ("dup", "case", "close"):
        return len(rest) == 2
    return True  # disseminate T-0001 [fields]


async def _run_subcommand(words: Sequence[str], ctx: Context) -> None:
    if not _subcommand_arguments_ok(words):
        raise UserError(_did_you_mean(words[0].lower()))
    verb, rest = words[0].lower(), list(words[1:])
    if verb == "list":
        await list_tips(ctx)
    elif verb == "help":
        await ctx.reply(f"Usage: {slash_usage(USAGE)}")
    elif verb == "ack":
        await acknowledge_tip(ctx, rest[0])
    elif verb == "show":
        await show_tip(ctx, rest[0])
    elif verb == "dup":
        await mark_duplicate(ctx, rest[0], rest[1])
    elif verb == "disseminate":
        fields = [f.strip().lower() for part in rest[1:] for f in part.split(",") if f.strip()]
        await disseminate_tip(ctx, rest[0], fields)
    elif verb == "case":
        await open_case(ctx, rest[0], rest[1])
    elif verb == "close":
        await close_tip(ctx, rest[0], rest[1])


# -- one-line tips wait for their writer's confirmation ---------------------------------------------
async def draft_tip(ctx: Context, submitter: MemberView, values: Mapping[str, Any], *, warned: bool, hint: str | None) -> None:
    """Keep a one-line tip as an encrypted draft and show its writer what will be sent. Nothing
    reaches the point person until they press Send; the draft is deleted after DRAFT_MINUTES."""
    token = secrets.token_urlsafe(18)
    now = ctx.now()
    expires = now + timedelta(minutes=DRAFT_MINUTES)
    with ctx.once("tip.draft") as once:
        s = once.begin()
        purge_expired_drafts(s, now)
        draft = TipDraft(
            token=token,
            submitter_id=submitter.id,
            answers=json.dumps({k: v for k, v in values.items() if v not in (None, "")}, default=str),
            warned=warned,
            created_at=now,
            expires_at=expires,
        )
        s.add(draft)
        s.flush()
        schedule.schedule(
            s,
            key=f"tipdraft:{draft.id}:expire",
            kind="tips.draft_expire",
            ref=f"draft:{draft.id}",
            due_at=expires,
            payload={"draft_id": draft.id},
        )
        ctx.audit(s, "tip.drafted", target=f"draft:{draft.id}")
        once.data["token"] = token
    # The same draft when this delivery was handled before (its buttons carry the first run's token).
    token = str(once.data.get("token") or token)
    note = f"\n(If you meant `/tip {hint} ...`, press Discard: that is a command, not a tip.)" if hint else ""
    text = (
        "This is what will go privately to the task force's tip point person:\n"
        f"> {values['observed']}\n"
        f"Send it? Nothing is sent until you press Send; the draft is deleted in {DRAFT_MINUTES} minutes.{note}"
    )
    buttons = (
        Button(CONFIRM_ACTION, "Send to the point person", token, ButtonStyle.PRIMARY),
        Button(DISCARD_ACTION, "Discard", token, ButtonStyle.DANGER),
    )
    try:
        await ctx.reply(Message(text, buttons))
    except Exception as exc:
        # The platform is down: the draft reaches its writer through the outbox (encrypted, with
        # retries) instead of being lost; it still expires unsent if nobody presses Send.
        log.warning("tip draft not shown, queued instead: %s", safe_exception_summary(exc))
        with ctx.session() as s:
            ctx.enqueue_dm(
                s,
                submitter,
                text,
                key=f"tipdraft:{token[:12]}:show",
                purpose="tips.draft",
                buttons=[OutgoingButton(b.action_id, b.label, b.value, b.style.value) for b in buttons],
            )
        ctx.kick_outbox()


_DRAFT_GONE = (
    "That tip draft has expired or was already sent or discarded; nothing more was sent. "
    "Send the tip again if you still need to."
)


def _own_draft(ctx: Context, s: Session, token: str, submitter: MemberView) -> TipDraft:
    draft = draft_by_token(s, token)
    if draft is None or draft.expires_at <= ctx.now():
        if draft is not None:
            s.delete(draft)
        raise UserError(_DRAFT_GONE)
    if draft.submitter_id != submitter.id:
        raise UserError("That tip draft is not yours; nothing was sent.")
    return draft


async def decide_draft(ctx: Context, token: str, *, send: bool) -> None:
    submitter = _require_submitter(ctx)
    if not send:
        with ctx.once("tip.draft_discard") as once:
            s = once.begin()
            draft = _own_draft(ctx, s, token, submitter)
            _consume_draft(s, draft)
            ctx.audit(s, "tip.draft_discarded", target=f"draft:{draft.id}")
            once.answer = f"Discarded. {_NOTHING}"
        await ctx.answer(once)
        return
    submission = DELIVERY.get()
    if submission and _submitted(ctx, submission):
        # This press was handled before (a takeover): its tip is stored and the draft consumed;
        # ``submit_tip`` finds the tip by the delivery and answers as the first run did.
        await submit_tip(ctx, submitter, {}, already_warned=True)
        return
    with ctx.session() as s:
        draft = _own_draft(ctx, s, token, submitter)
        values = json.loads(draft.answers)
        warned = draft.warned
    # The draft is deleted in the transaction that stores the tip: a database failure in between
    # leaves both as they were, so the platform's redelivery of the press (or a second press) sends
    # the tip exactly once; after the tip is stored, any further press finds no draft.
    await submit_tip(ctx, submitter, values, already_warned=warned, draft_token=token)


def _consume_draft(s: Session, draft: TipDraft) -> None:
    s.delete(draft)
    schedule.cancel(s, ref=f"draft:{draft.id}", kinds=["tips.draft_expire"])


def draft_expire_job(item: ScheduledItem, s: Session, ctx: Context) -> None:
    purge_expired_drafts(s, ctx.now())


def _invalid_text(invalid: FormInvalid, limit: int) -> str:
    problems = "; ".join(invalid.errors.values())
    text = f"I could not take that tip: {problems}. Nothing was stored."
    if "observed" in invalid.errors and "too long" in invalid.errors["observed"]:
        text += (
            f" The limit is {limit:,} characters: please split it into several tips or send a summary "
            "(the point person can ask you for the rest)."
        )
    return text


def register(router: Router) -> None:
    router.settings("tips", TipSettings.from_mapping)

    @router.command(
        "tip",
        summary="send a tip privately to the tip point person",
        usage=USAGE,
        subcommands=(*_SUBCOMMANDS, "list", "help"),
    )
    async def tip_command(event: CommandInvoked, ctx: Context) -> None:
        args = event.args.strip()
        words = args.split()
        if words and words[0].lower() in SUBCOMMAND_WORDS:
            # A subcommand word first is always a command, never a tip ("/tip show X" is a slip).
            await _run_subcommand(words, ctx)
            return
        if not args:
            _require_submitter(ctx)
            await ctx.platform.open_form(
                event.user, build_tip_form(ctx, event.user), trigger=event.trigger, channel=event.channel
            )
            return
        # A tip typed inline: out of the channel first, whoever typed it.
        await _remove_command_from_channel(event, ctx)
        structured = bool(_INLINE_KEY.search(args))
        slip = None if structured else likely_subcommand(words)
        if slip is not None:
            with ctx.session() as s:
                ctx.audit(s, "tip.not_a_tip", detail={"words": len(words)})
            raise UserError(_did_you_mean(slip))
        submitter = _require_submitter(ctx)
        raw = inline_answers(args)
        warned = False
        if str(raw.get("danger", "")).strip().lower() in _YES:
            warned = await _tell(ctx, EMERGENCY_GUIDANCE)
        limit = _settings(ctx).max_observed_chars
        try:
            values = build_tip_form(ctx, event.user).validate(raw)
        except FormInvalid as invalid:
            raise UserError(_invalid_text(invalid, limit)) from None
        if structured:
            # key=value answers are the form in one line (Matrix's form path): sent at once.
            await submit_tip(ctx, submitter, values, already_warned=warned)
            return
        near = min(SUBCOMMAND_WORDS, key=lambda w: OSA.distance(words[0].lower(), w))
        hint = near if OSA.distance(words[0].lower(), near) <= 2 and len(words[0]) > 2 else None
        await draft_tip(ctx, submitter, values, warned=warned, hint=hint)

    @router.form("tips.new", build=build_tip_form)
    async def tip_form(event: FormSubmitted, ctx: Context) -> None:
        submitter = _require_submitter(ctx)
        await submit_tip(ctx, submitter, event.values)

    @router.form("tips.dup", build=build_dup_form)
    async def dup_form(event: FormSubmitted, ctx: Context) -> None:
        await mark_duplicate(ctx, event.context, str(event.values["of"]))

    @router.form("tips.disseminate", build=build_disseminate_form)
    async def disseminate_form(event: FormSubmitted, ctx: Context) -> None:
        await disseminate_tip(ctx, event.context, list(event.values.get("include") or []))

    @router.form("tips.case", build=build_case_form)
    async def case_form(event: FormSubmitted, ctx: Context) -> None:
        target = event.values.get("case") or event.values.get("agency") or ""
        await open_case(ctx, event.context, str(target))

    @router.form("tips.close", build=build_close_form)
    async def close_form(event: FormSubmitted, ctx: Context) -> None:
        await close_tip(ctx, event.context, str(event.values["reason"]))

    forms = {
        "tips.dup": build_dup_form,
        "tips.disseminate": build_disseminate_form,
        "tips.case": build_case_form,
        "tips.close": build_close_form,
    }

    @router.action(
        "tips.",
        ids=(
            "tips.ack",
            "tips.dup",
            "tips.disseminate",
            "tips.case",
            "tips.close",
            "tips.meeting",
            "tips.info.yes",
            "tips.info.no",
            CONFIRM_ACTION,
            DISCARD_ACTION,
        ),
    )
    async def tip_button(event: ButtonPressed, ctx: Context) -> None:
        ref = event.value
        if event.action_id == "tips.info.yes":
            await record_answer(ctx, ref, True)
        elif event.action_id == "tips.info.no":
            await record_answer(ctx, ref, False)
        elif event.action_id in (CONFIRM_ACTION, DISCARD_ACTION):
            await decide_draft(ctx, ref, send=event.action_id == CONFIRM_ACTION)
        elif event.action_id == "tips.ack":
            await acknowledge_tip(ctx, ref)
        elif event.action_id == "tips.meeting":
            await set_up_meeting(ctx, ref)
        elif event.action_id in forms:
            _require_handler(ctx)
            with ctx.session() as s:
                tip = _tip_or_error(s, ref)
                _ensure_open(tip)
                ref = tip.reference
            form = forms[event.action_id](ctx, event.user, ref)
            await ctx.platform.open_form(event.user, form, trigger=event.trigger, channel=event.channel)
        else:
            raise UserError("That button is no longer active.")

    router.job("tips.ack_reminder")(ack_reminder_job)
    router.job("tips.escalate")(escalate_job)
    router.job("tips.lead_agency_reminder")(lead_agency_reminder_job)
    router.job("tips.draft_expire")(draft_expire_job)
    router.summary(tips_summary)
    router.command(
        "case",
        summary="the task-force case log (open cases, lead agencies)",
        usage=CASE_USAGE,
        subcommands=("list", "show"),
    )(
        case_command
    )
