"""``release``: the registry of releases of information and their expiry reminders.

A community-based caseworker "cannot share basic information without a release, such as whether a
specific victim has entered their program" (ECM guide, "Community-Based Caseworkers and Advocates —
In Practice"). A release "specifies what information will be shared, with whom, and for what
purpose" and "is always time limited" (ECM guide, "Releases of Information"); the victim "can
revoke their release of information at any given time" (ECM guide, "Maintaining Confidentiality
Basics — Before You Share"). So:

* ``/release new`` records one release: client reference (a pseudonym, never a name), the
  caseworker's own agency as releasing agency, one receiving agency, categories, scope, purpose,
  signed and expiry dates (a configurable maximum term);
* ``/release check <client-ref> <agency> [category]`` answers yes or no (and why), privately, and is
  audited;
* ``/release revoke R-12 [verbal]`` is honoured at once: pending reminders are cancelled and the
  receiving agency is told to stop sharing — with the release id and client reference only;
* ``/release renew R-12 <new expiry>`` records a successor release (R-13) for a newly signed
  consent; ``/release list`` shows the agency's releases with their status;
* reminders go to the owning caseworker before expiry; on expiry the receiving agency is told.

Reminders are ``ScheduledItem`` rows claimed by the sweep, and every message goes through the outbox
with an idempotency key, so each is sent exactly once across restarts and replicas.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.commands import slash_usage
from bot.context import Context
from bot.errors import FieldError, UserError
from bot.events import CommandInvoked, FormSubmitted
from bot.forms import Choice, FieldKind, Form, FormField, FormInvalid, parse_key_values
from bot.platform import UserRef
from bot.router import Router
from handlers.access import Permission
from handlers.free_text import refuse_pii
from storage import directory, schedule
from storage import releases as store
from storage.db import next_reference
from storage.directory import AgencyView, MemberView
from storage.models import Agency, Member, ScheduledItem
from storage.releases import ReleaseOfInformation

FEATURE = "releases"
FORM_ID = "releases.new"
JOB_REMIND = "releases.remind"
JOB_EXPIRED = "releases.expired"

USAGE = (
    "release new | release check <client-ref> <agency> [category] | release revoke <R-n> [verbal] | "
    "release renew <R-n> <new expiry YYYY-MM-DD> [signed=YYYY-MM-DD] | release list [agency] | "
    "release summary"
)

DEFAULT_CATEGORIES = (
    "service_participation",
    "contact_information",
    "immigration_status",
    "medical",
    "case_details",
)
DEFAULT_CLIENT_REF_PATTERN = r"^[A-Za-z]{1,4}-?\d{1,8}$"
# What a client reference must never be: the engine's labels for a person, or a way to reach them.
PII_LABELS = {"PERSON", "PHONE", "ADDRESS", "EMAIL", "SSN"}
_PII_WORDS = {
    "PERSON": "a person's name",
    "PHONE": "a phone number",
    "ADDRESS": "an address",
    "EMAIL": "an email address",
    "SSN": "a social security number",
}
MAX_CLIENT_REF = 40
LIST_LIMIT = 50


# -- configuration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseSettings:
    """``[releases]``. Every key has a default; unknown keys are errors."""

    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    max_term_days: int = 90
    reminder_days: tuple[int, ...] = (14, 3, 0)
    reminder_time: time = time(9, 0)
    expiring_within_days: int = 14
    client_ref_pattern: str = DEFAULT_CLIENT_REF_PATTERN

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any]) -> ReleaseSettings:
        known = {f.name for f in fields(cls)}
        for key in table:
            if key not in known:
                raise ValueError(f"releases.{key}: unknown key; expected one of {', '.join(sorted(known))}")
        out: dict[str, Any] = {}
        if "categories" in table:
            cats = table["categories"]
            if not isinstance(cats, list) or not cats:
                raise ValueError("releases.categories: a non-empty list of category names")
            for c in cats:
                if not isinstance(c, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", c):
                    raise ValueError("releases.categories: names are lower_case_words (a-z, 0-9, _)")
            if len(set(cats)) != len(cats):
                raise ValueError("releases.categories: a category is listed twice")
            out["categories"] = tuple(cats)
        for key, low, high in (("max_term_days", 1, 3650), ("expiring_within_days", 1, 365)):
            if key in table:
                out[key] = _int(table[key], key, low, high)
        if "reminder_days" in table:
            days = table["reminder_days"]
            if not isinstance(days, list):
                raise ValueError(
                    "releases.reminder_days: a list of whole days before expiry, e.g. [14, 3, 0]"
                )
            values = [_int(d, "reminder_days", 0, 365) for d in days]
            if len(set(values)) != len(values):
                raise ValueError("releases.reminder_days: a day is listed twice")
            out["reminder_days"] = tuple(sorted(values, reverse=True))
        if "reminder_time" in table:
            raw = table["reminder_time"]
            try:
                if not isinstance(raw, str) or not re.fullmatch(r"\d{1,2}:\d{2}", raw):
                    raise ValueError
                out["reminder_time"] = time.fromisoformat(raw.zfill(5))
            except ValueError:
                raise ValueError('releases.reminder_time: a local time like "09:00"') from None
        if "client_ref_pattern" in table:
            pattern = table["client_ref_pattern"]
            try:
                if not isinstance(pattern, str) or not pattern:
                    raise re.error("empty")
                re.compile(pattern)
            except re.error:
                raise ValueError("releases.client_ref_pattern: not a valid regular expression") from None
            out["client_ref_pattern"] = pattern
        return cls(**out)


def _int(value: Any, key: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"releases.{key}: a whole number from {low} to {high}")
    return value


def _settings(ctx: Context) -> ReleaseSettings:
    settings: ReleaseSettings = ctx.settings(FEATURE)
    return settings


def _label(category: str) -> str:
    return category.replace("_", " ")


# -- time --------------------------------------------------------------------------------------


def _tz(ctx: Context) -> ZoneInfo:
    return ctx.config.tz


def local_today(ctx: Context) -> date:
    return ctx.now().astimezone(_tz(ctx)).date()


def end_of(day: date, tz: ZoneInfo) -> datetime:
    """The instant a release whose last valid day is ``day`` stops being valid (local midnight)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)


def _local_date(when: datetime, tz: ZoneInfo) -> str:
    return when.astimezone(tz).date().isoformat()


# -- client references -------------------------------------------------------------------------


def normalise_client_ref(text: str) -> str:
    """``c-1187``, ``C 1187`` and ``C1187`` are the same client: upper case, no separators."""
    return re.sub(r"[\s\-_]", "", text).upper()


def client_hash(ctx: Context, text: str) -> str:
    # Namespaced so the same string hashed by another feature does not correlate with this one.
    return ctx.hasher(f"release-client:{normalise_client_ref(text)}")


def agencies_covered_for_client(ctx: Context, s: Session, client_ref: str) -> set[str]:
    """Agency keys that may hear about this client right now: the releasing agencies of its active
    releases and their receiving agencies. Empty when no active release is on record."""
    covered: set[str] = set()
    for release in store.active_for_client(s, client_hash(ctx, client_ref), ctx.now()):
        covered.add(_agency_view(s, release.releasing_agency_id).key)
        covered.add(_agency_view(s, release.receiving_agency_id).key)
    return covered


async def check_client_ref(ctx: Context, text: str) -> str:
    """Return the reference as stored (trimmed, upper case) or raise a ``UserError`` that explains
    why — without repeating what was typed (it may be a name)."""
    ref = text.strip().upper()
    if not ref:
        raise FieldError(
            "client", "The client reference is required (your agency's client number, like C-1187)."
        )
    if len(ref) > MAX_CLIENT_REF:
        raise FieldError(
            "client", "That client reference is too long. Use your agency's short client number, like C-1187."
        )
    labels = {f.label for f in await asyncio.to_thread(ctx.redactor.detect, text.strip())}
    found = [_PII_WORDS[label] for label in sorted(PII_LABELS & labels)]
    if found:
        raise FieldError(
            "client",
            f"I did not accept that client reference: it looks like {' and '.join(found)}. A release is "
            "recorded under a pseudonymous client number from your agency's own records (like C-1187), "
            "never a name or contact details, because anyone who sees the registry would learn that this "
            "person is a client. Nothing was stored.",
        )
    if not re.fullmatch(_settings(ctx).client_ref_pattern, ref):
        raise FieldError(
            "client",
            "That is not a client reference in the task force's format (letters, an optional hyphen and "
            "digits, like C-1187). Use the pseudonymous client number from your agency's records. "
            "Nothing was stored.",
        )
    return ref


# -- registration ------------------------------------------------------------------------------


def register(router: Router) -> None:
    router.settings(FEATURE, ReleaseSettings.from_mapping)

    @router.command(
        "release",
        summary="record, check, revoke and renew releases of information",
        usage=USAGE,
        subcommands=("new", "check", "revoke", "renew", "list", "summary"),
    )
    async def release(event: CommandInvoked, ctx: Context) -> None:
        pairs, words = parse_key_values(event.args)
        verb = words[0].lower() if words else ""
        rest = words[1:]
        if verb in ("new", "check") and (rest or pairs):
            # A client reference next to an agency, typed where others read it, already discloses that
            # the person is that agency's client (ECM guide: not even that without a release).
            removed = await ctx.remove_command_from_channel(event, "removed: release details belong in a DM")
            if removed is False:
                await ctx.reply("Please delete your command from the channel: it names a client reference.")
            elif removed:
                await ctx.reply("I removed your command from the channel: it named a client reference.")
        if verb == "new":
            await _new(event, ctx, pairs, rest)
        elif verb == "check":
            await _check(ctx, rest, pairs)
        elif verb == "revoke":
            await _revoke(ctx, rest, pairs)
        elif verb == "renew":
            await _renew(ctx, rest, pairs)
        elif verb == "list":
            await _list(ctx, rest, pairs)
        elif verb == "summary":
            ctx.require(Permission.USE_BOT)
            assert ctx.user is not None
            text = await summary_text(ctx)
            days = _settings(ctx).expiring_within_days
            await ctx.platform.send_dm(ctx.user, text or f"None of your releases expire within {days} days.")
        else:
            raise UserError(f"Usage: {slash_usage(USAGE)}")

    @router.form(FORM_ID, build=build_form)
    async def submitted(event: FormSubmitted, ctx: Context) -> None:
        await record_release(ctx, event.values)

    @router.job(JOB_REMIND)
    def remind(item: ScheduledItem, session: Session, ctx: Context) -> None:
        send_reminder(item, session, ctx)

    @router.job(JOB_EXPIRED)
    def expired(item: ScheduledItem, session: Session, ctx: Context) -> None:
        send_expiry_notices(item, session, ctx)

    @router.summary
    async def home(ctx: Context) -> str:
        return await summary_text(ctx)


# -- /release new ------------------------------------------------------------------------------


def build_form(ctx: Context, user: UserRef, context: str) -> Form:
    """The release form; the receiving agency is any agency but the caseworker's own."""
    with ctx.session() as s:
        agencies = directory.all_agencies(s)
    own = ctx.member.agency.key if ctx.member is not None else None
    settings = _settings(ctx)
    return Form(
        form_id=FORM_ID,
        title="Record a release of information",
        intro=(
            "Record a release the client signed. Use their pseudonymous client number (like C-1187), "
            "never their name. The releasing agency is yours."
        ),
        fields=(
            FormField(
                "client",
                "Client reference",
                help="Your agency's client number, like C-1187 — never a name",
                max_length=MAX_CLIENT_REF,
                sensitive=True,
            ),
            FormField(
                "agency",
                "Receiving agency",
                FieldKind.CHOICE,
                choices=tuple(Choice(a.key, a.key) for a in agencies if a.key != own),
                help="Who may receive the information (one agency per release)",
            ),
            FormField(
                "categories",
                "Categories of information",
                FieldKind.MULTI_CHOICE,
                choices=tuple(Choice(c, _label(c)) for c in settings.categories),
            ),
            FormField(
                "scope",
                "Scope (what exactly may be shared)",
                FieldKind.LONG_TEXT,
                required=False,
                max_length=1000,
                sensitive=True,
            ),
            FormField(
                "purpose",
                "Purpose",
                FieldKind.LONG_TEXT,
                max_length=500,
                sensitive=True,
                help="Why it is shared, as written on the release",
            ),
            FormField("signed", "Signed on", FieldKind.DATE, help="YYYY-MM-DD"),
            FormField(
                "expires",
                "Expires on (last valid day)",
                FieldKind.DATE,
                help=f"YYYY-MM-DD, at most {settings.max_term_days} days after signing",
            ),
        ),
        submit_label="Record release",
    )


async def _new(event: CommandInvoked, ctx: Context, pairs: dict[str, str], rest: Sequence[str]) -> None:
    ctx.require(Permission.MANAGE_RELEASES)
    assert ctx.user is not None
    form = build_form(ctx, ctx.user, "")
    if not pairs and not rest:
        await ctx.platform.open_form(ctx.user, form, trigger=event.trigger, channel=event.channel)
        return
    if rest:
        raise UserError(
            "I could not read that: give every answer as key=value and put values with spaces in quotes, "
            'e.g. purpose="coordination of care". Nothing was stored.'
        )
    try:
        values = form.validate(pairs)
    except FormInvalid as invalid:
        lines = "\n".join(f"• {key}: {message}" for key, message in invalid.errors.items())
        raise UserError(f"I could not record that release; nothing was stored.\n{lines}") from None
    await record_release(ctx, values)


def check_dates(ctx: Context, signed: date, expires: date) -> None:
    """Refuse dates that would make a release open-ended or meaningless (ECM guide, "Releases of
    Information": consent "is always time limited")."""
    max_term = _settings(ctx).max_term_days
    today = local_today(ctx)
    problems = []
    if signed > today:
        problems.append("the signing date is in the future")
    if expires <= signed:
        problems.append("the expiry date must be after the signing date")
    elif (expires - signed).days > max_term:
        problems.append(
            f"a release may last at most {max_term} days from signing (the task force's maximum term); "
            "the client can sign a new one later"
        )
    if expires < today:
        problems.append("the expiry date is already in the past")
    if problems:
        raise UserError("I could not record that release; nothing was stored: " + "; ".join(problems) + ".")


def _receiving_agency(ctx: Context, member: MemberView, receiving: str) -> AgencyView:
    with ctx.session() as s:
        agency = directory.agency_by_key(s, receiving)
        keys = [a.key for a in directory.all_agencies(s) if a.key != member.agency.key]
    if agency is None:
        raise FieldError(
            "agency", f"Unknown receiving agency. Agencies: {', '.join(keys)}. Nothing was stored."
        )
    if agency.id == member.agency.id:
        raise FieldError(
            "agency",
            "The receiving agency must be another agency (a release is needed to share outside yours). "
            "Nothing was stored.",
        )
    return agency


async def record_release(ctx: Context, values: Mapping[str, Any]) -> None:
    """Validate everything first, then store the release and plan its reminders in one transaction."""
    member = ctx.require(Permission.MANAGE_RELEASES)
    settings = _settings(ctx)
    client = await check_client_ref(ctx, str(values.get("client") or ""))
    receiving = _receiving_agency(ctx, member, str(values.get("agency") or ""))
    categories = list(dict.fromkeys(values.get("categories") or []))
    if not categories:
        raise UserError("Choose at least one category of information. Nothing was stored.")
    unknown = [c for c in categories if c not in settings.categories]
    if unknown:
        raise UserError(f"Categories are: {', '.join(settings.categories)}. Nothing was stored.")
    signed, expires = values.get("signed"), values.get("expires")
    if not isinstance(signed, date) or not isinstance(expires, date):
        raise UserError("The signing and expiry dates are required (YYYY-MM-DD). Nothing was stored.")
    check_dates(ctx, signed, expires)
    purpose = str(values.get("purpose") or "").strip()
    if not purpose:
        raise UserError("The purpose is required (as written on the release). Nothing was stored.")
    scope = str(values.get("scope") or "").strip() or None
    # Purpose and scope are echoed by /release check and /release list: no names or addresses.
    await refuse_pii(ctx, "purpose", "The purpose", purpose)
    await refuse_pii(ctx, "scope", "The scope", scope)

    tz = _tz(ctx)
    with ctx.once("release.new") as once:
        s = once.begin()
        number = next_reference(s, "release")
        release = ReleaseOfInformation(
            number=number,
            client_ref=client,
            client_hash=client_hash(ctx, client),
            releasing_agency_id=member.agency.id,
            receiving_agency_id=receiving.id,
            owner_id=member.id,
            categories=categories,
            scope=scope,
            purpose=purpose,
            signed_on=signed,
            expires_on=expires,
            expires_at=end_of(expires, tz),
            status=store.ACTIVE,
            created_at=ctx.now(),
        )
        s.add(release)
        s.flush()
        planned = plan_reminders(s, ctx, release)
        ctx.audit(
            s,
            "release.recorded",
            target=release.ref,
            detail={
                "to": receiving.key,
                "categories": categories,
                "term_days": (expires - signed).days,
                "reminders": planned,
            },
        )
        once.answer = (
            f"Recorded release {release_ref_text(number)}: {member.agency.name} may share "
            f"{', '.join(_label(c) for c in categories)} with {receiving.name} until {expires.isoformat()} "
            f"(end of day). I will remind you before it expires. Check it any time with "
            f"`/release check <client-ref> {receiving.key}`."
        )
    await ctx.answer(once)


def release_ref_text(number: int) -> str:
    return store.release_ref(number)


def reminder_plan(
    number: int, expires_on: date, expires_at: datetime, settings: ReleaseSettings, tz: ZoneInfo
) -> list[tuple[str, str, datetime, int | None]]:
    """(key, job kind, due at UTC, days before expiry) for one release: the owner's reminders
    ``reminder_days`` before the last valid day at ``reminder_time`` local, and the expiry notice at
    the moment it stops being valid."""
    plan: list[tuple[str, str, datetime, int | None]] = []
    for days in settings.reminder_days:
        due = datetime.combine(expires_on - timedelta(days=days), settings.reminder_time, tzinfo=tz)
        plan.append((f"release:{number}:remind:{days}", JOB_REMIND, due.astimezone(UTC), days))
    plan.append((f"release:{number}:expired", JOB_EXPIRED, expires_at, None))
    return plan


def plan_reminders(s: Session, ctx: Context, release: ReleaseOfInformation) -> int:
    """Schedule ``reminder_plan``; reminders whose time has already passed are skipped (a release
    recorded 5 days before expiry gets no 14-day reminder). Returns how many were planned."""
    now = ctx.now()
    planned = 0
    for key, kind, due_at, days in reminder_plan(
        release.number, release.expires_on, release.expires_at, _settings(ctx), _tz(ctx)
    ):
        if kind == JOB_REMIND and due_at <= now:
            continue
        payload: dict[str, Any] = {"release_id": release.id}
        if days is not None:
            payload["days"] = days
        schedule.schedule(s, key=key, kind=kind, ref=release.ref, due_at=due_at, payload=payload)
        planned += 1
    return planned


# -- jobs (run inside the sweep's transaction; they only write) ---------------------------------


def _agency_view(s: Session, agency_id: int) -> AgencyView:
    def load() -> AgencyView:
        a = s.get(Agency, agency_id)
        assert a is not None
        return AgencyView(a.id, a.key, a.name, a.kind)

    view: AgencyView = _cached(s, ("agency-id", agency_id), load)
    return view


def _release_for_item(s: Session, item: ScheduledItem) -> ReleaseOfInformation | None:
    """The release a due item is about. The first item of a sweep batch loads the releases of every
    release item the sweep has claimed in this transaction with one query (they are in the session's
    identity map), so a batch of 500 reminders costs one release query, not 500."""
    batch: dict[int, ReleaseOfInformation] = s.info.setdefault("releases.batch", {})
    release_id = int(item.payload["release_id"])
    if release_id not in batch:
        wanted = {release_id}
        for obj in list(s.identity_map.values()):
            if isinstance(obj, ScheduledItem) and obj.kind in (JOB_REMIND, JOB_EXPIRED):
                rid = obj.payload.get("release_id") if isinstance(obj.payload, dict) else None
                if isinstance(rid, int) and rid not in batch:
                    wanted.add(rid)
        for lo in range(0, len(wanted), 500):
            chunk = sorted(wanted)[lo : lo + 500]
            for r in s.execute(
                select(ReleaseOfInformation).where(ReleaseOfInformation.id.in_(chunk))
            ).scalars():
                batch[r.id] = r
    return batch.get(release_id)


def _cached(s: Session, key: tuple[str, int | str], load: Any) -> Any:
    """Directory lookups memoised for one transaction: a sweep runs hundreds of reminders for the
    same few caseworkers, and the directory cannot change under the sweep's transaction."""
    cache: dict[tuple[str, int | str], Any] = s.info.setdefault("releases.directory", {})
    if key not in cache:
        cache[key] = load()
    return cache[key]


def _member_by_id(s: Session, member_id: int) -> MemberView | None:
    def load() -> MemberView | None:
        handle = s.execute(select(Member.handle).where(Member.id == member_id)).scalar_one_or_none()
        return directory.member_by_handle(s, handle) if handle is not None else None

    result: MemberView | None = _cached(s, ("member", member_id), load)
    return result


def _agency_members(s: Session, agency_key: str) -> list[MemberView]:
    result: list[MemberView] = _cached(
        s, ("agency", agency_key), lambda: directory.members_of_agency(s, agency_key)
    )
    return result


def _owners(s: Session, release: ReleaseOfInformation) -> list[MemberView]:
    """The owning caseworker; if they left, the releasing agency's active members."""
    owner = _member_by_id(s, release.owner_id)
    if owner is not None and owner.active:
        return [owner]
    return _agency_members(s, _agency_view(s, release.releasing_agency_id).key)


def _when(days: int) -> str:
    return "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"


def send_reminder(item: ScheduledItem, s: Session, ctx: Context) -> None:
    release = _release_for_item(s, item)
    if release is None or release.status != store.ACTIVE:
        return  # revoked or renewed after planning: cancel() normally got there first
    days = int(item.payload["days"])
    receiving = _agency_view(s, release.receiving_agency_id)
    body = (
        f"Reminder: release {release.ref} (client {release.client_ref}, to {receiving.name}) expires "
        f"{_when(days)}, on {release.expires_on.isoformat()}. If the client wants sharing to continue, "
        f"ask them to sign a new release and record it with `/release renew {release.ref} <new expiry>`. "
        f"Otherwise nothing to do: I will tell {receiving.name} when it ends."
    )
    for person in _owners(s, release):
        ctx.enqueue_dm(s, person, body, key=f"{item.key}:{person.handle}", purpose="release.reminder")


def notice_text(release: ReleaseOfInformation) -> str:
    """The only thing the receiving agency is told: the release id and client reference."""
    return f"Release {release.ref} (client {release.client_ref}) is no longer valid; stop sharing under it."


def _notify_receiving(s: Session, ctx: Context, release: ReleaseOfInformation, why: str) -> int:
    receiving = _agency_view(s, release.receiving_agency_id)
    sent = 0
    for person in _agency_members(s, receiving.key):
        if ctx.enqueue_dm(
            s,
            person,
            notice_text(release),
            key=f"release:{release.number}:{why}:{person.handle}",
            purpose=f"release.{why}",
        ):
            sent += 1
    return sent


def send_expiry_notices(item: ScheduledItem, s: Session, ctx: Context) -> None:
    release = _release_for_item(s, item)
    if release is None or release.status != store.ACTIVE:
        return
    told = _notify_receiving(s, ctx, release, "expired")
    for person in _owners(s, release):
        ctx.enqueue_dm(
            s,
            person,
            f"Release {release.ref} (client {release.client_ref}) has expired. I told "
            f"{_agency_view(s, release.receiving_agency_id).name} to stop sharing under it.",
            key=f"release:{release.number}:expired-owner:{person.handle}",
            purpose="release.expired",
        )
    ctx.audit(s, "release.expired", target=release.ref, detail={"notified": told})


# -- /release check ------------------------------------------------------------------------------


def _category_arg(ctx: Context, text: str) -> str:
    wanted = text.strip().lower().replace("-", "_")
    cats = _settings(ctx).categories
    if wanted not in cats:
        raise UserError(f"Unknown category. Categories: {', '.join(cats)}.")
    return wanted


async def _check(ctx: Context, rest: Sequence[str], pairs: Mapping[str, str]) -> None:
    member = ctx.require(Permission.CHECK_RELEASES)
    if len(rest) not in (2, 3) or pairs:
        raise UserError("Usage: /release check <client-ref> <agency> [category]")
    client = await check_client_ref(ctx, rest[0])
    category = _category_arg(ctx, rest[2]) if len(rest) == 3 else None
    with ctx.session() as s:
        other = directory.agency_by_key(s, rest[1])
        if other is None:
            keys = ", ".join(a.key for a in directory.all_agencies(s) if a.key != member.agency.key)
            raise UserError(f"Unknown agency. Agencies: {keys}.")
        if other.id == member.agency.id:
            raise UserError("Name the other agency: a release is about sharing between two agencies.")
        hashed = client_hash(ctx, client)
        found = store.between(s, hashed, member.agency.id, other.id)
        code, text, target = answer(ctx, s, found, category, client)
        ctx.audit(
            s,
            "release.checked",
            target=target or f"client#{hashed[:12]}",
            detail={"result": code, "agency": other.key, "category": category},
        )
    await ctx.reply(text)


def answer(
    ctx: Context,
    s: Session,
    found: Sequence[ReleaseOfInformation],
    category: str | None,
    client: str,
) -> tuple[str, str, str | None]:
    """(result code, the member's answer, the release it is about) for a check."""
    tz = _tz(ctx)
    now = ctx.now()
    if not found:
        return (
            "none",
            "No — there is no release on record for that client between your agency and that agency. "
            "Without one, share nothing about them, not even whether they are a client.",
            None,
        )
    valid = [r for r in found if r.status == store.ACTIVE and r.expires_at > now]
    if valid:
        covering = [r for r in valid if category is None or category in r.categories]
        if not covering:
            covered = sorted({c for r in valid for c in r.categories})
            refs = ", ".join(r.ref for r in valid)
            return (
                "not_covered",
                f"No — {_label(category or '')} is not covered. The valid release on record ({refs}) "
                f"covers only: {', '.join(_label(c) for c in covered)}.",
                valid[0].ref,
            )
        lines = []
        for r in covering:
            a, b = _agency_view(s, r.releasing_agency_id), _agency_view(s, r.receiving_agency_id)
            lines.append(
                f"• {r.ref}: {a.name} → {b.name}; categories: {', '.join(_label(c) for c in r.categories)}; "
                f"valid until {r.expires_on.isoformat()} (end of day, {tz.key}); purpose: {r.purpose}"
            )
        head = f"Yes{' for ' + _label(category) if category else ''} — client {client}:"
        return "yes", "\n".join([head, *lines]), covering[0].ref

    def ended(r: ReleaseOfInformation) -> datetime:
        return r.revoked_at if r.status == store.REVOKED and r.revoked_at is not None else r.expires_at

    last = max(found, key=ended)
    if last.status == store.REVOKED and last.revoked_at is not None:
        return (
            "revoked",
            f"No — release {last.ref} was revoked on {_local_date(last.revoked_at, tz)}. Stop sharing "
            "under it; only a newly signed release allows sharing again.",
            last.ref,
        )
    return (
        "expired",
        f"No — release {last.ref} expired on {last.expires_on.isoformat()}. A newly signed release is "
        "needed before sharing again.",
        last.ref,
    )


# -- /release revoke, renew, list --------------------------------------------------------------------


def _release_for_owner_agency(
    s: Session, ctx: Context, member: MemberView, text: str
) -> ReleaseOfInformation:
    number = store.parse_release_ref(text)
    release = store.by_number(s, number) if number is not None else None
    # The same answer for "no such release" and "another agency's release": no probing.
    if release is None or (release.releasing_agency_id != member.agency.id and not member.has_role("admin")):
        raise UserError("No release with that reference belongs to your agency. `/release list` shows yours.")
    return release


async def _revoke(ctx: Context, rest: Sequence[str], pairs: Mapping[str, str]) -> None:
    """A withdrawal, written or verbal, is honoured at once (ECM guide, "Before You Share": the
    victim "can revoke their release of information at any given time")."""
    member = ctx.require(Permission.MANAGE_RELEASES)
    if not rest or len(rest) > 2 or pairs or (len(rest) == 2 and rest[1].lower() != "verbal"):
        raise UserError("Usage: /release revoke <R-n> [verbal]")
    verbal = len(rest) == 2
    tz = _tz(ctx)
    with ctx.once("release.revoke") as once:
        s = once.begin()
        release = _release_for_owner_agency(s, ctx, member, rest[0])
        if release.status == store.REVOKED and release.revoked_at is not None:
            raise UserError(f"{release.ref} was already revoked on {_local_date(release.revoked_at, tz)}.")
        if release.status == store.RENEWED and release.renewed_as_id is not None:
            successor = s.get(ReleaseOfInformation, release.renewed_as_id)
            raise UserError(
                f"{release.ref} was renewed as {successor.ref if successor else 'a newer release'}; "
                "revoke that one."
            )
        now = ctx.now()
        release.status = store.REVOKED
        release.revoked_at = now
        release.revoked_by_id = member.id
        release.revoked_verbally = verbal
        cancelled = schedule.cancel(s, ref=release.ref)
        told = _notify_receiving(s, ctx, release, "revoked")
        receiving = _agency_view(s, release.receiving_agency_id)
        if release.owner_id != member.id:
            for person in _owners(s, release):
                ctx.enqueue_dm(
                    s,
                    person,
                    f"Release {release.ref} (client {release.client_ref}) was revoked by "
                    f"{member.display_name}{' (verbal withdrawal)' if verbal else ''}.",
                    key=f"release:{release.number}:revoked-owner:{person.handle}",
                    purpose="release.revoked",
                )
        ctx.audit(
            s,
            "release.revoked",
            target=release.ref,
            detail={"verbal": verbal, "cancelled": cancelled, "notified": told},
        )
        stamp = now.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        once.answer = (
            f"{release.ref} is revoked as of {stamp} ({tz.key}), recorded by {member.display_name}"
            f"{' as a verbal withdrawal' if verbal else ''}. Pending reminders were cancelled and "
            f"{receiving.name} ({told} member{'s' if told != 1 else ''}) was told to stop sharing under it."
        )
    ctx.kick_outbox()
    await ctx.answer(once)


async def _renew(ctx: Context, rest: Sequence[str], pairs: Mapping[str, str]) -> None:
    """Renewal records a successor release (R-13) rather than extending R-12: the client signed a new
    consent, and the registry keeps when each one was signed and how long it ran."""
    member = ctx.require(Permission.MANAGE_RELEASES)
    usage = "Usage: /release renew <R-n> <new expiry YYYY-MM-DD> [signed=YYYY-MM-DD]"
    if len(rest) != 2 or set(pairs) - {"signed"}:
        raise UserError(usage)
    try:
        expires = date.fromisoformat(rest[1])
        signed = date.fromisoformat(pairs["signed"]) if "signed" in pairs else local_today(ctx)
    except ValueError:
        raise UserError(f"Dates look like 2026-05-01. {usage}") from None
    check_dates(ctx, signed, expires)
    tz = _tz(ctx)
    with ctx.once("release.renew") as once:
        s = once.begin()
        old = _release_for_owner_agency(s, ctx, member, rest[0])
        if old.status == store.REVOKED:
            raise UserError(
                f"{old.ref} was revoked: the client's withdrawal stands. If they sign a new release, "
                "record it with `/release new`."
            )
        if old.status == store.RENEWED and old.renewed_as_id is not None:
            successor = s.get(ReleaseOfInformation, old.renewed_as_id)
            raise UserError(
                f"{old.ref} was already renewed as {successor.ref if successor else 'a newer release'}; "
                "renew that one."
            )
        number = next_reference(s, "release")
        new = ReleaseOfInformation(
            number=number,
            client_ref=old.client_ref,
            client_hash=old.client_hash,
            releasing_agency_id=old.releasing_agency_id,
            receiving_agency_id=old.receiving_agency_id,
            owner_id=member.id,
            categories=list(old.categories),
            scope=old.scope,
            purpose=old.purpose,
            signed_on=signed,
            expires_on=expires,
            expires_at=end_of(expires, tz),
            status=store.ACTIVE,
            created_at=ctx.now(),
            renews_id=old.id,
        )
        s.add(new)
        s.flush()
        old.status = store.RENEWED
        old.renewed_as_id = new.id
        cancelled = schedule.cancel(s, ref=old.ref)
        planned = plan_reminders(s, ctx, new)
        ctx.audit(
            s,
            "release.renewed",
            target=old.ref,
            detail={"successor": new.ref, "cancelled": cancelled, "reminders": planned},
        )
        once.answer = (
            f"Renewed: {new.ref} replaces {old.ref} (same client, agency, categories and purpose), signed "
            f"{signed.isoformat()}, valid until {expires.isoformat()}. Reminders were re-planned."
        )
    await ctx.answer(once)


def status_of(release: ReleaseOfInformation, now: datetime, expiring_days: int) -> str:
    if release.status == store.REVOKED:
        return "Revoked"
    if release.status == store.RENEWED:
        return "Renewed"
    if release.expires_at <= now:
        return "Expired"
    if release.expires_at <= now + timedelta(days=expiring_days):
        return "Expiring"
    return "Active"


async def _list(ctx: Context, rest: Sequence[str], pairs: Mapping[str, str]) -> None:
    member = ctx.require(Permission.MANAGE_RELEASES)
    if len(rest) > 1 or pairs:
        raise UserError("Usage: /release list [agency]")
    settings = _settings(ctx)
    now = ctx.now()
    with ctx.session() as s:
        agency = member.agency
        if rest:
            found = directory.agency_by_key(s, rest[0])
            if found is None:
                raise UserError(
                    f"Unknown agency. Agencies: {', '.join(a.key for a in directory.all_agencies(s))}."
                )
            if found.id != member.agency.id:
                ctx.require(Permission.ADMIN)
            agency = found
        rows = store.of_agency(s, agency.id, limit=LIST_LIMIT)
        total = store.count_of_agency(s, agency.id)
        lines = []
        for r in rows:
            to = _agency_view(s, r.receiving_agency_id)
            lines.append(
                f"• {r.ref} — client {r.client_ref} → {to.key}; "
                f"{', '.join(_label(c) for c in r.categories)}; until {r.expires_on.isoformat()} — "
                f"{status_of(r, now, settings.expiring_within_days)}"
            )
        ctx.audit(s, "release.listed", target=f"agency:{agency.key}", detail={"shown": len(rows)})
    if not lines:
        await ctx.reply(f"{agency.name} has no releases on record.")
        return
    more = f"\n…and {total - len(rows)} older." if total > len(rows) else ""
    await ctx.reply(f"Releases of {agency.name}:\n" + "\n".join(lines) + more)


# -- summary -------------------------------------------------------------------------------------------


async def summary_text(ctx: Context) -> str:
    """The caseworker's own releases that stop being valid within ``expiring_within_days``."""
    if ctx.member is None:
        return ""
    days = _settings(ctx).expiring_within_days
    now = ctx.now()
    with ctx.session() as s:
        rows = store.expiring_for_owner(s, ctx.member.id, now, now + timedelta(days=days))
        lines = []
        for r in rows:
            to = _agency_view(s, r.receiving_agency_id)
            left = (r.expires_on - local_today(ctx)).days
            ends = f"{left} days left" if left > 1 else f"last day {_when(left)}"
            lines.append(
                f"• {r.ref} — client {r.client_ref} → {to.key}; until {r.expires_on.isoformat()} ({ends})"
            )
    if not lines:
        return ""
    return f"*Your releases expiring within {days} days*\n" + "\n".join(lines)
