"""``operation``: need-to-know operation notices and lead-time alerts to the NGO.

Guide (task-force-information-sharing, "Explaining need to know"): the NGO "requested a general
timeline (end of next week vs. an exact date or time), estimated number of victims, their gender
and language, and whether or not any minors would be identified" so it could pre-plan shelter,
language and needs specific to minors — and nothing that could compromise the operation. The guide's
section "A Balance of Protecting and Sharing Information" asks "What type of lead time might a
victim service provider expect prior to a raid being conducted?": that agreement is
``[operations] minimum_notice_hours`` and ``alert_hours``.

So: an operation lead (law enforcement) records the operation; the exact time, the location and the
target/tactical notes are stored encrypted and shown only to the operation's team (``/operation
show``): the issue's "law enforcement and prosecutors on the operation". The recording lead is on it
from the start; operation leads add and remove others (``/operation team``), and only law
enforcement and prosecutors can be added. Everything that reaches an NGO is built by ONE function,
``build_ngo_notice``, from ``NgoNotice`` — a value that holds only whitelisted fields, so no code
path can hand it a location or a date. Each notice has an Acknowledge button; without an
acknowledgement it is re-sent once and then the lead is told, so nobody assumes the NGO is ready
when it has not seen the notice.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.commands import slash_usage
from bot.context import Context
from bot.errors import FieldError, UserError
from bot.events import ButtonPressed, CommandInvoked, FormSubmitted
from bot.forms import Choice, FieldKind, Form, FormField, FormInvalid, parse_key_values
from bot.platform import UserRef
from bot.router import Router
from handlers.access import TEAM_AGENCY_TYPES, TEAM_DISCIPLINES, Permission, PermissionDenied, check
from handlers.free_text import refuse_pii
from handlers.timeline import BUCKET_HOURS, alert_bucket, coarsen_timeline, lead_time_phrase
from storage import directory, schedule
from storage.db import next_reference
from storage.directory import MemberView
from storage.models import Member, OutboxMessage, ScheduledItem
from storage.operations import (
    ACTIVE,
    CANCELLED,
    CONCLUDED,
    Operation,
    OperationNotice,
    add_to_team,
    notices_of,
    on_team,
    operation_by_ref,
    remove_from_team,
    replan,
    supersede_open_notices,
    team_of,
)
from storage.outbox import OutgoingButton

FORM_NEW = "operations.new"
ACK_ACTION = "operations.ack"
JOB_ALERT = "operations.alert"
JOB_ACK = "operations.ack_check"

USAGE = (
    'operation new [when="YYYY-MM-DD HH:MM" victims=4-6 ...] | operation show OP-1 | '
    "operation team OP-1 [add|remove handle ...] | "
    "operation status OP-1 | operation update OP-1 victims=5-8 languages=Spanish,Mam | "
    "operation postpone OP-1 YYYY-MM-DD HH:MM | operation cancel OP-1 | operation conclude OP-1 | "
    "operation list"
)

GENDERS = (
    Choice("female", "female"),
    Choice("male", "male"),
    Choice("nonbinary", "nonbinary"),
    Choice("unknown", "not known"),
)
MINORS = (Choice("yes", "yes"), Choice("no", "no"), Choice("unknown", "not known"))
NEEDS = (Choice("shelter", "shelter"), Choice("medical", "medical"), Choice("interpreter", "interpreter"))
NGO_FIELDS = ("victims", "genders", "languages", "minors", "needs")
DETAIL_FIELDS = ("location", "notes")
UPDATABLE = NGO_FIELDS + DETAIL_FIELDS

# A language is one to four words of letters (Unicode), joined by spaces, hyphens or apostrophes:
# "Spanish", "K'iche'", "Haitian Creole". No digits or punctuation, so the field that reaches the NGO
# cannot carry an address, a time or a note.
_LANGUAGE = re.compile(r"^[^\W\d_]+(?:['’]?(?:[ \-][^\W\d_]+|[^\W\d_]*))*['’]?$")
_MAX_LANGUAGES = 8
_MAX_VICTIMS = 500
_VICTIMS = re.compile(r"^\s*(\d{1,4})\s*(?:(?:-|–|—|to)\s*(\d{1,4}))?\s*$")

# Who may be on an operation team: the disciplines that may see operation details at all (need to
# know: law enforcement and prosecutors; never the NGO, healthcare or civil attorneys).
# Only something shaped like a directory handle is ever named back to the member or audited.
_HANDLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
TEAM_USAGE = "operation team OP-1 | operation team OP-1 add dan paula | operation team OP-1 remove dan"


# -- settings -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OperationsSettings:
    """``[operations]``: the task force's lead-time agreement and notice handling."""

    minimum_notice_hours: int = 72
    alert_hours: tuple[int, ...] = (168, 72, 24)
    ack_timeout_hours: float = 12.0
    estimate_spread: int = 1
    alert_jitter_minutes: int = 0
    alert_bucket_hours: int = 12

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> OperationsSettings:
        known = {
            "minimum_notice_hours",
            "alert_hours",
            "ack_timeout_hours",
            "estimate_spread",
            "alert_jitter_minutes",
            "alert_bucket_hours",
        }
        for key in data:
            if key not in known:
                raise ValueError(
                    f"operations.{key}: unknown key (expected one of: {', '.join(sorted(known))})"
                )
        s = cls()

        def whole(key: str, default: int, low: int, high: int) -> int:
            value = data.get(key, default)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"operations.{key}: must be a whole number from {low} to {high}")
            return value

        minimum = whole("minimum_notice_hours", s.minimum_notice_hours, 0, 24 * 90)
        spread = whole("estimate_spread", s.estimate_spread, 1, 50)
        jitter = whole("alert_jitter_minutes", s.alert_jitter_minutes, 0, 24 * 60)
        timeout = data.get("ack_timeout_hours", s.ack_timeout_hours)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0.25 <= timeout <= 24 * 7:
            raise ValueError("operations.ack_timeout_hours: must be a number of hours from 0.25 to 168")
        raw_hours = data.get("alert_hours", list(s.alert_hours))
        if (
            not isinstance(raw_hours, list)
            or any(isinstance(h, bool) or not isinstance(h, int) or not 1 <= h <= 24 * 90 for h in raw_hours)
            or len(set(raw_hours)) != len(raw_hours)
        ):
            raise ValueError("operations.alert_hours: must be a list of distinct whole hours from 1 to 2160")
        bucket = data.get("alert_bucket_hours", s.alert_bucket_hours)
        if (
            isinstance(bucket, bool)
            or not isinstance(bucket, int)
            or bucket not in BUCKET_HOURS
            or any(h < 2 * bucket for h in raw_hours)
        ):
            raise ValueError(
                "operations.alert_bucket_hours: must divide a day (1, 2, 3, 4, 6, 8, 12 or 24) and be at "
                "most half of the smallest alert_hours (an alert comes up to one bucket after its point)"
            )
        return cls(minimum, tuple(sorted(raw_hours, reverse=True)), float(timeout), spread, jitter, bucket)


# -- the estimate (what the NGO may know) ---------------------------------------------------------
@dataclass(frozen=True)
class Estimate:
    victims_min: int
    victims_max: int
    genders: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    minors: str = "unknown"
    needs: tuple[str, ...] = ()

    def dumps(self) -> str:
        return json.dumps(
            {
                "victims_min": self.victims_min,
                "victims_max": self.victims_max,
                "genders": list(self.genders),
                "languages": list(self.languages),
                "minors": self.minors,
                "needs": list(self.needs),
            }
        )

    @classmethod
    def loads(cls, text: str) -> Estimate:
        d = json.loads(text)
        return cls(
            int(d["victims_min"]),
            int(d["victims_max"]),
            tuple(d["genders"]),
            tuple(d["languages"]),
            str(d["minors"]),
            tuple(d["needs"]),
        )


def parse_victims(text: str) -> tuple[int, int]:
    """``5`` -> (5, 5); ``4-6`` / ``4–6`` / ``4 to 6`` -> (4, 6). Raises ValueError for the member."""
    m = _VICTIMS.match(text or "")
    if m is None:
        raise ValueError("Estimated victims must be a number like 5 or a range like 4-6")
    lo = int(m.group(1))
    hi = int(m.group(2)) if m.group(2) is not None else lo
    if lo > hi:
        lo, hi = hi, lo
    if hi > _MAX_VICTIMS:
        raise ValueError(f"Estimated victims must be at most {_MAX_VICTIMS}")
    return lo, hi


def parse_languages(text: str | None) -> tuple[str, ...]:
    """A comma-separated list of language names; each is letters only (see ``_LANGUAGE``)."""
    if not text:
        return ()
    items = [" ".join(p.split()) for p in text.split(",")]
    items = [p for p in items if p]
    if len(items) > _MAX_LANGUAGES:
        raise ValueError(f"Languages: list at most {_MAX_LANGUAGES}")
    out: list[str] = []
    for item in items:
        if len(item) > 40 or len(item.split()) > 4 or not _LANGUAGE.match(item):
            raise ValueError("Languages: give language names only (letters), separated by commas")
        name = item[0].upper() + item[1:]
        if name.lower() not in {o.lower() for o in out}:
            out.append(name)
    return tuple(out)


def victim_range(lo: int, hi: int, spread: int) -> str:
    """The NGO sees a range, never one exact count: a single number is widened by ``spread``."""
    if lo == hi:
        lo, hi = max(0, lo - spread), hi + spread
    return f"{lo}–{hi}"


# -- the one builder of NGO-bound text ------------------------------------------------------------
NOTICE_KINDS = ("initial", "alert", "update", "postponed", "moved_earlier", "cancelled", "concluded")


@dataclass(frozen=True)
class NgoNotice:
    """Everything an NGO notice may contain — the whitelist, as a type.

    ``timeline`` comes from ``coarsen_timeline`` and ``lead_time`` from ``lead_time_phrase``; the
    other fields from ``Estimate``. There is deliberately no field for a date, a time, a place, a
    target or a tactic. For ``update`` notices only the changed fields are set.
    """

    kind: str
    ref: str
    timeline: str | None = None
    lead_time: str | None = None
    victims: str | None = None
    genders: tuple[str, ...] | None = None
    languages: tuple[str, ...] | None = None
    minors: str | None = None
    needs: tuple[str, ...] | None = None


_LABELS = {c.value: c.label for c in (*GENDERS, *MINORS, *NEEDS)}


def _list(values: tuple[str, ...]) -> str:
    return ", ".join(_LABELS.get(v, v) for v in values) or "not known"


def build_ngo_notice(n: NgoNotice, notice_id: int | None = None) -> str:
    """Render an NGO notice. The only function that writes text an NGO receives."""
    if n.kind not in NOTICE_KINDS:
        raise ValueError("unknown notice kind")
    when = n.timeline or ""
    if n.lead_time:
        when = f"{n.lead_time} ({n.timeline})" if n.timeline else n.lead_time
    head = {
        "initial": f"*Operation notice {n.ref}* — for your planning only; please do not forward.",
        "alert": f"*Operation reminder {n.ref}*: expected {when}.",
        "update": f"*Operation update {n.ref}* — changed estimates:",
        "postponed": f"*Operation {n.ref} postponed*: now expected {when}. Earlier timings no longer apply.",
        "moved_earlier": f"*Operation {n.ref} moved earlier*: now expected {when}.",
        "cancelled": f"*Operation {n.ref} cancelled.* No action is needed; you can release anything "
        "you held for it.",
        "concluded": f"*Operation {n.ref} concluded.* Thank you for preparing. The operation lead will be "
        "in touch about a debrief.",
    }[n.kind]
    lines = [head]
    if n.kind == "initial" and when:
        lines.append(f"Expected: {when}")
    if n.victims is not None:
        lines.append(f"Estimated victims: {n.victims}")
    if n.genders is not None:
        lines.append(f"Gender: {_list(n.genders)}")
    if n.languages is not None:
        lines.append(f"Languages: {_list(n.languages)}")
    if n.minors is not None:
        lines.append(f"Minors expected: {_LABELS.get(n.minors, 'not known')}")
    if n.needs is not None:
        lines.append(f"Special needs: {', '.join(_LABELS.get(v, v) for v in n.needs) or 'none known'}")
    footer = "Please press Acknowledge so the operation lead knows you have seen this."
    if notice_id is not None:
        footer += f" (notice {notice_id})"
    lines.append(footer)
    return "\n".join(lines)


def estimate_fields(est: Estimate, spread: int) -> dict[str, Any]:
    return {
        "victims": victim_range(est.victims_min, est.victims_max, spread),
        "genders": est.genders,
        "languages": est.languages,
        "minors": est.minors,
        "needs": est.needs,
    }


def current_lead_time(bucket_end: datetime, now: datetime, alert_hours: Sequence[int]) -> str | None:
    """The tightest alert point already reached, the phrase for "the moment" (None if none is).

    Reached means its alert would already have been due (``bucket_end - hours``), the same rule
    ``plan_alerts`` uses, so a point is either in this notice or sent as an alert, never both. The
    phrase is true: the operation is before ``bucket_end``, at most ``hours`` from now."""
    reached = [h for h in alert_hours if bucket_end - timedelta(hours=h) <= now]
    return lead_time_phrase(min(reached)) if reached else None


# -- helpers --------------------------------------------------------------------------------------
def _settings(ctx: Context) -> OperationsSettings:
    s: OperationsSettings = ctx.settings("operations")
    return s


def _tz(ctx: Context) -> ZoneInfo:
    return ctx.config.tz


def local_to_utc(value: datetime, tz: ZoneInfo) -> datetime:
    """A wall-clock time in the task force's zone -> aware UTC. Times skipped by a DST change are
    refused; a repeated hour (autumn) means its first occurrence."""
    naive = value.replace(tzinfo=None)
    aware = naive.replace(tzinfo=tz, fold=0)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise UserError("That time does not exist in the task force's time zone (the clocks change then).")
    return aware.astimezone(UTC)


def _parse_when(text: str, tz: ZoneInfo) -> datetime:
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return local_to_utc(datetime.strptime(text.strip(), fmt), tz)
        except ValueError:
            continue
    raise UserError("Give the new date and time like 2026-03-31 18:30 (task-force time).")


def _planned(op: Operation) -> datetime:
    return datetime.fromisoformat(op.planned_at).astimezone(UTC)


def _member_view(s: Session, member_id: int) -> MemberView | None:
    m = s.get(Member, member_id)
    return directory.member_by_handle(s, m.handle) if m is not None else None


def _ngo_agencies(s: Session) -> list[directory.AgencyView]:
    return [a for a in directory.all_agencies(s) if a.kind == "victim_services"]


def _contacts(s: Session, agency_key: str) -> list[MemberView]:
    out = []
    for m in directory.members_of_agency(s, agency_key):
        try:
            check(m, Permission.RECEIVE_OPERATION_NOTICES)
        except PermissionDenied:
            continue  # a member of the NGO who is not its contact for notices
        out.append(m)
    return out


def _get_operation(s: Session, ref: str) -> Operation:
    op = operation_by_ref(s, ref) if ref else None
    if op is None:
        raise UserError("No operation with that reference. `operation list` shows them (e.g. OP-1).")
    return op


def _require_active(op: Operation) -> None:
    if op.status != ACTIVE:
        raise UserError(f"{op.ref} is {op.status}; it can no longer be changed.")


# -- the operation team ---------------------------------------------------------------------------
def parse_handles(text: str) -> list[str]:
    """``"dan, @paula  dan"`` -> ``["dan", "paula"]`` (commas or spaces, a leading @ ignored)."""
    words = (w.strip().lstrip("@") for w in re.split(r"[\s,]+", text or ""))
    return list(dict.fromkeys(w for w in words if w))


def _named(handle: str) -> str:
    return handle if _HANDLE.match(handle) else "(an entry that is not a handle)"


def may_join_team(member: MemberView) -> bool:
    """Need to know: only active law-enforcement and prosecutor members (of law-enforcement and
    prosecution agencies) are ever on a team — the policy table's rule for operation details."""
    return member.active and member.discipline in TEAM_DISCIPLINES and member.agency_type in TEAM_AGENCY_TYPES


@dataclass(frozen=True)
class TeamCheck:
    """Handles resolved for a team: who may join, who may not (and why), who is unknown."""

    eligible: tuple[MemberView, ...]
    not_eligible: tuple[MemberView, ...]
    unknown: tuple[str, ...]

    def problem(self) -> str | None:
        """The refusal to show the lead, or None when every handle may join."""
        parts = []
        if self.not_eligible:
            who = ", ".join(f"{m.display_name} ({m.discipline.replace('_', ' ')})" for m in self.not_eligible)
            parts.append(
                f"{who} cannot be on an operation team: its exact date, location and target details "
                "are shared on a need-to-know basis, with law enforcement and prosecutors on the "
                "operation only."
            )
        if self.unknown:
            parts.append(
                "No active directory member has the handle " + ", ".join(map(_named, self.unknown)) + "."
            )
        return " ".join(parts) or None


def check_team(s: Session, handles: Sequence[str]) -> TeamCheck:
    eligible: list[MemberView] = []
    not_eligible: list[MemberView] = []
    unknown: list[str] = []
    for handle in handles:
        m = directory.member_by_handle(s, handle) if _HANDLE.match(handle) else None
        if m is None or not m.active:
            unknown.append(handle)
        elif not may_join_team(m):
            not_eligible.append(m)
        else:
            eligible.append(m)
    return TeamCheck(tuple(eligible), tuple(not_eligible), tuple(unknown))


def _is_operation_lead(member: MemberView) -> bool:
    try:
        check(member, Permission.MANAGE_OPERATIONS)
    except PermissionDenied:
        return False
    return True


def _require_team(s: Session, op: Operation, member: MemberView) -> None:
    """Details only to the team: on it, and (still) law enforcement or a prosecutor. The refusal
    is a ``PermissionDenied``, so the app audits it like every other refusal."""
    if not (on_team(s, op.id, member.id) and may_join_team(member)):
        raise PermissionDenied(
            Permission.VIEW_OPERATION_DETAILS,
            f"You are not on the team of {op.ref}. Its exact details are shared only with the law "
            "enforcement and prosecutors on the operation (need to know); an operation lead can add "
            f"you with `operation team {op.ref} add <your handle>`.",
        )


def _team_names(s: Session, op: Operation) -> list[str]:
    out = []
    for member_id in team_of(s, op.id):
        m = _member_view(s, member_id)
        if m is None:
            continue
        label = f"{m.display_name} ({m.handle}, {m.agency.name})"
        if member_id == op.lead_id:
            label += " — lead"
        if not may_join_team(m):
            label += " — no longer sees details (not an active law-enforcement or prosecutor member)"
        out.append(label)
    return out


def _bucket(ctx: Context, planned: datetime) -> tuple[datetime, datetime]:
    return alert_bucket(planned, _tz(ctx), _settings(ctx).alert_bucket_hours)


def _alert_due(bucket_end: datetime, hours: int, jitter_minutes: int) -> datetime:
    """Alert time: ``hours`` before the END of the operation's bucket (``alert_bucket_hours`` of
    the local day), plus an optional random delay. Never before the point (the operation is before
    the bucket's end), so "within the next 3 days" stays true; at most one bucket (plus the delay)
    after it. Computed from the bucket, not the exact time, this due time — in clear in
    ``scheduled_items``, and as the time the alert is sent, in the outbox, the notice and the audit
    row — tells someone reading the database no more than the bucket, as it tells the NGO no more
    than the bucket when the alert arrives."""
    cap = min(jitter_minutes, hours * 60 // 4)
    offset = secrets.randbelow(cap + 1) if cap > 0 else 0
    return bucket_end - timedelta(hours=hours) + timedelta(minutes=offset)


def _alert_key(op: Operation, hours: int) -> str:
    return f"operation:{op.id}:alert:{hours}"


def plan_alerts(s: Session, ctx: Context, op: Operation, planned: datetime) -> int:
    """(Re)plan the lead-time alerts for ``planned``. A point still ahead is planned (again, if it
    had already been sent for an earlier date: the NGO needs the countdown to the new date); a point
    already passed is cancelled and never sent late. "Ahead" and "passed" are judged on the
    bucket's alert time, not the exact point (see ``_alert_due``). Returns how many are pending."""
    cfg = _settings(ctx)
    now = ctx.now()
    _start, end = _bucket(ctx, planned)
    pending = 0
    for hours in cfg.alert_hours:
        key = _alert_key(op, hours)
        due = _alert_due(end, hours, cfg.alert_jitter_minutes)
        if end - timedelta(hours=hours) > now:
            replan(
                s,
                key=key,
                kind=JOB_ALERT,
                ref=op.ref,
                due_at=due,
                payload={"operation_id": op.id, "hours": hours},
            )
            pending += 1
        else:
            item = s.execute(select(ScheduledItem).where(ScheduledItem.key == key)).scalar_one_or_none()
            if item is not None and item.status == "pending":
                item.status = "cancelled"
    return pending


def send_notices(
    s: Session, ctx: Context, op: Operation, notice: NgoNotice, *, actor: str | None = None
) -> tuple[int, list[str]]:
    """Queue ``notice`` to every NGO contact of the operation's NGOs, each with an Acknowledge
    button and an acknowledgement deadline. Returns (notices queued, NGO keys without a contact)."""
    cfg = _settings(ctx)
    now = ctx.now()
    sent = 0
    missing: list[str] = []
    for key in op.ngo_keys:
        contacts = _contacts(s, key)
        if not contacts:
            missing.append(key)
            continue
        for person in contacts:
            if notice.kind != "update":
                # Older unacknowledged notices to this person carry a stale timeline: stop chasing them.
                for old in notices_of(s, op.id):
                    if old.recipient_id == person.id and old.acknowledged_at is None:
                        old.superseded = True
            row = OperationNotice(
                operation_id=op.id,
                kind=notice.kind,
                recipient_id=person.id,
                agency_key=key,
                body="",
                outbox_key="",
                created_at=now,
            )
            s.add(row)
            s.flush()
            row.body = build_ngo_notice(notice, row.id)
            row.outbox_key = f"operations:notice:{row.id}"
            queued = ctx.enqueue_dm(
                s,
                person,
                row.body,
                key=row.outbox_key,
                purpose=f"operations.{notice.kind}",
                buttons=[OutgoingButton(ACK_ACTION, "Acknowledge", str(row.id), "primary")],
            )
            if queued:
                schedule.schedule(
                    s,
                    key=f"operation:{op.id}:notice:{row.id}:ack1",
                    kind=JOB_ACK,
                    ref=f"notice:{row.id}",
                    due_at=now + timedelta(hours=cfg.ack_timeout_hours),
                    payload={"notice_id": row.id, "step": 1},
                )
                sent += 1
            ctx.audit(
                s,
                "operations.notice_sent",
                target=op.ref,
                actor=actor,
                detail={
                    "notice": row.id,
                    "kind": notice.kind,
                    "agency": key,
                    "to": f"member:{person.handle}",
                    "queued": queued,
                },
            )
    return sent, missing


def _timeline_notice(
    ctx: Context, op: Operation, kind: str, planned: datetime, *, with_estimate: bool
) -> NgoNotice:
    now = ctx.now()
    fields = (
        estimate_fields(Estimate.loads(op.estimate), _settings(ctx).estimate_spread) if with_estimate else {}
    )
    return NgoNotice(
        kind=kind,
        ref=op.ref,
        timeline=coarsen_timeline(planned, now, _tz(ctx)),
        lead_time=current_lead_time(_bucket(ctx, planned)[1], now, _settings(ctx).alert_hours),
        **fields,
    )


def _short_notice(ctx: Context, planned: datetime, now: datetime) -> bool:
    """Inside the agreed minimum notice, counted to the START of the operation's bucket: a little
    stricter than the exact time (it may warn up to one bucket early), and the warning — an audit
    row and an outbox row, in clear — says nothing about where in the bucket the operation is."""
    start, _end = _bucket(ctx, planned)
    return start - now < timedelta(hours=_settings(ctx).minimum_notice_hours)


def _warn_short_notice(s: Session, ctx: Context, op: Operation, lead: MemberView, what: str) -> None:
    cfg = _settings(ctx)
    agencies = {a.key: a.name for a in _ngo_agencies(s)}
    names = ", ".join(agencies.get(k, k) for k in op.ngo_keys) or "no NGO"
    for person in ctx.coordinators(s):
        ctx.enqueue_dm(
            s,
            person,
            f"{op.ref} was {what} by {lead.display_name} with less than the agreed "
            f"{cfg.minimum_notice_hours} hours' notice to {names}. Please check the NGO can still prepare.",
            key=f"operations:{op.id}:short-notice:{what}:{op.updated_at.isoformat()}:{person.handle}",
            purpose="operations.short_notice",
        )
    ctx.audit(s, "operations.short_notice", target=op.ref, detail={"what": what})


def _short_notice_text(ctx: Context) -> str:
    hours = _settings(ctx).minimum_notice_hours
    return (
        f"\n⚠️ This is inside the agreed minimum notice of {hours} hours for the NGO. "
        "The coordinator has been told; consider calling the NGO contact as well."
    )


def _missing_text(s: Session, missing: list[str]) -> str:
    if not missing:
        return ""
    names = {a.key: a.name for a in _ngo_agencies(s)}
    return (
        "\n⚠️ Nobody was notified at "
        + ", ".join(names.get(k, k) for k in missing)
        + ": it has no NGO contact in the directory. Ask the coordinator to add one."
    )


# -- the form -------------------------------------------------------------------------------------
def build_form(ctx: Context, user: UserRef, context: str = "") -> Form:
    with ctx.session() as s:
        ngos = _ngo_agencies(s)
    return Form(
        form_id=FORM_NEW,
        title="New operation",
        intro="Only the coarse timeline and the estimates below go to the NGO. The exact time, the "
        "location and the notes are seen only by the operation's team: you and the law enforcement "
        "and prosecutors you name.",
        fields=(
            FormField(
                "when",
                f"Planned date and time ({ctx.config.timezone}, e.g. 2026-03-31 18:30)",
                FieldKind.DATETIME,
                sensitive=True,
            ),
            FormField("victims", "Estimated victims (a number like 5, or a range like 4-6)", max_length=20),
            FormField(
                "genders", "Gender of victims", FieldKind.MULTI_CHOICE, required=False, choices=GENDERS
            ),
            FormField(
                "languages", "Languages (comma-separated, e.g. Spanish, Mam)", required=False, max_length=300
            ),
            FormField("minors", "Minors expected", FieldKind.CHOICE, required=False, choices=MINORS),
            FormField("needs", "Special needs", FieldKind.MULTI_CHOICE, required=False, choices=NEEDS),
            FormField(
                "ngos",
                "NGOs to notify (default: all)",
                FieldKind.MULTI_CHOICE,
                required=False,
                choices=tuple(Choice(a.key, a.name) for a in ngos),
            ),
            FormField(
                "location",
                "Location (never leaves law enforcement)",
                required=False,
                max_length=500,
                sensitive=True,
            ),
            FormField(
                "notes",
                "Target / tactical notes (never leave law enforcement)",
                FieldKind.LONG_TEXT,
                required=False,
                max_length=2000,
                sensitive=True,
            ),
            FormField(
                "team",
                "Team: who else sees the exact details (handles of law enforcement or prosecutors, "
                "e.g. dan, paula)",
                required=False,
                max_length=500,
            ),
        ),
        submit_label="Record operation",
    )


def _estimate_from(values: Mapping[str, Any], base: Estimate | None = None) -> Estimate:
    """Typed form values -> Estimate; raises FormInvalid naming each bad field."""
    errors: dict[str, str] = {}
    est = base or Estimate(0, 0)
    changes: dict[str, Any] = {}
    if "victims" in values and (base is None or values["victims"]):
        try:
            changes["victims_min"], changes["victims_max"] = parse_victims(str(values["victims"] or ""))
        except ValueError as exc:
            errors["victims"] = str(exc)
    if "languages" in values:
        try:
            changes["languages"] = parse_languages(values["languages"])
        except ValueError as exc:
            errors["languages"] = str(exc)
    if "genders" in values:
        changes["genders"] = tuple(dict.fromkeys(values["genders"] or ()))
    if "needs" in values:
        changes["needs"] = tuple(dict.fromkeys(values["needs"] or ()))
    if "minors" in values:
        changes["minors"] = values["minors"] or "unknown"
    if errors:
        raise FormInvalid(errors)
    return replace(est, **changes)


# -- flows ----------------------------------------------------------------------------------------
async def create_operation(ctx: Context, values: Mapping[str, Any]) -> None:
    lead = ctx.require(Permission.MANAGE_OPERATIONS)
    tz = _tz(ctx)
    planned = local_to_utc(values["when"], tz)
    if planned <= ctx.now():
        raise UserError("The planned date and time must be in the future.")
    # Languages are echoed in every NGO notice: no names or identifiers.
    await refuse_pii(ctx, "languages", "Languages", values.get("languages"))
    estimate = _estimate_from(values)
    with ctx.once("operation.new") as once:
        s = once.begin()
        team = check_team(s, [h for h in parse_handles(values.get("team") or "") if h != lead.handle])
        problem = team.problem()
        if problem is not None:
            raise FieldError("team", f"{problem} Nothing was recorded.")
        ngo_keys = [a.key for a in _ngo_agencies(s)]
        chosen = list(dict.fromkeys(values.get("ngos") or ngo_keys))
        now = ctx.now()
        op = Operation(
            number=next_reference(s, "operation"),
            lead_id=lead.id,
            status=ACTIVE,
            planned_at=planned.isoformat(),
            location=(values.get("location") or None),
            notes=(values.get("notes") or None),
            estimate=estimate.dumps(),
            ngo_keys=chosen,
            created_at=now,
            updated_at=now,
        )
        s.add(op)
        s.flush()
        for person in (lead, *team.eligible):
            add_to_team(s, op.id, person.id, now)
        ctx.audit(
            s,
            "operations.team_add",
            target=op.ref,
            detail={"members": [lead.handle, *(m.handle for m in team.eligible)]},
        )
        short = _short_notice(ctx, planned, now)
        alerts = plan_alerts(s, ctx, op, planned)
        notice = _timeline_notice(ctx, op, "initial", planned, with_estimate=True)
        sent, missing = send_notices(s, ctx, op, notice)
        ctx.audit(
            s,
            "operations.created",
            target=op.ref,
            detail={"ngos": len(chosen), "notices": sent, "alerts": alerts, "short_notice": short},
        )
        if short:
            _warn_short_notice(s, ctx, op, lead, "recorded")
        reply = (
            f"Recorded {op.ref}. {sent} NGO contact(s) notified; {alerts} lead-time alert(s) planned.\n"
            f"The NGO sees only this:\n\n{build_ngo_notice(notice)}"
            + (_short_notice_text(ctx) if short else "")
            + _missing_text(s, missing)
        )
        once.answer = reply
    ctx.kick_outbox()
    await ctx.answer(once)


async def show_operation(ctx: Context, ref: str) -> None:
    """Exact details, by DM only, to the operation's team: law enforcement and prosecutors
    (VIEW_OPERATION_DETAILS) who are on it. Being an operation lead is not enough."""
    member = ctx.require(Permission.VIEW_OPERATION_DETAILS)
    tz = _tz(ctx)
    with ctx.session() as s:
        op = _get_operation(s, ref)
        _require_team(s, op, member)
        planned = _planned(op)
        lead = s.get(Member, op.lead_id)
        est = Estimate.loads(op.estimate)
        local = planned.astimezone(tz)
        text = "\n".join(
            [
                f"*{op.ref}* ({op.status}) — lead {lead.display_name if lead else 'unknown'}",
                f"Planned: {local:%A %Y-%m-%d %H:%M %Z} ({ctx.config.timezone})",
                f"Location: {op.location or 'not recorded'}",
                f"Notes: {op.notes or 'none'}",
                f"Estimated victims: {_exact_count(est)}; gender: {_list(est.genders)}; "
                f"languages: {_list(est.languages)}; minors: {_LABELS.get(est.minors)}; "
                f"needs: {', '.join(est.needs) or 'none known'}",
                f"NGOs notified: {', '.join(op.ngo_keys) or 'none'}",
                f"Team: {'; '.join(_team_names(s, op))}",
                f"The NGO's timeline right now: {coarsen_timeline(planned, ctx.now(), tz)}",
            ]
        )
        ctx.audit(s, "operations.details_viewed", target=op.ref)
    if ctx.user is not None:
        await ctx.platform.send_dm(ctx.user, text)
    event_channel = getattr(ctx.event, "channel", None)
    if event_channel is not None and not event_channel.is_direct:
        await ctx.reply(f"I sent you the details of {op.ref} in a direct message.")


def _exact_count(est: Estimate) -> str:
    if est.victims_min == est.victims_max:
        return str(est.victims_min)
    return f"{est.victims_min}–{est.victims_max}"


def _delivery(s: Session, key: str) -> str:
    row = s.execute(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).scalar_one_or_none()
    if row is None:
        return "not sent (no account on this platform)"
    return {"sent": "delivered", "failed": "DELIVERY FAILED"}.get(row.status, "sending")


async def show_status(ctx: Context, ref: str) -> None:
    """Delivery and acknowledgement per NGO contact, for operation leads."""
    ctx.require(Permission.MANAGE_OPERATIONS)
    with ctx.session() as s:
        op = _get_operation(s, ref)
        names = {a.key: a.name for a in directory.all_agencies(s)}
        lines = [f"*{op.ref}* ({op.status}) — notices to NGO contacts:"]
        for n in notices_of(s, op.id):
            who = s.get(Member, n.recipient_id)
            state = (
                "acknowledged"
                if n.acknowledged_at
                else ("superseded" if n.superseded else "NOT acknowledged")
            )
            extra = []
            if n.resent_at:
                extra.append("re-sent")
            if n.escalated_at:
                extra.append("lead alerted")
            lines.append(
                f"• notice {n.id} ({n.kind}) to {who.display_name if who else '?'} "
                f"({names.get(n.agency_key, n.agency_key)}): {_delivery(s, n.outbox_key)}, {state}"
                + (f" ({', '.join(extra)})" if extra else "")
            )
        if len(lines) == 1:
            lines.append("none yet.")
        pending = s.execute(
            select(ScheduledItem).where(
                ScheduledItem.ref == op.ref,
                ScheduledItem.kind == JOB_ALERT,
                ScheduledItem.status == "pending",
            )
        ).scalars()
        hours = sorted((int(i.payload.get("hours", 0)) for i in pending), reverse=True)
        lines.append("Lead-time alerts still to go: " + (", ".join(f"{h} h" for h in hours) or "none"))
        ctx.audit(s, "operations.status_viewed", target=op.ref)
    await ctx.reply("\n".join(lines))


async def show_team(ctx: Context, ref: str) -> None:
    """Who is on the team: for its members and for operation leads (who change it)."""
    member = ctx.require(Permission.VIEW_OPERATION_DETAILS)
    with ctx.session() as s:
        op = _get_operation(s, ref)
        if not _is_operation_lead(member):
            _require_team(s, op, member)
        names = _team_names(s, op)
        ctx.audit(s, "operations.team_viewed", target=op.ref)
    await ctx.reply(
        f"Team of {op.ref} (they alone see its exact details):\n" + "\n".join(f"• {n}" for n in names)
    )


async def change_team(ctx: Context, ref: str, action: str, handles: Sequence[str]) -> None:
    """Add or remove team members (any operation lead). All or nothing: when one handle is refused,
    nobody is added or removed. Additions and removals are audited with handles only."""
    actor = ctx.require(Permission.MANAGE_OPERATIONS)
    if not handles:
        raise UserError(f"Name at least one member by handle: {slash_usage(TEAM_USAGE)}")
    if action == "add" and actor.handle in {h.lower() for h in handles}:
        # Need to know is decided by someone else: no lead puts themselves on another's operation.
        raise PermissionDenied(
            Permission.MANAGE_OPERATIONS,
            "Nobody can add themselves to an operation team; ask the operation's lead. Nothing was changed.",
        )
    refusal: str | None = None
    changed: list[MemberView] = []
    with ctx.once("operation.team") as once:
        s = once.begin()
        op = _get_operation(s, ref)
        now = ctx.now()
        if action == "add":
            team = check_team(s, handles)
            refusal = team.problem()
            if refusal is not None:
                # A lead trying to share details outside need to know is worth a record of its own.
                ctx.audit(
                    s,
                    "operations.team_add_refused",
                    target=op.ref,
                    detail={
                        "not_eligible": [m.handle for m in team.not_eligible],
                        "unknown": len(team.unknown),
                    },
                )
            else:
                added = [m for m in team.eligible if add_to_team(s, op.id, m.id, now)]
                changed = added
                already = [m for m in team.eligible if m not in added]
                if added:
                    ctx.audit(
                        s, "operations.team_add", target=op.ref, detail={"members": [m.handle for m in added]}
                    )
                reply = (
                    f"Added {', '.join(m.display_name for m in added)} to the team of {op.ref}: they can "
                    f"see its details with `operation show {op.ref}`."
                    if added
                    else f"Nobody was added to the team of {op.ref}."
                ) + (f" Already on it: {', '.join(m.display_name for m in already)}." if already else "")
        else:
            found = [directory.member_by_handle(s, h) if _HANDLE.match(h) else None for h in handles]
            unknown = [h for h, m in zip(handles, found, strict=True) if m is None]
            people = [m for m in found if m is not None]
            if unknown:
                refusal = "No directory member has the handle " + ", ".join(map(_named, unknown)) + "."
            elif any(m.id == op.lead_id for m in people):
                refusal = f"The lead of {op.ref} stays on its team."
            else:
                removed = [m for m in people if remove_from_team(s, op.id, m.id)]
                changed = removed
                absent = [m for m in people if m not in removed]
                if removed:
                    ctx.audit(
                        s,
                        "operations.team_remove",
                        target=op.ref,
                        detail={"members": [m.handle for m in removed]},
                    )
                reply = (
                    f"Removed {', '.join(m.display_name for m in removed)} from the team of {op.ref}: they "
                    "no longer see its details."
                    if removed
                    else f"Nobody was removed from the team of {op.ref}."
                ) + (f" Not on it: {', '.join(m.display_name for m in absent)}." if absent else "")
        if changed and actor.id != op.lead_id:
            _tell_lead_of_team_change(ctx, s, op, actor, action, changed)
        if refusal is None:
            once.answer = reply
        once.data["refusal"] = refusal  # the refusal of an add is recorded (audited): said again as it was
    refusal = once.data.get("refusal")
    if refusal is not None:
        raise UserError(f"{refusal} Nothing was changed.")
    ctx.kick_outbox()
    await ctx.answer(once)


def _tell_lead_of_team_change(
    ctx: Context, s: Session, op: Operation, actor: MemberView, action: str, people: Sequence[MemberView]
) -> None:
    """The operation's lead hears of every change to its team made by someone else (no team
    changes silently behind the lead's back)."""
    lead = _member_view(s, op.lead_id)
    who = ", ".join(f"{m.display_name} ({m.handle})" for m in people)
    text = (
        f"{actor.display_name} {'added' if action == 'add' else 'removed'} {who} "
        f"{'to' if action == 'add' else 'from'} the team of {op.ref}. "
        f"`/operation team {op.ref}` shows the team."
    )
    recipients = [lead] if lead is not None and lead.active else ctx.coordinators(s)
    for person in recipients:
        ctx.enqueue_dm(
            s,
            person,
            text,
            key=f"team:{op.id}:{action}:{now_key(ctx)}:{person.handle}",
            purpose="operations.team_changed",
        )


def now_key(ctx: Context) -> str:
    return ctx.once_stamp()


async def update_operation(ctx: Context, ref: str, raw: Mapping[str, str]) -> None:
    lead = ctx.require(Permission.MANAGE_OPERATIONS)
    unknown = sorted(set(raw) - set(UPDATABLE))
    if unknown or not raw:
        raise UserError("You can update: " + ", ".join(UPDATABLE) + ". Use postpone to change the date.")
    form = build_form(ctx, ctx.user or UserRef("console", "?"))
    partial = Form(
        form.form_id, form.title, tuple(replace(f, required=False) for f in form.fields if f.key in raw)
    )
    try:
        values = partial.validate(raw)
        await refuse_pii(ctx, "languages", "Languages", values.get("languages"))
        with ctx.once("operation.update") as once:
            s = once.begin()
            op = _get_operation(s, ref)
            _require_active(op)
            old = Estimate.loads(op.estimate)
            new = _estimate_from({k: v for k, v in values.items() if k in NGO_FIELDS}, base=old)
            cfg = _settings(ctx)
            old_f, new_f = (
                estimate_fields(old, cfg.estimate_spread),
                estimate_fields(new, cfg.estimate_spread),
            )
            changed = [k for k in NGO_FIELDS if old_f[k] != new_f[k]]
            detail_changed = [
                k for k in DETAIL_FIELDS if k in values and (values[k] or None) != getattr(op, k)
            ]
            if not changed and not detail_changed:
                raise UserError(f"Nothing changed in {op.ref}.")
            op.estimate = new.dumps()
            for k in detail_changed:
                setattr(op, k, values[k] or None)
            op.updated_at = ctx.now()
            sent, missing = 0, list[str]()
            notice_text = ""
            if changed:
                notice = NgoNotice(kind="update", ref=op.ref, **{k: new_f[k] for k in changed})
                sent, missing = send_notices(s, ctx, op, notice)
                notice_text = "\nThe NGO sees only this:\n\n" + build_ngo_notice(notice)
            ctx.audit(
                s,
                "operations.updated",
                target=op.ref,
                detail={"fields": changed + detail_changed, "notices": sent, "by": lead.handle},
            )
            reply = f"Updated {op.ref}." + (
                f" {sent} NGO contact(s) notified."
                if changed
                else " Nothing goes to the NGO for this change."
            )
            reply += notice_text + _missing_text(s, missing)
            once.answer = reply
    except FormInvalid as invalid:
        await ctx.reply("Please fix: " + "; ".join(f"{k}: {v}" for k, v in invalid.errors.items()))
        return
    ctx.kick_outbox()
    await ctx.answer(once)


async def postpone_operation(ctx: Context, ref: str, when_text: str) -> None:
    lead = ctx.require(Permission.MANAGE_OPERATIONS)
    new_planned = _parse_when(when_text, _tz(ctx))
    now = ctx.now()
    if new_planned <= now:
        raise UserError("The new date and time must be in the future.")
    with ctx.once("operation.postpone") as once:
        s = once.begin()
        op = _get_operation(s, ref)
        _require_active(op)
        old = _planned(op)
        if new_planned == old:
            raise UserError(f"{op.ref} is already planned for that time.")
        op.planned_at = new_planned.isoformat()
        op.updated_at = now
        alerts = plan_alerts(s, ctx, op, new_planned)
        supersede_open_notices(s, op.id)
        kind = "postponed" if new_planned > old else "moved_earlier"
        notice = _timeline_notice(ctx, op, kind, new_planned, with_estimate=False)
        sent, missing = send_notices(s, ctx, op, notice)
        # Moving an operation later only gives the NGO more time; moving it earlier into the agreed
        # minimum notice is what the lead and the coordinator must hear about.
        short = new_planned < old and _short_notice(ctx, new_planned, now)
        if short:
            _warn_short_notice(s, ctx, op, lead, "rescheduled")
        ctx.audit(
            s,
            "operations.postponed",
            target=op.ref,
            detail={"later": new_planned > old, "alerts": alerts, "notices": sent, "short_notice": short},
        )
        reply = (
            f"{op.ref} rescheduled; {sent} NGO contact(s) notified, {alerts} alert(s) planned.\n"
            f"The NGO sees only this:\n\n{build_ngo_notice(notice)}"
            + (_short_notice_text(ctx) if short else "")
            + _missing_text(s, missing)
        )
        once.answer = reply
    ctx.kick_outbox()
    await ctx.answer(once)


async def end_operation(ctx: Context, ref: str, outcome: str) -> None:
    """Cancel or conclude: stop every alert, tell the NGO, and (concluded) prompt the lead to debrief."""
    member = ctx.require(Permission.MANAGE_OPERATIONS)
    with ctx.once("operation.end") as once:
        s = once.begin()
        op = _get_operation(s, ref)
        _require_active(op)
        op.status = CANCELLED if outcome == "cancelled" else CONCLUDED
        op.updated_at = ctx.now()
        stopped = schedule.cancel(s, ref=op.ref, kinds=[JOB_ALERT])
        supersede_open_notices(s, op.id)
        sent, missing = send_notices(s, ctx, op, NgoNotice(kind=outcome, ref=op.ref))
        if outcome == "concluded":
            lead = _member_view(s, op.lead_id) or member
            ctx.enqueue_dm(
                s,
                lead,
                f"{op.ref} is concluded. Please hold a debrief with the NGO and the task force: what went "
                "well for the survivors, what to change next time (the guide lists debriefs of closed cases "
                "and lessons learned from operations as task-force meeting topics).",
                key=f"operations:{op.id}:debrief",
                purpose="operations.debrief",
            )
        ctx.audit(
            s, f"operations.{outcome}", target=op.ref, detail={"alerts_stopped": stopped, "notices": sent}
        )
        reply = (
            f"{op.ref} {outcome}. {stopped} pending alert(s) stopped; {sent} NGO contact(s) notified."
            + _missing_text(s, missing)
        )
        once.answer = reply
    ctx.kick_outbox()
    await ctx.answer(once)


async def list_operations(ctx: Context) -> None:
    ctx.require(Permission.VIEW_OPERATION_DETAILS)
    tz = _tz(ctx)
    with ctx.session() as s:
        ops = list(
            s.execute(
                select(Operation).where(Operation.status == ACTIVE).order_by(Operation.number)
            ).scalars()
        )
        lines = [f"• {op.ref}: {coarsen_timeline(_planned(op), ctx.now(), tz)}" for op in ops]
    await ctx.reply("Open operations:\n" + "\n".join(lines) if lines else "No open operations.")


# -- jobs -----------------------------------------------------------------------------------------
def run_alert(item: Any, s: Session, ctx: Context) -> None:
    op = s.get(Operation, int(item.payload.get("operation_id", 0)))
    if op is None or op.status != ACTIVE:
        return
    planned = _planned(op)
    now = ctx.now()
    hours = int(item.payload["hours"])
    if ctx.late_due_at is not None:
        # Due while the bot or database was down: still sent (never dropped), with a note that it
        # is late — but without the due time, which would reveal the operation's exact time.
        ctx.late_note_exact = False
        _tell_lead_alert_late(s, ctx, op, hours, planned <= now)
    notice = NgoNotice(
        kind="alert",
        ref=op.ref,
        timeline=coarsen_timeline(planned, now, _tz(ctx)),
        lead_time=lead_time_phrase(hours),
        **estimate_fields(Estimate.loads(op.estimate), _settings(ctx).estimate_spread),
    )
    sent, _missing = send_notices(s, ctx, op, notice)
    ctx.audit(s, "operations.alert_sent", target=op.ref, detail={"hours": hours, "notices": sent})


def _tell_lead_alert_late(s: Session, ctx: Context, op: Operation, hours: int, passed: bool) -> None:
    lead = _member_view(s, op.lead_id)
    due = ctx.late_due_at
    assert due is not None
    when = due.astimezone(_tz(ctx)).strftime("%a %d %b %H:%M %Z")
    what = (
        "The operation's planned time has passed as well; the NGOs were alerted now, late. Please reach "
        "them directly."
        if passed
        else "It has been sent to the NGOs now, marked as late."
    )
    if lead is not None:
        ctx.enqueue_dm(
            s,
            lead,
            f"The {hours}-hour NGO alert for {op.ref} was due at {when}, while the bot was unavailable. {what}",
            key=f"operation:{op.id}:alert-late:{hours}",
            purpose="operations.alert_late",
        )
    ctx.audit(s, "operations.alert_late", target=op.ref, detail={"hours": hours, "planned_passed": passed})


def run_ack_check(item: Any, s: Session, ctx: Context) -> None:
    notice = s.get(OperationNotice, int(item.payload.get("notice_id", 0)))
    if notice is None or notice.acknowledged_at is not None or notice.superseded:
        return
    ctx.late_note_exact = False  # a late resend to an NGO must not reveal when it was due
    op = s.get(Operation, notice.operation_id)
    person = _member_view(s, notice.recipient_id)
    if op is None or person is None:
        return
    now = ctx.now()
    if int(item.payload.get("step", 1)) == 1:
        ctx.enqueue_dm(
            s,
            person,
            "Reminder — not yet acknowledged:\n" + notice.body,
            key=f"{notice.outbox_key}:resend",
            purpose="operations.resend",
            buttons=[OutgoingButton(ACK_ACTION, "Acknowledge", str(notice.id), "primary")],
        )
        notice.resent_at = now
        schedule.schedule(
            s,
            key=f"operation:{op.id}:notice:{notice.id}:ack2",
            kind=JOB_ACK,
            ref=f"notice:{notice.id}",
            due_at=now + timedelta(hours=_settings(ctx).ack_timeout_hours),
            payload={"notice_id": notice.id, "step": 2},
        )
        ctx.audit(s, "operations.notice_resent", target=op.ref, detail={"notice": notice.id})
        return
    lead = _member_view(s, op.lead_id)
    agency = directory.agency_by_key(s, notice.agency_key)
    if lead is not None:
        ctx.enqueue_dm(
            s,
            lead,
            f"{agency.name if agency else notice.agency_key} has not acknowledged notice {notice.id} for "
            f"{op.ref} (sent to {person.display_name}), not even after a reminder. Do not assume they are "
            "ready: please reach them directly.",
            key=f"{notice.outbox_key}:escalate",
            purpose="operations.escalate",
        )
    notice.escalated_at = now
    ctx.audit(s, "operations.notice_escalated", target=op.ref, detail={"notice": notice.id})


# -- registration ---------------------------------------------------------------------------------
_REDACT_VERBS = {"new", "update", "postpone"}


def register(router: Router) -> None:
    router.settings("operations", OperationsSettings.from_mapping)
    router.job(JOB_ALERT)(run_alert)
    router.job(JOB_ACK)(run_ack_check)

    @router.command(
        "operation",
        summary="need-to-know operation notices to the NGO (operation leads)",
        usage=USAGE,
        subcommands=(
            "new",
            "show",
            "list",
            "team",
            "team add",
            "team remove",
            "status",
            "update",
            "postpone",
            "cancel",
            "conclude",
        ),
    )
    async def operation(event: CommandInvoked, ctx: Context) -> None:
        verb, _, rest = event.args.strip().partition(" ")
        verb, rest = verb.lower(), rest.strip()
        removed = (
            await ctx.remove_command_from_channel(event, "removed: operation details belong in a DM")
            if verb in _REDACT_VERBS and rest
            else None
        )
        if removed is not None:
            # Dates, places and notes typed in a group channel are removed at once (guide: any level
            # of disclosure "may compromise the operation or place individuals in harm's way").
            await ctx.reply(
                "I removed your command from the channel because it contained operation details."
                if removed
                else "Please delete your command from the channel: it contains operation details."
            )
        words = rest.split()
        ref = words[0] if words else ""
        if verb == "new":
            lead = ctx.require(Permission.MANAGE_OPERATIONS)
            if not rest:
                if ctx.user is None:
                    return
                await ctx.platform.open_form(
                    ctx.user, build_form(ctx, ctx.user), trigger=event.trigger, channel=event.channel
                )
                return
            pairs, extra = parse_key_values(rest)
            if extra:
                raise UserError('Give every field as key=value, e.g. when="2026-03-31 18:30" victims=4-6.')
            form = build_form(ctx, ctx.user or UserRef("console", lead.handle))
            try:
                values = form.validate(pairs)
                await create_operation(ctx, values)
            except FormInvalid as invalid:
                await ctx.reply("Please fix: " + "; ".join(f"{k}: {v}" for k, v in invalid.errors.items()))
        elif verb == "show":
            await show_operation(ctx, ref)
        elif verb == "team":
            action = words[1].lower() if len(words) > 1 else ""
            if not action:
                await show_team(ctx, ref)
            elif action in ("add", "remove"):
                await change_team(ctx, ref, action, parse_handles(" ".join(words[2:])))
            else:
                raise UserError(f"Usage: {slash_usage(TEAM_USAGE)}")
        elif verb == "status":
            await show_status(ctx, ref)
        elif verb == "update":
            pairs, _extra = parse_key_values(" ".join(words[1:]))
            await update_operation(ctx, ref, pairs)
        elif verb == "postpone":
            await postpone_operation(ctx, ref, " ".join(words[1:]))
        elif verb in ("cancel", "conclude"):
            await end_operation(ctx, ref, "cancelled" if verb == "cancel" else "concluded")
        elif verb == "list":
            await list_operations(ctx)
        else:
            raise UserError(f"Usage: {slash_usage(USAGE)}")

    @router.form(FORM_NEW, build=build_form)
    async def submitted(event: FormSubmitted, ctx: Context) -> None:
        try:
            await create_operation(ctx, event.values)
        except FormInvalid as invalid:
            await ctx.reply("Please fix: " + "; ".join(f"{k}: {v}" for k, v in invalid.errors.items()))

    @router.action("operations.", ids=(ACK_ACTION,))
    async def acknowledge(event: ButtonPressed, ctx: Context) -> None:
        member = ctx.require(Permission.RECEIVE_OPERATION_NOTICES)
        if event.action_id != ACK_ACTION or not event.value.isdigit():
            raise UserError("That button is no longer active.")
        with ctx.once("operation.ack") as once:
            s = once.begin()
            notice = s.get(OperationNotice, int(event.value))
            if notice is None or (
                notice.recipient_id != member.id and notice.agency_key != member.agency.key
            ):
                raise UserError("That notice is not addressed to you.")
            op = s.get(Operation, notice.operation_id)
            ref = op.ref if op else "?"
            if notice.acknowledged_at is not None:
                reply = f"Notice {notice.id} for {ref} was already acknowledged. Thank you."
            else:
                notice.acknowledged_at = ctx.now()
                notice.acknowledged_by = member.id
                schedule.cancel(s, ref=f"notice:{notice.id}", kinds=[JOB_ACK])
                ctx.audit(s, "operations.notice_acknowledged", target=ref, detail={"notice": notice.id})
                reply = f"Thank you — notice {notice.id} for {ref} is acknowledged."
            once.answer = reply
        await ctx.answer(once)

    @router.summary
    async def summary(ctx: Context) -> str:
        m = ctx.member
        if m is None:
            return ""
        parts: list[str] = []
        with ctx.session() as s:
            if "ngo_contact" in m.roles:
                open_notices = (
                    s.execute(
                        select(OperationNotice).where(
                            OperationNotice.recipient_id == m.id,
                            OperationNotice.acknowledged_at.is_(None),
                            OperationNotice.superseded.is_(False),
                        )
                    )
                    .scalars()
                    .all()
                )
                if open_notices:
                    parts.append(
                        f"Operation notices to acknowledge: {len(open_notices)} "
                        f"({', '.join('notice ' + str(n.id) for n in open_notices[:5])})"
                    )
            if "operation_lead" in m.roles:
                ops = (
                    s.execute(select(Operation).where(Operation.lead_id == m.id, Operation.status == ACTIVE))
                    .scalars()
                    .all()
                )
                for op in ops:
                    notices = [n for n in notices_of(s, op.id) if not n.superseded]
                    unacked = sum(1 for n in notices if n.acknowledged_at is None)
                    parts.append(
                        f"{op.ref}: {len(notices) - unacked} of {len(notices)} NGO notice(s) acknowledged"
                    )
        return "\n".join(parts)


__all__ = [
    "Estimate",
    "NgoNotice",
    "OperationsSettings",
    "build_ngo_notice",
    "coarsen_timeline",
    "current_lead_time",
    "lead_time_phrase",
    "parse_languages",
    "parse_victims",
    "register",
    "victim_range",
]
