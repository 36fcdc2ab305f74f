"""The PII guard: private warnings, redaction and a check before posting, in group channels.

Why: community-based advocates "cannot share PII without a release from the victim", even under an
MOU or confidentiality agreement (ECM guide, "Information Sharing in Group Settings"); PII is a
victim's name, address, contact information and anything that would identify them in the
circumstances (ECM guide, "What is Personally Identifiable Information (PII)?").

Each group message (and each edit) is scanned by the redaction engine and handled by the channel's
policy (``channels.pii_policy``; channels outside the directory use ``[pii_guard] default_policy``):

* ``off`` — nothing;
* ``warn`` — a private warning to the poster with the labels found and the redacted text, and
  buttons "Repost redacted", "Keep (give reason)", "Delete";
* ``redact`` — the original is removed and a redacted copy reposted, attributed to the poster; where
  the platform does not let the bot remove it, the poster is warned, the coordinator alerted (channel
  and labels, never text) and, if nobody acts, a possible breach is reported;
* ``meeting`` — the warning plus the channel's information-sharing agreement as a reminder;
* ``block`` — Matrix: the pre-store gate (``bot/matrix/gate.py``) refuses the message before the
  homeserver stores it and DMs the poster the redacted text with "Post redacted" (and, where the gate
  allows it, "Post as is (give reason)"); whatever still reaches the room (encrypted rooms, the gate
  down and failing open) gets the ``redact`` treatment here.

Direct messages with the bot are never scanned as group messages. The text a button acts on is kept
in an encrypted, short-lived ``pii_pending`` row; the button carries only the row's random token.
Audit rows and metrics hold label counts and references, never text.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import metrics
from bot.config import DISCIPLINES, PII_POLICIES
from bot.context import Context, Services
from bot.errors import UserError, safe_exception_summary
from bot.events import ButtonPressed, CommandInvoked, FormSubmitted, MessageEdited, MessagePosted
from bot.forms import Choice, FieldKind, Form, FormField
from bot.platform import (
    DELIVERY,
    Button,
    ButtonStyle,
    Capability,
    ChannelRef,
    Message,
    MessageRef,
    PlatformError,
    UserRef,
)
from bot.router import Router
from handlers.access import Permission
from storage import directory, outbox, schedule
from storage import pii_guard as store
from storage.directory import MemberView
from storage.models import OutboxMessage, ScheduledItem
from storage.outbox import OutgoingButton, enqueue

log = logging.getLogger(__name__)

SECTION = "pii_guard"
# Policies under which the bot removes a message it sees with PII (``block`` refuses it before it is
# stored where it can; what gets past the gate is treated like ``redact``).
REMOVING_POLICIES = ("redact", "block")
# How long a queued repost waits for the removal it depends on; only reached when the bot dies
# between the removal and lifting the hold (then the repost and a notice go out this much later).
REPOST_HOLD = timedelta(minutes=2)
REDACT_REASON = "PII removed by needtoknow"  # may be shown publicly (Matrix): never PII

KEEP_REASONS = (
    Choice("not_pii", "Not PII"),
    Choice("release_on_file", "Release on file"),
    Choice("public_information", "Public information"),
    Choice("other", "Other"),
)

# How a label reads in a warning: "a name", "2 phone numbers".
_LABEL_WORDS: dict[str, tuple[str, str]] = {
    "PERSON": ("a name", "names"),
    "ADDRESS": ("an address", "addresses"),
    "PHONE": ("a phone number", "phone numbers"),
    "EMAIL": ("an email address", "email addresses"),
    "SSN": ("a social security number", "social security numbers"),
    "DOB": ("a date of birth", "dates of birth"),
    "AGE": ("an age", "ages"),
    "CREDIT_CARD": ("a card number", "card numbers"),
    "IBAN": ("a bank account number", "bank account numbers"),
    "IP_ADDRESS": ("an IP address", "IP addresses"),
    "DRIVER_LICENSE": ("a driver's licence number", "driver's licence numbers"),
    "LICENSE_PLATE": ("a licence plate", "licence plates"),
    "HANDLE": ("a social-media handle", "social-media handles"),
    "A_NUMBER": ("an A-number", "A-numbers"),
    "PASSPORT": ("a passport number", "passport numbers"),
    "MEDICAL_RECORD": ("a medical record number", "medical record numbers"),
    "COORDINATES": ("a location pin", "location pins"),
}

GENERIC_AGREEMENT = (
    "Speak about cases in general terms or by reference, without PII, unless every agency present is "
    "covered by a release (ECM guide, 'Information Sharing in Group Settings')."
)


# -- settings -------------------------------------------------------------------------------------
GENERIC_REMINDER = "Group channels are not the place for PII: share it only with who needs it, as your role allows."
#: Default reminder per discipline (ECM confidentiality guide: "Confidentiality and privilege by discipline").
#: Overridable per task force in ``[pii_guard.discipline_reminders]``.
DISCIPLINE_REMINDERS: dict[str, str] = {
    "community_advocate": (
        "Community advocates cannot share PII without a signed release, and group channels are not the place "
        "for it."
    ),
    "systems_advocate": (
        "What you share here may have to be disclosed to the defence; keep survivors' details to the case file "
        "and the people who need them."
    ),
    "law_enforcement": (
        "What is posted here can become discoverable; keep victims' and witnesses' details in the case file, "
        "not in group channels."
    ),
    "prosecutor": (
        "What is posted here can become discoverable; keep victims' and witnesses' details in the case file, "
        "not in group channels."
    ),
    "healthcare": (
        "Patient information is protected health information: share it only as HIPAA and the patient's "
        "authorisation allow, never in a group channel."
    ),
    "civil_attorney": (
        "Sharing client details with the group can waive privilege; keep them out of group channels."
    ),
    "coordinator": "Group channels are not the place for PII: share it only with the members who need it.",
}


@dataclass(frozen=True)
class PiiGuardSettings:
    """``[pii_guard]``.

    ``breach_after_minutes``: how long PII may stand in a ``redact`` channel, where the bot could not
    remove it, before the coordinator gets a possible-breach report (ECM guide, "Breaches of
    Confidentiality": the protocol names who is told and what is recorded). ``pending_ttl_minutes``
    must exceed it: the pending row is what tells the check the poster has not acted yet.
    """

    default_policy: str = "warn"
    pending_ttl_minutes: int = 60
    breach_after_minutes: int = 15
    preview_chars: int = 1500
    weekly_digest: bool = False
    client_ref_pattern: str = ""
    discipline_reminders: Mapping[str, str] = field(default_factory=lambda: dict(DISCIPLINE_REMINDERS))

    def reminder_for(self, discipline: str | None) -> str:
        """The sentence a warning adds for the poster's discipline (ECM guide: each discipline's duties
        differ, so a prosecutor is not told what binds a community advocate)."""
        return self.discipline_reminders.get(discipline or "", GENERIC_REMINDER)

    @classmethod
    def from_mapping(cls, table: dict[str, Any]) -> PiiGuardSettings:
        known = {f.name for f in fields(cls)}
        for key in table:
            if key not in known:
                raise ValueError(f"pii_guard.{key}: unknown key (known: {', '.join(sorted(known))})")
        values: dict[str, Any] = {}
        for key, raw in table.items():
            if key == "default_policy":
                if not isinstance(raw, str) or raw.lower() not in PII_POLICIES:
                    raise ValueError(f"pii_guard.default_policy: must be one of {', '.join(PII_POLICIES)}")
                if raw.lower() == "block":
                    # The gate sees every room on the homeserver, members' private conversations
                    # included: blocking is chosen room by room, never by default.
                    raise ValueError(
                        "pii_guard.default_policy: 'block' is set per channel ([[channels]] pii_policy), "
                        "never as the default"
                    )
                values[key] = raw.lower()
            elif key in ("pending_ttl_minutes", "breach_after_minutes", "preview_chars"):
                if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
                    raise ValueError(f"pii_guard.{key}: must be a positive whole number")
                values[key] = raw
            elif key == "weekly_digest":
                if not isinstance(raw, bool):
                    raise ValueError("pii_guard.weekly_digest: must be true or false")
                values[key] = raw
            elif key == "discipline_reminders":
                if not isinstance(raw, dict) or not all(
                    isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in raw.items()
                ):
                    raise ValueError("pii_guard.discipline_reminders: a table of discipline = \"text\"")
                unknown = sorted(set(raw) - set(DISCIPLINES))
                if unknown:
                    raise ValueError(
                        f"pii_guard.discipline_reminders: unknown discipline {unknown[0]} "
                        f"(known: {', '.join(DISCIPLINES)})"
                    )
                values[key] = {**DISCIPLINE_REMINDERS, **{k: v.strip() for k, v in raw.items()}}
            elif key == "client_ref_pattern":
                if not isinstance(raw, str):
                    raise ValueError("pii_guard.client_ref_pattern: must be a string (a regular expression)")
                try:
                    re.compile(raw)
                except re.error:
                    raise ValueError("pii_guard.client_ref_pattern: not a valid regular expression") from None
                values[key] = raw
        settings = cls(**values)
        if settings.pending_ttl_minutes <= settings.breach_after_minutes:
            raise ValueError("pii_guard.pending_ttl_minutes: must be longer than breach_after_minutes")
        if settings.preview_chars < 100:
            raise ValueError("pii_guard.preview_chars: must be at least 100")
        return settings


# -- releases ------------------------------------------------------------------------------------
def client_references_needing_release(
    ctx: Context, s: Session, client_refs: Sequence[str], member_agencies: Sequence[str]
) -> list[str]:
    """Which of ``client_refs`` (matched by ``client_ref_pattern``) are mentioned in a channel whose
    member agencies are not all covered by an active release of information for that client.

    ECM guide, "Information Sharing in Group Settings": a community advocate "cannot share PII without
    a release from the victim", even under an MOU, and "all parties may not be listed on a release".
    A reference with no active release at all is reported too: even confirming that a person is a
    client needs one.
    """
    from handlers.releases import agencies_covered_for_client

    needing: list[str] = []
    for ref in client_refs:
        covered = agencies_covered_for_client(ctx, s, ref)
        if not covered or any(agency not in covered for agency in member_agencies):
            needing.append(ref)
    return needing


# -- wording --------------------------------------------------------------------------------------
def describe_labels(counts: dict[str, int]) -> str:
    """``{"PERSON": 1, "PHONE": 2}`` -> ``"a name and 2 phone numbers"``."""
    parts = []
    for label, n in sorted(counts.items()):
        one, many = _LABEL_WORDS.get(label, (f"a {label.lower().replace('_', ' ')}", label.lower()))
        parts.append(one if n == 1 else f"{n} {many}")
    if len(parts) <= 1:
        return "".join(parts) or "nothing"
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def preview_of(text: str, limit: int) -> str:
    """The redacted text for a warning, truncated (and saying so) when huge."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…\n(preview truncated: showing {limit:,} of {len(text):,} characters)"


def _poster_name(ctx: Context) -> str:
    return ctx.member.display_name if ctx.member is not None else "Someone outside the directory"


# -- policy ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChannelPolicy:
    policy: str
    label: str  # "#core-team" (or the platform id for channels outside the directory)
    agreement: str | None


def channel_policy(ctx: Context, s: Session, channel: ChannelRef) -> ChannelPolicy:
    view = directory.channel_by_identity(s, channel.platform, channel.id)
    if view is None:
        settings: PiiGuardSettings = ctx.settings(SECTION)
        return ChannelPolicy(settings.default_policy, f"{channel.platform}:{channel.id}"[:100], None)
    return ChannelPolicy(view.pii_policy, f"#{view.name}", view.agreement)


def _target(label: str) -> str:
    return f"channel:{label.lstrip('#')}"[:100]


def _message_key(ref: MessageRef) -> str:
    return f"{ref.channel.id}/{ref.id}"[:255]


#: What became of a removal: done; refused for good (no power, not found); or failed for a reason
#: that may pass (5xx, timeout, rate limit, a homeserver restart), to be retried durably.
REMOVED, REFUSED, LATER = "removed", "refused", "later"


async def _removal(ctx: Context, refs: Sequence[MessageRef]) -> str:
    """Remove messages: ``REMOVED``, ``REFUSED`` when the platform does not allow it, ``LATER`` when
    it failed for a reason that may pass (every ref is still tried)."""
    if not refs:
        return REFUSED
    outcome = REMOVED
    for ref in refs:
        try:
            if not await ctx.platform.redact(ref, REDACT_REASON):
                return REFUSED
        except PlatformError as exc:
            if not exc.transient:
                return REFUSED
            outcome = LATER
    return outcome


async def _remove(ctx: Context, refs: Sequence[MessageRef]) -> bool:
    """Remove messages; False when the platform does not allow it or is unreachable."""
    return await _removal(ctx, refs) == REMOVED


def removal_key(repost_key: str) -> str:
    """The outbox key of the durable retry of a removal that failed for a reason that may pass."""
    return f"pii:remove:{repost_key.removeprefix('pii:repost:')}"[:200]


def _queue_removal(
    ctx: Context,
    s: Session,
    event: MessagePosted | MessageEdited,
    pol: ChannelPolicy,
    refs: Sequence[MessageRef],
    *,
    key: str,
    notice_key: str,
    detail: dict[str, Any],
) -> None:
    """A removal that failed for a reason that may pass goes to the outbox (``recipient_kind``
    "removal"): retried with back-off for ``[scheduler] outbox_retry_hours`` like any delivery. The
    repost and the notice stay held until it succeeds (``App`` releases them then, and writes the
    ``pii.redacted`` audit row a removal done at once gets: the same actor, target and ``detail``);
    if it is given up on, they are withdrawn and the poster and the coordinators are told."""
    horizon = timedelta(hours=ctx.config.outbox_retry_hours)
    audit = {"actor": ctx.actor, "target": _target(pol.label), "detail": detail}
    outbox.enqueue(
        s,
        key=removal_key(key),
        purpose="pii.remove",
        recipient_kind="removal",
        recipient=event.channel.address,
        body=json.dumps(
            {"ids": [r.id for r in refs], "then": [key, notice_key], "where": pol.label, "audit": audit}
        ),
        now=ctx.now(),
        tell_on_failure=str(event.user) if event.user is not None else None,
    )
    # Held until the removal is done; a day past the removal's horizon at most (it is withdrawn
    # when the removal is given up on, so this bound is never what releases it).
    outbox.hold(s, [key, notice_key], until=ctx.now() + horizon + timedelta(days=1))


# -- registration ---------------------------------------------------------------------------------
def register(router: Router) -> None:
    router.settings(SECTION, PiiGuardSettings.from_mapping)

    @router.on_message
    async def scan_message(event: MessagePosted | MessageEdited, ctx: Context) -> None:
        if event.channel.is_direct:
            return  # a DM with the bot is never a group message
        if isinstance(event, MessagePosted) and event.part != "message":
            await guard_channel_detail(event, ctx)
            return
        await guard_message(event, ctx)

    @router.command(
        "preview", summary="check a message for PII before posting it", usage="preview <text>", scans=preview_scans
    )
    async def preview(event: CommandInvoked, ctx: Context) -> None:
        await preview_message(event, ctx)

    @router.command(
        "pii", summary="PII guard report (coordinators, admins)", usage="pii report [weeks]", subcommands=("report",)
    )
    async def pii(event: CommandInvoked, ctx: Context) -> None:
        words = event.args.split()
        if not words or words[0].lower() != "report":
            raise UserError("Usage: /pii report [weeks]")
        _require_reviewer(ctx)
        weeks = 4
        if len(words) > 1:
            if not words[1].isdigit() or not 1 <= int(words[1]) <= 52:
                raise UserError("Usage: /pii report [weeks] — weeks is a number from 1 to 52.")
            weeks = int(words[1])
        with ctx.session() as s:
            text = weekly_report(s, ctx.now(), weeks)
            ctx.audit(s, "pii.report_viewed", target="pii:report", detail={"weeks": weeks})
        await ctx.reply(text)

    @router.action("pii.", ids=("pii.post", "pii.post_as_is", "pii.repost", "pii.keep", "pii.delete"))
    async def on_button(event: ButtonPressed, ctx: Context) -> None:
        await handle_button(event, ctx)

    @router.form("pii.keep", build=_keep_form)
    async def on_keep(event: FormSubmitted, ctx: Context) -> None:
        await keep_message(event, ctx)

    @router.form("pii.post_reason", build=_post_reason_form)
    async def on_post_reason(event: FormSubmitted, ctx: Context) -> None:
        await post_as_is_with_reason(event, ctx)

    @router.job("pii.breach_check")
    def breach_check(item: ScheduledItem, s: Session, ctx: Context) -> None:
        report_possible_breach(item, s, ctx)

    @router.job("pii.purge")
    def purge(item: ScheduledItem, s: Session, ctx: Context) -> None:
        store.purge_expired(s, ctx.now())

    @router.job("pii.weekly_digest")
    def digest(item: ScheduledItem, s: Session, ctx: Context) -> None:
        send_weekly_digest(item, s, ctx)

    @router.summary
    async def open_items(ctx: Context) -> str:
        if ctx.user is None:
            return ""
        with ctx.session() as s:
            rows = store.pending_of_poster(s, str(ctx.user), ctx.now())
            where = sorted({r.channel_label for r in rows})
        if not rows:
            return ""
        return (
            f"PII guard: {len(rows)} of your messages ({', '.join(where)}) await your decision "
            "(repost redacted, keep with a reason, or delete) — see my warning."
        )


def _require_reviewer(ctx: Context) -> MemberView:
    """Coordinators (by discipline) and admins read the PII report (policy table)."""
    return ctx.require(Permission.REVIEW_PII_REPORTS)


# -- scanning -------------------------------------------------------------------------------------
async def guard_channel_detail(event: MessagePosted, ctx: Context) -> None:
    """A channel's topic or name a member set (``event.part``), which everyone in it sees: the same
    guard as a message. ``warn`` (and ``meeting``): the member who set it is warned. ``redact`` /
    ``block``: the bot clears it (removing the event that set it: the topic or name is then empty)
    and tells them; a removal that fails for a reason that passes is retried durably (the outbox);
    where the bot may not clear it, the member is warned and the coordinators alerted. Nothing is
    reposted (a topic is not a message), and no buttons are offered."""
    settings: PiiGuardSettings = ctx.settings(SECTION)
    with ctx.session() as s:
        pol = channel_policy(ctx, s, event.channel)
    if pol.policy == "off":
        return
    result = await ctx.redact_text(event.text or "")
    counts: dict[str, int] = result.label_counts()
    if not counts:
        return
    what = f"the {event.part} of {pol.label}"
    masked = preview_of(result.text, settings.preview_chars)
    detail: dict[str, Any] = {"labels": counts, "policy": pol.policy, "part": event.part}
    lead = (f"The {event.part} you set for {pol.label} looks like it contains {describe_labels(counts)}. "
            + settings.reminder_for(ctx.member.discipline if ctx.member is not None else None))
    if pol.policy not in REMOVING_POLICIES:
        with ctx.once("pii.warn") as once:
            s = once.begin()
            store.count_findings(s, pol.label, store.iso_week(ctx.now()), counts)
            ctx.audit(s, "pii.warned", target=_target(pol.label), detail=detail)
        await ctx.reply(f"{lead}\nPlease change it. Masked:\n{masked}")
        return
    removal = await _removal(ctx, [event.message])
    with ctx.once("pii.detail") as once:
        s = once.begin()
        store.count_findings(s, pol.label, store.iso_week(ctx.now()), counts)
        if removal == REMOVED:
            ctx.audit(s, "pii.redacted", target=_target(pol.label), detail=detail)
        elif removal == LATER:
            key = f"pii:repost:{_message_key(event.message)}:{event.part}"
            _queue_removal(
                ctx, s, event, pol, [event.message], key=key, notice_key=f"{key}:notice", detail=detail
            )
            ctx.audit(s, "pii.removal_pending", target=_target(pol.label), detail=detail)
        else:
            ctx.audit(s, "pii.warned", target=_target(pol.label), detail={**detail, "removed": False})
            who = ctx.member.display_name if ctx.member else "someone outside the directory"
            for person in ctx.coordinators(s):
                ctx.enqueue_dm(
                    s,
                    person,
                    f"PII alert: {what}, set by {who}, looks like it contains {describe_labels(counts)} and "
                    "I may not clear it here. Please have it changed. (The text is not repeated here.)",
                    key=f"pii:detail:{_message_key(event.message)}:{person.handle}"[:200],
                    purpose="pii.alert",
                )
    if removal == REMOVED:
        await ctx.reply(f"I cleared {what}: it looked like it contained {describe_labels(counts)}. "
                        f"Please set it again without them. Masked:\n{masked}")
    elif removal == LATER:
        ctx.kick_outbox()
        await ctx.reply(f"{lead}\nThis channel removes PII; the platform did not answer when I tried to clear "
                        f"it, and I keep trying. Please change it yourself if you can. Masked:\n{masked}")
    else:
        ctx.kick_outbox()
        await ctx.reply(f"{lead}\nThis channel removes PII, but I may not change its {event.part}: please change "
                        f"it now. The coordinator has been told (channel and kinds of PII only). Masked:\n{masked}")


async def guard_message(event: MessagePosted | MessageEdited, ctx: Context) -> None:
    settings: PiiGuardSettings = ctx.settings(SECTION)
    with ctx.session() as s:
        pol = channel_policy(ctx, s, event.channel)
    resolved = 0
    if isinstance(event, MessageEdited):
        # Once per delivery: a re-run of this edit must not resolve the warning its first run made.
        with ctx.once("pii.resolve") as seen:
            s = seen.begin()
            seen.data["resolved"] = _resolve_message(s, _message_key(event.message))
        resolved = int(seen.data.get("resolved") or 0)
    if pol.policy == "off":
        return
    result = _take_prescan(ctx, event)
    if result is None:
        result = await ctx.redact_text(event.text or "")
    else:
        metrics.record_scan(result.label_counts())  # counts per label only, never text
    counts: dict[str, int] = result.label_counts()
    release_refs = await _release_check(ctx, event, settings)
    if not counts:
        if resolved:
            await ctx.reply(f"Thanks — your edited message in {pol.label} no longer shows PII.")
        if release_refs:
            await ctx.reply(_release_note(release_refs))
        return

    refs = [event.message]
    edit = event.edit if isinstance(event, MessageEdited) else None
    if edit is not None:
        refs.append(edit)  # Matrix: the m.replace event holds the new text too
    now = ctx.now()
    detail: dict[str, Any] = {
        "labels": counts,
        "policy": pol.policy,
        "edit": isinstance(event, MessageEdited),
    }
    if pol.policy in REMOVING_POLICIES and await _redact_and_repost(
        ctx, event, pol, counts, result.text, refs, detail, settings
    ):
        return

    removable = pol.policy not in REMOVING_POLICIES
    # Once per delivery: a re-run (takeover, crash) stores no second warning, coordinator alert or
    # breach check, and warns with the first run's buttons.
    with ctx.once("pii.warn") as once:
        s = once.begin()
        store.count_findings(s, pol.label, store.iso_week(now), counts)
        row = store.add_pending(
            s,
            kind="warning",
            policy=pol.policy,
            poster=str(event.user),
            poster_handle=ctx.member.handle if ctx.member else None,
            channel=event.channel.local_address,  # with its thread: a repost goes back into it
            channel_label=pol.label,
            message_key=_message_key(event.message),
            message_id=event.message.id,
            edit_id=edit.id if edit else None,
            text=event.text,
            redacted=result.text,
            labels=counts,
            removable=removable,
            created_at=now,
            expires_at=now + timedelta(minutes=settings.pending_ttl_minutes),
        )
        ref = f"PII-{row.id}"
        detail["ref"] = ref
        ctx.audit(s, "pii.warned", target=_target(pol.label), detail=detail)
        schedule.schedule(s, key=f"pii:purge:{row.id}", kind="pii.purge", ref=ref, due_at=row.expires_at)
        if pol.policy in REMOVING_POLICIES:
            _alert_coordinators(ctx, s, row, ref)
            schedule.schedule(
                s,
                key=f"pii:breach:{row.id}",
                kind="pii.breach_check",
                ref=ref,
                due_at=now + timedelta(minutes=settings.breach_after_minutes),
                payload={"pending": row.id},
            )
        _plan_digest(ctx, s, settings)
        once.data["token"] = row.token
    token = str(once.data.get("token") or "")
    if pol.policy in REMOVING_POLICIES:
        ctx.kick_outbox()
    await ctx.reply(
        _warning(
            pol,
            counts,
            result.text,
            token,
            settings,
            release_refs,
            removable,
            ctx.member.discipline if ctx.member is not None else None,
            what=_what(event.channel),
        )
    )


def _what(channel: ChannelRef) -> str:
    """How a warning names the message: a thread reply is not findable by scrolling the channel."""
    return "reply in a thread" if channel.thread else "message"


def _warning(
    pol: ChannelPolicy,
    counts: dict[str, int],
    redacted: str,
    token: str,
    settings: PiiGuardSettings,
    release_refs: Sequence[str],
    removable: bool,
    discipline: str | None = None,
    *,
    what: str = "message",
) -> Message:
    lines = [
        f"Your {what} in {pol.label} looks like it contains {describe_labels(counts)}. "
        + settings.reminder_for(discipline),
        "",
        "Redacted version:",
        preview_of(redacted, settings.preview_chars),
    ]
    if pol.policy in REMOVING_POLICIES:
        lines += [
            "",
            "This channel removes PII, but I cannot remove your message here. Please repost the redacted "
            f"version or delete it. The coordinator has been told (channel and kinds of PII only); if it is "
            f"still up after {settings.breach_after_minutes} minutes it is reported as a possible breach.",
        ]
    if pol.policy == "meeting":
        lines += ["", f"Reminder of this channel's agreement: {pol.agreement or GENERIC_AGREEMENT}"]
    if release_refs:
        lines += ["", _release_note(release_refs)]
    buttons = [Button("pii.repost", "Repost redacted", token, ButtonStyle.PRIMARY)]
    if removable:
        buttons.append(Button("pii.keep", "Keep (give reason)", token))
    buttons.append(Button("pii.delete", "Delete", token, ButtonStyle.DANGER))
    return Message("\n".join(lines), tuple(buttons))


def _enqueue_repost(
    ctx: Context, s: Session, channel: ChannelRef, name: str, redacted: str, *, key: str, poster: UserRef | None
) -> None:
    ctx.enqueue_channel(
        s,
        channel,
        f"{name} wrote (PII removed by needtoknow): {redacted}",
        key=key[:200],
        purpose="pii.repost",
        tell_on_failure=poster,
    )


async def _redact_and_repost(
    ctx: Context,
    event: MessagePosted | MessageEdited,
    pol: ChannelPolicy,
    counts: dict[str, int],
    redacted: str,
    refs: list[MessageRef],
    detail: dict[str, Any],
    settings: PiiGuardSettings,
) -> bool:
    """Remove the original and repost it masked; False when the platform would not remove it.

    Crash-safe in every step: the repost and a fallback notice to the poster are queued (held)
    *before* the removal, because after it an adapter that replays the event sees only the removed
    message and could not redo them. If the bot dies after the removal, both go out when the hold
    lapses; otherwise the hold is lifted for the repost, withdrawn for the notice, and the poster is
    told the outcome of the repost once it is known (never "reposted" when it was not)."""
    now = ctx.now()
    key, notice_key = _repost_keys(event, now)
    if key in ctx.services.removed_first:
        # Removed on arrival (``remove_first``): the repost and the notice are queued and held.
        ctx.services.removed_first.discard(key)
    else:
        with ctx.session() as s:
            _queue_held(ctx, s, event, pol, counts, redacted, key=key, notice_key=notice_key)
        removal = await _removal(ctx, refs)
        if removal == LATER:
            # The platform did not answer (5xx, timeout, rate limit, restarting): the removal is
            # retried durably and the poster is told it is coming (never "removed" before it is).
            with ctx.once("pii.removal_pending") as once:
                s = once.begin()
                _queue_removal(ctx, s, event, pol, refs, key=key, notice_key=notice_key, detail=detail)
                store.count_findings(s, pol.label, store.iso_week(now), counts)
                ctx.audit(s, "pii.removal_pending", target=_target(pol.label), detail=detail)
                _plan_digest(ctx, s, settings)
            ctx.kick_outbox()
            await ctx.reply(
                f"Your {_what(event.channel)} in {pol.label} looks like it contains {describe_labels(counts)}. "
                "This channel removes PII, but the platform did not answer when I tried to remove it; I keep "
                f"trying. Once it is gone, a copy with those parts masked is reposted {_where(event.channel)}. "
                "If you can, delete it yourself now.\n"
                f"{preview_of(redacted, settings.preview_chars)}"
            )
            return True
        if removal != REMOVED:
            with ctx.session() as s:
                outbox.withdraw(s, [key, notice_key])
            return False
    with ctx.once("pii.redacted") as once:
        s = once.begin()
        store.count_findings(s, pol.label, store.iso_week(now), counts)
        ctx.audit(s, "pii.redacted", target=_target(pol.label), detail=detail)
        outbox.release_held(s, [key], now=ctx.now())
        _plan_digest(ctx, s, settings)
    outcome = await ctx.deliver_now(key)
    note = (
        f"I removed your {_what(event.channel)} in {pol.label}: it looked like it contained "
        f"{describe_labels(counts)}. {_repost_words(outcome, _where(event.channel))}\n"
        f"{preview_of(redacted, settings.preview_chars)}"
    )
    if note_is_the_notice(ctx.platform):
        # The note is a DM here (Matrix: no ephemeral messages), so it *is* the held notice: the row
        # gets the outcome's text and goes out now, in one statement, and is delivered on its own in
        # the background (where a first DM's room is opened). One row, one key — one transaction id —
        # so a kill at any point sends the poster one notice: the fallback text if it came before
        # this statement, this one after (docs/architecture.md, Matrix delivery guarantees).
        with ctx.session() as s:
            rewritten = outbox.rewrite_held(s, notice_key, body=note, now=ctx.now())
        if rewritten:  # (after the commit: the delivery must find the row due)
            ctx.kick_outbox([notice_key])
        # Not rewritten: the notice is out (or going out) already — its hold lapsed before this
        # event's turn (a long catch-up), or an earlier run of this event sent it.
        return True
    with ctx.session() as s:
        notice = s.execute(
            select(OutboxMessage.status, OutboxMessage.attempts).where(OutboxMessage.idempotency_key == notice_key)
        ).one_or_none()
    if notice is None or notice.status != "pending" or notice.attempts:
        # The queued notice is out (or going out) already: its hold lapsed before this event's turn
        # came (a long catch-up). The poster is told once, by that notice.
        return True
    try:
        # Best effort: the message is gone and the repost is out or queued; handling the event again
        # because this note could not be delivered would find the message already deleted. (A crash
        # between this note and withdrawing the held notice below sends both: at-least-once where
        # the note is ephemeral, Slack; docs/architecture.md.)
        await ctx.reply(note, best_effort=True)
    except PlatformError as exc:
        log.warning("pii guard: could not tell the poster about a redaction: %s (%s)", exc, safe_exception_summary(exc))
        with ctx.session() as s:
            outbox.release_held(s, [notice_key], now=ctx.now())  # the queued notice goes instead
        ctx.kick_outbox([notice_key])  # on its own: not behind a delivery pass in progress
        return True
    with ctx.session() as s:
        outbox.withdraw(s, [notice_key])
    return True


def note_is_the_notice(platform: Any) -> bool:
    """Whether the poster's note after a removal is a DM — the platform has no ephemeral messages
    (Matrix) — and so is sent as the held notice row itself rather than as a reply next to it."""
    return Capability.EPHEMERAL not in platform.capabilities


def release_after_removal(services: Services, message: MessageRef) -> list[str]:
    """An adapter met, again, a message the bot itself removed (a replay after a crash: the platform
    now serves it redacted, so its handling finds no text and cannot redo the repost and notice).
    The removal is certain, so the repost and the poster's notice held for it (``_queue_held``)
    go out now instead of when their hold lapses (``REPOST_HOLD``). ``message`` is the removed
    event: a message, or an edit (whose rows carry its original's key and the edit's id).

    Only held, never-tried rows are touched. The notice only where it is the poster's one note
    (``note_is_the_notice``): elsewhere a note may have gone out next to it before the crash.
    Returns the keys released (delivered in the background by the caller)."""
    room, which = message.channel.id, message.id
    plain = list(_held_keys(message, ""))
    purposes = ["pii.repost"] + (["pii.removed_notice"] if note_is_the_notice(services.platform) else [])

    def escaped(text: str) -> str:
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

    with services.db.session() as s:
        keys = list(
            s.execute(
                select(OutboxMessage.idempotency_key).where(
                    OutboxMessage.status == "pending",
                    OutboxMessage.attempts == 0,
                    OutboxMessage.purpose.in_(purposes),
                    OutboxMessage.idempotency_key.in_(plain)
                    | OutboxMessage.idempotency_key.like(f"pii:%:{escaped(room)}/%:{escaped(which)}", escape="\\"),
                )
            ).scalars()
        )
        if keys:
            outbox.release_held(s, keys, now=services.clock.now())
    return keys


def _repost_keys(event: MessagePosted | MessageEdited, now: datetime) -> tuple[str, str]:
    """The outbox keys of a removed message's repost and of the notice to its poster.

    One repost per message (per edit): a re-handled event finds the same rows. An edit without an
    id of its own (Slack edits the message in place) is told apart by the time it was handled."""
    edit = event.edit if isinstance(event, MessageEdited) else None
    if edit is not None:
        which = edit.id
    elif isinstance(event, MessageEdited):
        which = f"edited-{DELIVERY.get() or now.timestamp()}"
    else:
        which = ""
    return _held_keys(event.message, which)


def _held_keys(message: MessageRef, which: str) -> tuple[str, str]:
    """The repost's and the notice's outbox keys for ``message`` (``which``: the edit, "" for the message)."""
    return (
        f"pii:repost:{_message_key(message)}:{which}"[:200],
        f"pii:removed:{_message_key(message)}:{which}"[:200],
    )


def _queue_held(
    ctx: Context,
    s: Session,
    event: MessagePosted | MessageEdited,
    pol: ChannelPolicy,
    counts: dict[str, int],
    redacted: str,
    *,
    key: str,
    notice_key: str,
) -> None:
    """Queue the repost and the fallback notice to the poster, held for ``REPOST_HOLD``: done before
    the removal, so a crash right after it still reposts and tells the poster."""
    now = ctx.now()
    _enqueue_repost(ctx, s, event.channel, _poster_name(ctx), redacted, key=key, poster=event.user)
    outbox.enqueue(
        s,
        key=notice_key,
        purpose="pii.removed_notice",
        recipient_kind="user",
        recipient=str(event.user),
        body=(
            f"I removed your {_what(event.channel)} in {pol.label}: it looked like it contained "
            f"{describe_labels(counts)}. A copy with those parts masked is reposted {_where(event.channel)}; "
            "I will tell you if it cannot be posted.\n"
            # Which message (masked), so two such notices are told apart.
            f"{preview_of(redacted, ctx.settings(SECTION).preview_chars)}"
        ),
        now=now,
    )
    outbox.hold(s, [key, notice_key], until=now + REPOST_HOLD)


# -- removal on arrival ---------------------------------------------------------------------------
#: Messages scanned per engine call on arrival: small, so a live message's scan waits for at most
#: one such slice of a catch-up's backlog (the engine serialises calls).
ARRIVAL_SCAN_SLICE = 8
#: Bound of the remembered scan results and removals (entries are consumed by the ordered handling).
_PRESCAN_LIMIT = 5000


def _scan_key(event: MessagePosted | MessageEdited) -> str | None:
    if isinstance(event, MessageEdited):
        return None if event.edit is None else f"{_message_key(event.message)}:{event.edit.id}"
    return f"{_message_key(event.message)}:"


def _take_prescan(ctx: Context, event: MessagePosted | MessageEdited) -> Any:
    key = _scan_key(event)
    found = ctx.services.prescanned.pop(key, None) if key is not None else None
    if found is None or found[0] != event.text:
        return None
    return found[1]


async def remove_first(
    services: Services, events: Sequence[MessagePosted | MessageEdited], *, concurrency: int | None = None
) -> int:
    """Removal on arrival: remove the messages with PII in ``redact``/``block`` channels as soon as
    an adapter receives them, ahead of their ordered handling. Returns how many were removed.

    Catching up after downtime, a member's events are handled one at a time in order (the form
    dialogue, the edits of a message, commands need that), each with its repost, notice and audit
    row, so a live message would wait behind the whole backlog. The removal is what takes the PII
    out of sight and needs no order, so it runs here for every message at once: one engine call per
    slice of ``ARRIVAL_SCAN_SLICE`` messages, the repost and the notice queued and held
    (``_queue_held``, the same rows and keys the ordered handling uses, so nothing is sent twice),
    then the removals concurrently. The ordered handling later finds the scan (``prescanned``) and
    the removal (``removed_first``) done and does the rest (findings count, audit row, lifting the
    hold, telling the poster). A crash in between leaves the held rows, which go out when the hold
    lapses (as after a crash right after a removal in order). Failures here are logged and ignored:
    the ordered handling does everything it finds undone. ``concurrency`` bounds the removals in
    flight (a backlog's), so a live message's removal does not queue behind a hundred of them at the
    homeserver, which persists a room's events one at a time.
    """
    todo = [e for e in events if not e.channel.is_direct and e.text and _scan_key(e) is not None]
    if not todo or SECTION not in services.settings:
        return 0

    def look_up() -> list[tuple[MessagePosted | MessageEdited, ChannelPolicy, MemberView | None]]:
        found = []
        # Reads only: on SQLite this never queues for the writer behind the ordered handling.
        with services.db.reading() as s:
            policies: dict[str, ChannelPolicy] = {}
            members: dict[UserRef, MemberView | None] = {}
            for e in todo:
                if e.channel.id not in policies:
                    policies[e.channel.id] = channel_policy(Context(services), s, e.channel)
                if e.user is not None and e.user not in members:
                    members[e.user] = directory.member_by_identity(s, e.user.platform, e.user.id)
                if policies[e.channel.id].policy in REMOVING_POLICIES:
                    found.append((e, policies[e.channel.id], members.get(e.user) if e.user else None))
        return found

    started = time.monotonic()
    backlog = concurrency is not None
    limit = asyncio.Semaphore(concurrency) if concurrency else None
    live = object()
    if not backlog:
        services.live_removals.append(live)
        services.no_live_removals.clear()
    try:
        return await _remove_first(services, look_up, limit, started)
    finally:
        if not backlog:
            services.live_removals.remove(live)
            if not services.live_removals:
                services.no_live_removals.set()


#: The longest a backlog's next step waits for live removals (a busy room's overlapping live
#: batches must not stall the backlog, hence the ordered handling and the sync token, for good).
LIVE_FIRST_SECONDS = 2.0


async def _live_first(services: Services) -> None:
    """A backlog's next scan or removal waits while live messages are being removed on arrival:
    they share the engine (one call at a time) and the homeserver (which persists a room's events
    one after another), and a live message must not queue behind a backlog of hundreds."""
    if services.live_removals:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(services.no_live_removals.wait(), LIVE_FIRST_SECONDS)


async def _remove_first(
    services: Services,
    look_up: Any,
    limit: asyncio.Semaphore | None,
    started: float,
) -> int:
    candidates = await asyncio.to_thread(look_up)
    removals: list[asyncio.Task[bool]] = []
    for start in range(0, len(candidates), ARRIVAL_SCAN_SLICE):
        part = candidates[start : start + ARRIVAL_SCAN_SLICE]
        if limit is not None:
            await _live_first(services)
        texts = [e.text for e, _pol, _member in part]
        results = await asyncio.to_thread(functools.partial(_scan_many, services, texts))
        found: list[tuple[Context, MessagePosted | MessageEdited, ChannelPolicy, Any]] = []
        for (e, pol, member), result in zip(part, results, strict=True):
            key = _scan_key(e)
            assert key is not None
            while len(services.prescanned) >= _PRESCAN_LIMIT:
                services.prescanned.pop(next(iter(services.prescanned)))
            services.prescanned[key] = (e.text, result)
            if result.label_counts():
                found.append((Context(services, user=e.user, member=member, event=e), e, pol, result))
        if found:
            # The reposts and notices of the whole slice in one transaction, then the removals at once.
            # Live messages (no ``concurrency``) take the database writer's next turn.
            await asyncio.to_thread(functools.partial(_queue_all_held, services, found, urgent=limit is None))
            removals += [asyncio.create_task(_remove_on_arrival(ctx, e, limit)) for ctx, e, _pol, _result in found]
    done = await asyncio.gather(*removals, return_exceptions=True)
    for outcome in done:
        if isinstance(outcome, BaseException):
            log.warning(
                "pii guard: a removal on arrival failed (%s); left to the ordered handling",
                type(outcome).__name__,
            )
    removed = sum(1 for outcome in done if outcome is True)
    log.log(
        logging.INFO if len(candidates) > ARRIVAL_SCAN_SLICE else logging.DEBUG,  # a backlog: worth a line
        "pii guard: %d of %d messages removed on arrival (%d scanned) in %.0f ms",
        removed,
        len(removals),
        len(candidates),
        (time.monotonic() - started) * 1000,
    )
    return removed


def _scan_many(services: Services, texts: list[str]) -> list[Any]:
    return list(services.redactor_loader().redact_many(texts))


def _queue_all_held(
    services: Services,
    found: list[tuple[Context, MessagePosted | MessageEdited, ChannelPolicy, Any]],
    *,
    urgent: bool = False,
) -> None:
    with services.db.session(urgent=urgent) as s:
        for ctx, event, pol, result in found:
            key, notice_key = _repost_keys(event, ctx.now())
            _queue_held(ctx, s, event, pol, result.label_counts(), result.text, key=key, notice_key=notice_key)


async def _remove_on_arrival(
    ctx: Context, event: MessagePosted | MessageEdited, limit: asyncio.Semaphore | None
) -> bool:
    key, notice_key = _repost_keys(event, ctx.now())
    refs = [event.message]
    if isinstance(event, MessageEdited) and event.edit is not None:
        refs.append(event.edit)
    async with limit or contextlib.nullcontext():
        if limit is not None:
            await _live_first(ctx.services)
        removed = await _remove(ctx, refs)
    if removed:
        if len(ctx.services.removed_first) >= _PRESCAN_LIMIT:
            ctx.services.removed_first.clear()  # never reached in practice: each entry is consumed
        ctx.services.removed_first.add(key)
        return True

    def withdraw() -> None:
        with ctx.session() as s:
            outbox.withdraw(s, [key, notice_key])

    await asyncio.to_thread(withdraw)  # not removable here: the ordered handling warns instead
    return False


def _where(channel: ChannelRef) -> str:
    return "in the same thread" if channel.thread else "under your name"


def _repost_words(outcome: str, where: str) -> str:
    """What the poster is told about the masked copy, once the outcome of posting it is known."""
    if outcome == "sent":
        return f"I reposted it with those parts masked, {where}:"
    if outcome == "failed":
        return (
            "I could not repost the masked copy: the platform refused it. Here is the masked text, if you "
            "want to post it yourself:"
        )
    return (
        f"Reposting the masked copy {where} has not worked yet (the platform is not answering); I keep "
        "trying and will tell you if I have to give up. The masked text:"
    )


def _alert_coordinators(ctx: Context, s: Session, row: store.NewPending, ref: str) -> None:
    """Channel and kinds of PII only — the coordinator must not receive the text either."""
    who = ctx.member.display_name if ctx.member else "someone outside the directory"
    for person in ctx.coordinators(s):
        ctx.enqueue_dm(
            s,
            person,
            f"PII guard ({ref}): a message by {who} in {row.channel_label} contains "
            f"{describe_labels(row.labels)} and I cannot remove it on this platform. The poster has been "
            "asked to repost it redacted or delete it. The text is not repeated here.",
            key=f"pii:alert:{row.id}:{person.handle}",
            purpose="pii.alert",
        )


def _resolve_message(s: Session, message_key: str) -> int:
    """An edit supersedes earlier warnings about the same message (and their breach checks)."""
    rows = store.pending_for_message(s, message_key)
    for row in rows:
        schedule.cancel(s, ref=f"PII-{row.id}", kinds=["pii.breach_check"])
        s.delete(row)
    s.flush()
    return len(rows)


async def _release_check(
    ctx: Context, event: MessagePosted | MessageEdited, settings: PiiGuardSettings
) -> list[str]:
    if not settings.client_ref_pattern:
        return []
    found = list(
        dict.fromkeys(m.group(0)[:32] for m in re.finditer(settings.client_ref_pattern, event.text[:20000]))
    )
    if not found:
        return []
    agencies: set[str] = set()
    try:
        people = await ctx.platform.members(event.channel)
    except PlatformError:
        people = []
    with ctx.session() as s:
        for u in people:
            m = directory.member_by_identity(s, u.platform, u.id)
            if m is not None:
                agencies.add(m.agency.key)
        return client_references_needing_release(ctx, s, found, sorted(agencies))


def _release_note(refs: Sequence[str]) -> str:
    return (
        f"{len(refs)} client reference(s) you mentioned are not covered by an active release for every "
        "agency in this channel."
    )


# -- buttons --------------------------------------------------------------------------------------
async def handle_button(event: ButtonPressed, ctx: Context) -> None:
    ctx.require(Permission.USE_BOT)
    action = event.action_id.removeprefix("pii.")
    if action not in ("repost", "keep", "delete", "post", "post_as_is"):
        raise UserError("That button is no longer active.")
    earlier = ctx.done_before("pii.button")
    if earlier is not None:
        # This press was handled before (a takeover): its pending row is gone; tell the outcome of
        # what that run did, as it would have.
        await _tell_done(ctx, earlier.data)
        return
    with ctx.session() as s:
        row = _own_pending(ctx, s, event.value)
        snapshot = _Pending.of(row)
    if action == "keep":
        if not snapshot.removable:
            raise UserError(
                "This channel does not allow keeping PII: please repost the redacted version or delete it."
            )
        await ctx.platform.open_form(
            event.user,
            _keep_form(ctx, event.user, snapshot.token),
            trigger=event.trigger,
            channel=event.channel,
        )
        return
    if action == "post_as_is" and snapshot.kind == "gate":
        if not snapshot.removable:
            raise UserError("This channel does not allow posting PII as is: please post the redacted version.")
        await ctx.platform.open_form(
            event.user,
            _post_reason_form(ctx, event.user, snapshot.token),
            trigger=event.trigger,
            channel=event.channel,
        )
        return
    if action in ("post", "post_as_is"):
        await _post_preview(ctx, snapshot, as_is=action == "post_as_is")
        return
    refs = snapshot.message_refs(ctx.platform.name)
    removed = await _remove(ctx, refs)
    name = _poster_name(ctx)
    detail: dict[str, Any] = {"labels": snapshot.labels, "ref": snapshot.ref, "removed": removed}
    key = f"pii:repost:{snapshot.token}"
    with ctx.once("pii.button") as once:
        s = once.begin()
        if not _delete_pending(s, snapshot.id):
            raise UserError("That warning was already handled.")
        schedule.cancel(s, ref=snapshot.ref, kinds=["pii.breach_check"])
        if action == "repost":
            _enqueue_repost(
                ctx,
                s,
                snapshot.channel_ref(ctx.platform.name),
                name,
                snapshot.redacted,
                key=key,
                poster=event.user,
            )
            ctx.audit(s, "pii.reposted", target=_target(snapshot.channel_label), detail=detail)
        else:
            ctx.audit(s, "pii.deleted", target=_target(snapshot.channel_label), detail=detail)
        once.data.update(kind=action, removed=removed, where=snapshot.channel_label, key=key)
    await _tell_done(ctx, once.data)


async def _tell_done(ctx: Context, done: dict[str, Any]) -> None:
    """Tell the member what their button did (``once.data`` of ``pii.button``), once the outcome of
    the message it queued is known (never "posted" when it was not)."""
    if done.get("kind") == "post":
        await _tell_posted(ctx, str(done.get("where")), str(done.get("key")))
        return
    action, removed, where, key = done.get("kind"), bool(done.get("removed")), str(done.get("where")), str(done.get("key"))
    if action == "repost":
        outcome = await ctx.deliver_now(key)
        if outcome == "sent":
            posted = f"I reposted the redacted version in {where}"
        elif outcome == "failed":
            posted = f"I could not repost the redacted version in {where} (the platform refused it)"
        else:
            posted = f"Reposting the redacted version in {where} has not worked yet; I keep trying"
        if removed:
            await ctx.reply(f"Done: I removed your message. {posted}.")
        else:
            await ctx.reply(
                f"{posted}, but I cannot remove your original message in {where} on this platform: "
                "please delete it yourself now."
            )
        return
    if removed:
        await ctx.reply(f"Done: I removed your message in {where}.")
    else:
        await ctx.reply(
            f"I cannot remove your original message in {where} on this platform: please delete it yourself now."
        )


@dataclass(frozen=True)
class _Pending:
    """What a button needs from a pending row, usable after its session closed."""

    id: int
    token: str
    kind: str
    channel: str
    channel_label: str
    message_id: str | None
    edit_id: str | None
    text: str
    redacted: str
    labels: dict[str, int]
    removable: bool

    @classmethod
    def of(cls, row: store.PiiPending) -> _Pending:
        return cls(
            row.id,
            row.token,
            row.kind,
            row.channel,
            row.channel_label,
            row.message_id,
            row.edit_id,
            row.text,
            row.redacted,
            dict(row.labels),
            row.removable,
        )

    @property
    def ref(self) -> str:
        return f"PII-{self.id}"

    def channel_ref(self, platform: str) -> ChannelRef:
        return ChannelRef.parse(f"{platform}:{self.channel}")

    def message_refs(self, platform: str) -> list[MessageRef]:
        ch = self.channel_ref(platform)
        return [MessageRef(ch, i) for i in (self.message_id, self.edit_id) if i]


def _own_pending(ctx: Context, s: Session, token: str) -> store.PiiPending:
    row = store.pending_by_token(s, token, ctx.now())
    if row is None or row.poster != str(ctx.user):
        raise UserError("That warning has expired or was already handled.")
    return row


def _delete_pending(s: Session, row_id: int) -> bool:
    row = s.get(store.PiiPending, row_id)
    if row is None:
        return False
    s.delete(row)
    s.flush()
    return True


def _reason_form(form_id: str, title: str, question: str, submit: str, context: str) -> Form:
    """A reason-code form (keep the message, post it as is): the audit log gets the code, never text."""
    return Form(
        form_id,
        title,
        (FormField("reason", question, FieldKind.CHOICE, choices=KEEP_REASONS),),
        submit_label=submit,
        context=context[:32],
        intro="Your reason is recorded in the audit log (as a reason code, not your message).",
    )


def _keep_form(ctx: Context, user: UserRef, context: str) -> Form:
    return _reason_form("pii.keep", "Keep the message", "Why may it stay?", "Keep", context)


async def keep_message(event: FormSubmitted, ctx: Context) -> None:
    ctx.require(Permission.USE_BOT)
    reason = str(event.values["reason"])
    with ctx.once("pii.keep") as once:
        s = once.begin()
        row = _own_pending(ctx, s, event.context)
        if not row.removable or row.kind != "warning":
            raise UserError(
                "This channel does not allow keeping PII: please repost the redacted version or delete it."
            )
        label, ref, labels = row.channel_label, f"PII-{row.id}", dict(row.labels)
        s.delete(row)
        schedule.cancel(s, ref=ref, kinds=["pii.breach_check"])
        ctx.audit(
            s, "pii.kept", target=_target(label), detail={"labels": labels, "reason": reason, "ref": ref}
        )
        once.answer = f"Kept: your message in {label} stays. Reason recorded: {reason.replace('_', ' ')}."
    await ctx.answer(once)


# -- preview --------------------------------------------------------------------------------------
def preview_scans(args: str) -> str:
    """The text ``preview_message`` will scan for ``args`` (a leading ``#channel`` names the channel; when it
    names none the handler scans the whole text, and this guess costs one scan for nothing)."""
    text = args.strip()
    first, _, rest = text.partition(" ")
    return rest.strip() if first.startswith("#") and len(first) > 1 else text


async def preview_message(event: CommandInvoked, ctx: Context) -> None:
    ctx.require(Permission.USE_BOT)
    settings: PiiGuardSettings = ctx.settings(SECTION)
    text = event.args.strip()
    target: ChannelRef | None = None if event.channel.is_direct else event.channel
    first, _, rest = text.partition(" ")
    if first.startswith("#") and len(first) > 1:
        with ctx.session() as s:
            view = directory.channel_by_name(s, first)
        if view is not None and ctx.channel_ref(view) is not None:
            target, text = ctx.channel_ref(view), rest.strip()
    if not text:
        raise UserError(
            "Usage: /preview <text> — I show you what I would mask, privately, before you post it."
        )
    if event.message is not None and not event.channel.is_direct:
        await _remove(ctx, [event.message])  # a typed "!preview ..." in a room is itself visible
    result = await ctx.redact_text(text)
    counts: dict[str, int] = result.label_counts()
    now = ctx.now()
    token = ""
    label = ""
    if target is not None:
        with ctx.once("pii.preview") as once:
            s = once.begin()
            label = channel_policy(ctx, s, target).label
            row = store.add_pending(
                s,
                kind="preview",
                policy="preview",
                poster=str(event.user),
                poster_handle=ctx.member.handle if ctx.member else None,
                channel=target.id,
                channel_label=label,
                text=text,
                redacted=result.text,
                labels=counts,
                removable=True,
                created_at=now,
                expires_at=now + timedelta(minutes=settings.pending_ttl_minutes),
            )
            schedule.schedule(
                s, key=f"pii:purge:{row.id}", kind="pii.purge", ref=f"PII-{row.id}", due_at=row.expires_at
            )
            ctx.audit(
                s, "pii.previewed", target=_target(label), detail={"labels": counts, "ref": f"PII-{row.id}"}
            )
            token = row.token
            once.data.update(token=token, label=label)
        # The same pending preview when this delivery was handled before (its button's token).
        token, label = str(once.data.get("token") or token), str(once.data.get("label") or label)
    found = f"I found {describe_labels(counts)}." if counts else "I found no PII."
    lines = [
        f"Preview{f' for {label}' if label else ''}: {found}",
        "",
        preview_of(result.text, settings.preview_chars),
    ]
    buttons: list[Button] = []
    if token:
        buttons.append(Button("pii.post", "Post redacted", token, ButtonStyle.PRIMARY))
        if not counts:
            buttons.append(Button("pii.post_as_is", "Post as is", token))
    else:
        lines += ["", "Run preview in the channel (or start it with #channel) to get a Post button."]
    await ctx.reply(Message("\n".join(lines), tuple(buttons)), channel=event.channel)


async def _post_preview(ctx: Context, p: _Pending, *, as_is: bool) -> None:
    if p.kind not in ("preview", "gate"):
        raise UserError("That button is no longer active.")
    if as_is and p.labels:
        raise UserError("This text has PII in it: only the redacted version can be posted.")
    name = _poster_name(ctx)
    body = f"{name} wrote: {p.text}" if as_is else f"{name} wrote (checked by needtoknow): {p.redacted}"
    key = f"pii:post:{p.token}"
    with ctx.once("pii.button") as once:
        s = once.begin()
        if not _delete_pending(s, p.id):
            raise UserError("That preview was already posted.")
        ctx.enqueue_channel(
            s, p.channel_ref(ctx.platform.name), body, key=key, purpose="pii.post", tell_on_failure=ctx.user
        )
        ctx.audit(
            s,
            "pii.gate_posted" if p.kind == GATE_KIND else "pii.preview_posted",
            target=_target(p.channel_label),
            detail={"labels": p.labels, "ref": p.ref, "as_is": as_is},
        )
        once.data.update(kind="post", where=p.channel_label, key=key)
    await _tell_done(ctx, once.data)


async def _tell_posted(ctx: Context, where: str, key: str) -> None:
    outcome = await ctx.deliver_now(key)
    if outcome == "sent":
        await ctx.reply(f"Posted in {where}.")
    elif outcome == "failed":
        await ctx.reply(f"I could not post it in {where}: the platform refused it.")
    else:
        await ctx.reply(
            f"Posting in {where} has not worked yet (the platform is not answering); I keep trying "
            "and will tell you if I have to give up."
        )


# -- the pre-store gate (Matrix ``block`` channels) -------------------------------------------------
GATE_KIND = "gate"


def gate_refusal_reason(counts: dict[str, int]) -> str:
    """What the sender's client shows when the homeserver refuses the message: labels only, never
    the text (the reason travels through the homeserver and may be logged by clients)."""
    return f"Not posted: it looks like it contains {describe_labels(counts)}. I sent you a redacted version."


def blocked_channels(s: Session, platform: str) -> dict[str, str]:
    """``{platform channel id: "#label"}`` for every directory channel whose policy is ``block``.

    Only directory channels can be ``block`` (``default_policy`` may not be): the gate sees every
    room on the homeserver, including members' private conversations, and must leave those alone.
    """
    found: dict[str, str] = {}
    for view in directory.all_channels(s):
        ext = view.identity(platform)
        if ext and view.pii_policy == "block":
            found[ext] = f"#{view.name}"
    return found


def record_gate_refusal(
    ctx: Context,
    *,
    channel: ChannelRef,
    channel_label: str,
    event_id: str,
    text: str,
    redacted: str,
    counts: dict[str, int],
    edit: bool,
    allow_as_is: bool,
) -> str:
    """After the gate refused a message: the pending row the DM's buttons act on (text encrypted),
    the findings count, a ``pii.gate_refused`` audit row (label counts only) and the DM to the sender
    in the outbox, all in one transaction. Returns the ``PII-n`` reference.

    The DM is delivered at least once from the outbox (the caller kicks it); a crash after the
    verdict and before this commit loses it, and the sender still saw the refusal in their client.
    """
    assert ctx.user is not None
    settings: PiiGuardSettings = ctx.settings(SECTION)
    now = ctx.now()
    with ctx.session() as s:
        store.count_findings(s, channel_label, store.iso_week(now), counts)
        row = store.add_pending(
            s,
            kind=GATE_KIND,
            policy="block",
            poster=str(ctx.user),
            poster_handle=ctx.member.handle if ctx.member else None,
            channel=channel.id,
            channel_label=channel_label,
            text=text,
            redacted=redacted,
            labels=counts,
            removable=allow_as_is,  # for a gate row: whether "Post as is (give reason)" is offered
            created_at=now,
            expires_at=now + timedelta(minutes=settings.pending_ttl_minutes),
        )
        ref = f"PII-{row.id}"
        schedule.schedule(s, key=f"pii:purge:{row.id}", kind="pii.purge", ref=ref, due_at=row.expires_at)
        ctx.audit(
            s,
            "pii.gate_refused",
            target=_target(channel_label),
            detail={"labels": counts, "edit": edit, "ref": ref},
        )
        buttons = [OutgoingButton("pii.post", "Post redacted", row.token, ButtonStyle.PRIMARY.value)]
        if allow_as_is:
            buttons.append(OutgoingButton("pii.post_as_is", "Post as is (give reason)", row.token))
        what = "edit" if edit else "message"
        enqueue(
            s,
            key=f"pii:gate:{event_id}"[:200],
            purpose="pii.gate",
            recipient_kind="user",
            recipient=str(ctx.user),
            body=(
                f"I did not post your {what} in {channel_label}: it looks like it contains "
                f"{describe_labels(counts)}. Nothing of it was stored on the server.\n\n"
                f"Redacted version:\n{preview_of(redacted, settings.preview_chars)}"
            ),
            buttons=buttons,
            now=now,
        )
        _plan_digest(ctx, s, settings)
    return ref


def record_gate_deadline(ctx: Context, channel_label: str, *, refused: bool) -> None:
    """The scan missed the gate's deadline and the configured fail-open/fail-closed answer was given."""
    with ctx.session() as s:
        ctx.audit(
            s,
            "pii.gate_deadline",
            target=_target(channel_label),
            detail={"outcome": "refused" if refused else "allowed"},
        )


def _post_reason_form(ctx: Context, user: UserRef, context: str) -> Form:
    return _reason_form("pii.post_reason", "Post as is", "Why may it be posted as is?", "Post", context)


async def post_as_is_with_reason(event: FormSubmitted, ctx: Context) -> None:
    """The sender of a refused message chose to post it unchanged, with a reason: the bot posts it
    (the gate lets the bot's own events through) and the reason code is audited."""
    ctx.require(Permission.USE_BOT)
    reason = str(event.values["reason"])
    name = _poster_name(ctx)
    with ctx.once("pii.post_as_is") as once:
        s = once.begin()
        row = _own_pending(ctx, s, event.context)
        if row.kind != GATE_KIND or not row.removable:
            raise UserError("This channel does not allow posting PII as is: please post the redacted version.")
        label, ref, labels = row.channel_label, f"PII-{row.id}", dict(row.labels)
        ctx.enqueue_channel(
            s,
            ChannelRef(ctx.platform.name, row.channel),
            f"{name} wrote: {row.text}",
            key=f"pii:post:{row.token}",
            purpose="pii.post",
        )
        s.delete(row)
        ctx.audit(
            s,
            "pii.gate_posted_as_is",
            target=_target(label),
            detail={"labels": labels, "reason": reason, "ref": ref},
        )
        once.answer = f"Posted as is in {label}. Reason recorded: {reason.replace('_', ' ')}."
    ctx.kick_outbox()
    await ctx.answer(once)


# -- escalation -----------------------------------------------------------------------------------
def report_possible_breach(item: ScheduledItem, s: Session, ctx: Context) -> None:
    """PII still standing in a ``redact`` channel after ``breach_after_minutes``: report it.

    ECM guide, "Breaches of Confidentiality": the protocol says who is told and what is recorded.
    Told: the coordinators (else admins). Recorded: who posted, where, when, the kinds of PII and a
    reference — never the text — in the message and in the ``pii.breach_reported`` audit row.
    """
    row = s.get(store.PiiPending, int(item.payload.get("pending", 0)))
    if row is None or row.kind != "warning":
        return  # the poster acted (reposted, deleted, edited): nothing is standing
    number = f"PB-{_next_breach_number(s)}"
    poster = row.poster_handle or "someone outside the directory"
    member = directory.member_by_handle(s, row.poster_handle) if row.poster_handle else None
    who = f"{member.display_name} ({poster})" if member else poster
    when = row.created_at.strftime("%Y-%m-%d %H:%M UTC")
    for person in ctx.coordinators(s):
        ctx.enqueue_dm(
            s,
            person,
            f"Possible breach of confidentiality {number} ({item.ref}): a message by {who} in "
            f"{row.channel_label} at {when} contained {describe_labels(row.labels)}. I could not remove it "
            f"and the poster has not acted after {ctx.settings(SECTION).breach_after_minutes} minutes. The text "
            "is not repeated here. Please follow the task force's breach protocol: have the message removed, "
            "tell those affected as the protocol requires, and record the repair.",
            key=f"pii:breach:{row.id}:{person.handle}",
            purpose="pii.breach",
        )
    ctx.audit(
        s,
        "pii.breach_reported",
        target=_target(row.channel_label),
        detail={
            "ref": item.ref,
            "breach": number,
            "poster": poster[:64],
            "posted_at": row.created_at.isoformat(),
            "labels": dict(row.labels),
        },
        actor="system",
    )


def _next_breach_number(s: Session) -> int:
    from storage.db import next_reference

    return next_reference(s, "pii_breach")


# -- metrics --------------------------------------------------------------------------------------
def _recent_weeks(now: datetime, weeks: int) -> list[str]:
    return [store.iso_week(now - timedelta(weeks=i)) for i in range(weeks)]


def weekly_report(s: Session, now: datetime, weeks: int) -> str:
    """Findings per channel per week, counts only."""
    rows = store.findings_since(s, _recent_weeks(now, weeks))
    if not rows:
        return f"PII guard: no findings in the last {weeks} week(s)."
    by_key: dict[tuple[str, str], list[store.WeekCount]] = {}
    for r in rows:
        by_key.setdefault((r.week, r.channel), []).append(r)
    lines = [f"PII guard findings, last {weeks} week(s) (counts only; messages with each kind):"]
    for (week, channel), items in sorted(by_key.items(), reverse=True):
        kinds = ", ".join(f"{r.label.lower()} {r.messages}" for r in items)
        lines.append(f"• {week} {channel}: {kinds}")
    return "\n".join(lines)


def _next_monday(now: datetime) -> datetime:
    start = now.replace(hour=14, minute=0, second=0, microsecond=0)
    return start + timedelta(days=(7 - now.weekday()) or 7)


def _plan_digest(ctx: Context, s: Session, settings: PiiGuardSettings) -> None:
    if not settings.weekly_digest:
        return
    due = _next_monday(ctx.now())
    schedule.schedule(
        s, key=f"pii:digest:{store.iso_week(due)}", kind="pii.weekly_digest", ref="pii:digest", due_at=due
    )


def send_weekly_digest(item: ScheduledItem, s: Session, ctx: Context) -> None:
    """The optional weekly digest to the coordinators: last week's counts, no text."""
    settings: PiiGuardSettings = ctx.settings(SECTION)
    if not settings.weekly_digest:
        return
    last_week = item.due_at - timedelta(days=1)
    rows = store.findings_since(s, [store.iso_week(last_week)])
    if rows:
        body = weekly_report(s, last_week, 1)
        for person in ctx.coordinators(s):
            ctx.enqueue_dm(s, person, body, key=f"{item.key}:{person.handle}", purpose="pii.digest")
    due = _next_monday(item.due_at)
    schedule.schedule(
        s, key=f"pii:digest:{store.iso_week(due)}", kind="pii.weekly_digest", ref="pii:digest", due_at=due
    )
