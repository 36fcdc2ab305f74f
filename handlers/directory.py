"""``admin``: directory and channel-policy changes, for admins only, every change audited.

Identity (discipline, agency, platform ids) decides what a member may see — operation details go
to law enforcement and prosecutors only — so it is not editable by whoever holds admin:

* ``admin add`` creates a member, or updates an existing member's display name only;
* ``admin identity <handle> discipline=.. agency=.. slack_id=.. matrix_id=..`` asks for a change
  that a *second* admin approves (buttons, or ``admin approve IR-3``); the config file plus
  ``needtoknow directory sync`` is the other way;
* an approved change drops every role and operation-team place the old identity held, and tells
  the member, the coordinators and the leads of those operations.

Nobody grants themselves a role. A point-person handover tells the old and new point person and
the coordinators. Deactivation takes effect everywhere at once: roles, team places (leads told),
and queued messages to the member (tip deliveries re-routed to the point person or backup, the
rest cancelled).
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy.orm import Session

from bot.commands import slash_usage
from bot.config import DISCIPLINES, PII_POLICIES, ROLES, discipline_problem, role_problem
from bot.context import Context
from bot.errors import UserError
from bot.events import ButtonPressed, CommandInvoked
from bot.forms import parse_key_values
from bot.router import Router
from handlers.access import Permission, PermissionDenied
from storage import directory, outbox
from storage.directory import MemberView
from storage.models import IdentityChangeRequest
from storage.operations import ACTIVE, Operation, remove_from_all_teams
from storage.outbox import OutgoingButton

_HANDLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_REQUEST = re.compile(r"(?i)(?:IR-?)?(\d{1,9})")
IDENTITY_FIELDS = ("discipline", "agency", "slack_id", "matrix_id")
REQUEST_HOURS = 72  # an identity change nobody approved within three days lapses
APPROVE_ACTION = "directory.identity.approve"
REJECT_ACTION = "directory.identity.reject"
# Queued DMs that carry a tip to whoever handles tips: re-routed to the current point person (or
# backup) when their recipient is deactivated. Anything else queued for that member was about
# them personally and is cancelled.
TIP_HANDLER_PURPOSES = ("tips.route", "tips.escalate", "tips.ack_reminder")

SUBCOMMANDS = (
    "members",
    "channels",
    "grant",
    "revoke",
    "add",
    "identity",
    "requests",
    "approve",
    "reject",
    "deactivate",
    "channel",
    "policy",
)

USAGE = (
    "admin members | admin channels | admin grant <handle> <role> | admin revoke <handle> <role> | "
    "admin policy <#channel> <off|warn|redact|meeting> | "
    'admin add <handle> name="Full Name" agency=<key> discipline=<discipline> [slack_id=U..] [matrix_id=@..] | '
    "admin identity <handle> [discipline=..] [agency=..] [slack_id=..] [matrix_id=..] | "
    "admin requests | admin approve <IR-n> | admin reject <IR-n> | "
    "admin deactivate <handle> | admin channel <name> [slack_id=C..] [matrix_id=!..] [policy=warn]"
)


def register(router: Router) -> None:
    @router.command(
        "admin", summary="directory and channel policy (admins)", usage=USAGE, subcommands=SUBCOMMANDS
    )
    async def admin(event: CommandInvoked, ctx: Context) -> None:
        actor = ctx.require(Permission.ADMIN)
        words = event.args.split()
        if not words:
            raise UserError(f"Usage: {slash_usage(USAGE)}")
        verb, rest = words[0].lower(), words[1:]
        if verb == "members":
            await ctx.reply(_members_text(ctx))
        elif verb == "channels":
            with ctx.session() as s:
                chans = directory.all_channels(s)
            await ctx.reply(
                "\n".join(f"#{c.name}: PII policy {c.pii_policy}" for c in chans) or "No channels."
            )
        elif verb == "grant":
            await _grant(ctx, actor, rest)
        elif verb == "revoke":
            await _revoke(ctx, rest)
        elif verb == "add":
            await _add_member(ctx, event.args.partition(" ")[2])
        elif verb == "identity":
            await _request_identity_change(ctx, actor, event.args.partition(" ")[2])
        elif verb == "requests":
            await ctx.reply(_requests_text(ctx))
        elif verb in ("approve", "reject"):
            if len(rest) != 1:
                raise UserError(f"Usage: /admin {verb} <IR-n>")
            await decide_identity_change(ctx, actor, rest[0], approve=verb == "approve")
        elif verb == "deactivate":
            if len(rest) != 1:
                raise UserError("Usage: /admin deactivate <handle>")
            await _deactivate(ctx, actor, rest[0].lstrip("@").lower())
        elif verb == "channel":
            await _bind_channel(ctx, event.args.partition(" ")[2])
        elif verb == "policy":
            if len(rest) != 2 or rest[1].lower() not in PII_POLICIES:
                raise UserError(f"Usage: /admin policy <#channel> <{'|'.join(PII_POLICIES)}>")
            name, policy = rest[0].lstrip("#"), rest[1].lower()
            with ctx.once("directory.policy") as once:
                s = once.begin()
                if not directory.set_channel_policy(s, name, policy):
                    raise UserError("No channel with that name. `admin channels` lists them.")
                ctx.audit(s, "channel.policy", target=f"channel:{name}", detail={"policy": policy})
                once.answer = f"PII policy for #{name} is now {policy}."
            await ctx.answer(once)
        else:
            raise UserError(f"Usage: {slash_usage(USAGE)}")

    @router.action("directory.", ids=(APPROVE_ACTION, REJECT_ACTION))
    async def identity_button(event: ButtonPressed, ctx: Context) -> None:
        actor = ctx.require(Permission.ADMIN)
        if event.action_id not in (APPROVE_ACTION, REJECT_ACTION):
            raise UserError("That button is no longer active.")
        await decide_identity_change(ctx, actor, event.value, approve=event.action_id == APPROVE_ACTION)


# -- roles ----------------------------------------------------------------------------------------
def _refuse_self(actor: MemberView, handle: str, what: str) -> None:
    if actor.handle == handle:
        raise PermissionDenied(Permission.ADMIN, f"Nobody can {what} themselves; ask another admin.")


async def _grant(ctx: Context, actor: MemberView, rest: list[str]) -> None:
    if len(rest) != 2:
        raise UserError(f"Usage: /admin grant <handle> <role>; roles: {', '.join(ROLES)}")
    handle, role = rest[0].lstrip("@").lower(), rest[1].lower()
    if role not in ROLES:
        raise UserError(f"Unknown role. Roles: {', '.join(ROLES)}")
    _refuse_self(actor, handle, "grant a role to")
    with ctx.once("directory.grant") as once:
        s = once.begin()
        member = directory.member_by_handle(s, handle)
        if member is None or not member.active:
            raise UserError("No active member with that handle. `admin members` lists them.")
        misfit = role_problem(role, member.discipline, member.agency_type)
        if misfit:
            raise UserError(f"{member.display_name} cannot hold that role: {misfit}. Nothing was changed.")
        previous = directory.grant_role(s, handle, role) or []
        ctx.audit(
            s,
            "directory.role_grant",
            target=f"member:{handle}",
            detail={"role": role, "taken_from": previous},
        )
        if role in ("point_person", "backup_point_person"):
            _tell_handover(ctx, s, actor, role, previous, member)
        taken = f" (taken from {', '.join(previous)}, who has been told)" if previous else ""
        once.answer = f"Done: grant {role} to {handle}{taken}."
    ctx.directory_changed()
    ctx.kick_outbox()
    await ctx.answer(once)


def _tell_handover(
    ctx: Context, s: Session, actor: MemberView, role: str, previous: list[str], new: MemberView
) -> None:
    """A handover of the single point person (or backup) is never silent: the old and the new
    holder and the coordinators are told."""
    label = role.replace("_", " ")
    stamp = ctx.once_stamp()
    old_names = []
    for handle in previous:
        old = directory.member_by_handle(s, handle)
        if old is None:
            continue
        old_names.append(old.display_name)
        ctx.enqueue_dm(
            s,
            old,
            f"You are no longer the {label}: {actor.display_name} gave the role to {new.display_name}. "
            "New tips go to them.",
            key=f"handover:{role}:{stamp}:old:{handle}",
            purpose="directory.handover",
        )
    ctx.enqueue_dm(
        s,
        new,
        f"{actor.display_name} made you the {label}"
        + (f" (taking over from {', '.join(old_names)})" if old_names else "")
        + ". Tips come to you by DM; `/tip list` shows the open ones.",
        key=f"handover:{role}:{stamp}:new:{new.handle}",
        purpose="directory.handover",
    )
    for who in ctx.coordinators(s):
        if who.id in (new.id, actor.id):
            continue
        ctx.enqueue_dm(
            s,
            who,
            f"Handover: {new.display_name} is now the {label} "
            f"(before: {', '.join(old_names) or 'nobody'}), set by {actor.display_name}.",
            key=f"handover:{role}:{stamp}:coord:{who.handle}",
            purpose="directory.handover",
        )


async def _revoke(ctx: Context, rest: list[str]) -> None:
    if len(rest) != 2:
        raise UserError(f"Usage: /admin revoke <handle> <role>; roles: {', '.join(ROLES)}")
    handle, role = rest[0].lstrip("@").lower(), rest[1].lower()
    if role not in ROLES:
        raise UserError(f"Unknown role. Roles: {', '.join(ROLES)}")
    with ctx.once("directory.revoke") as once:
        s = once.begin()
        if not directory.revoke_role(s, handle, role):
            raise UserError("No member with that handle. `admin members` lists them.")
        ctx.audit(s, "directory.role_revoke", target=f"member:{handle}", detail={"role": role})
        member = directory.member_by_handle(s, handle)
        if member is not None and role in ("point_person", "backup_point_person"):
            for who in ctx.coordinators(s):
                ctx.enqueue_dm(
                    s,
                    who,
                    f"{member.display_name} is no longer the {role.replace('_', ' ')}.",
                    key=f"revoke:{role}:{ctx.once_stamp()}:{who.handle}",
                    purpose="directory.handover",
                )
        once.answer = f"Done: revoke {role} from {handle}."
    ctx.directory_changed()
    ctx.kick_outbox()
    await ctx.answer(once)


# -- members ----------------------------------------------------------------------------------------
def _fit_or_error(discipline: str, agency: directory.AgencyView) -> None:
    misfit = discipline_problem(discipline, agency.key, agency.kind)
    if misfit:
        raise UserError(f"That {misfit}. Nothing was changed.")


async def _add_member(ctx: Context, args: str) -> None:
    """Add a member, or update an existing member's display name. Directory names are staff, not
    victims, so they are stored in clear. An existing member's discipline, agency or platform ids
    are identity: ``admin identity`` (a second admin approves) changes them, never ``add``."""
    pairs, rest = parse_key_values(args)
    if len(rest) != 1 or not _HANDLE.fullmatch(rest[0]):
        raise UserError(
            'Usage: /admin add <handle> name="Full Name" agency=<key> discipline=<discipline> '
            "[slack_id=U..] [matrix_id=@..]  (handle: letters, digits, - or _)"
        )
    unknown = set(pairs) - {"name", "agency", "discipline", "slack_id", "matrix_id"}
    if unknown:
        raise UserError(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    handle = rest[0].lower()
    name = pairs.get("name", "").strip()
    if not name or len(name) > 200:
        raise UserError('name="Full Name" is required (at most 200 characters).')
    with ctx.once("directory.add") as once:
        s = once.begin()
        existing = directory.member_by_handle(s, handle)
        if existing is not None:
            changed = _identity_changes(existing, pairs)
            if changed:
                raise UserError(
                    f"{handle} is already in the directory; `admin add` does not change an existing "
                    f"member's {', '.join(changed)}. Ask for the change with `admin identity {handle} "
                    "...` (another admin approves it) or change the config file and run "
                    "`needtoknow directory sync`. Nothing was changed."
                )
            directory.upsert_member(
                s,
                handle=handle,
                display_name=name,
                agency_key=existing.agency.key,
                discipline=existing.discipline,
                roles=existing.roles,
                identities=list(existing.identities),
            )
            if existing.active:
                ctx.audit(s, "directory.member_renamed", target=f"member:{handle}")
                reply = f"Updated {handle}'s name. Discipline, agency and ids are unchanged."
            else:
                # A member who left and comes back, with the same identity and no roles.
                directory.reactivate_member(s, handle)
                ctx.audit(s, "directory.member_reactivated", target=f"member:{handle}")
                reply = (
                    f"Reactivated {handle} ({existing.agency.key}, {existing.discipline}) with no roles; "
                    "give roles with `admin grant`."
                )
        else:
            agency_key, discipline = pairs.get("agency", "").lower(), pairs.get("discipline", "")
            if discipline not in DISCIPLINES:
                raise UserError(f"discipline must be one of: {', '.join(DISCIPLINES)}.")
            agency = directory.agency_by_key(s, agency_key)
            if agency is None:
                keys = ", ".join(a.key for a in directory.all_agencies(s))
                raise UserError(f"agency must be one of: {keys}.")
            _fit_or_error(discipline, agency)
            idents = [("console", handle)]
            for platform in ("slack", "matrix"):
                ext = pairs.get(f"{platform}_id", "").strip()
                if ext:
                    other = directory.member_by_identity(s, platform, ext)
                    if other is not None:
                        raise UserError(f"That {platform} id already belongs to {other.handle}.")
                    idents.append((platform, ext))
            directory.upsert_member(
                s,
                handle=handle,
                display_name=name,
                agency_key=agency.key,
                discipline=discipline,
                roles=(),
                identities=idents,
            )
            ctx.audit(
                s,
                "directory.member_added",
                target=f"member:{handle}",
                detail={"agency": agency.key, "discipline": discipline},
            )
            reply = f"Added {handle} ({agency.key}, {discipline}). Give roles with `admin grant`."
        once.answer = reply
    ctx.directory_changed()
    await ctx.answer(once)


def _identity_changes(existing: MemberView, pairs: dict[str, str]) -> list[str]:
    """The identity fields in ``pairs`` that differ from the member's current identity."""
    current = {
        "discipline": existing.discipline,
        "agency": existing.agency.key,
        "slack_id": existing.identity("slack") or "",
        "matrix_id": existing.identity("matrix") or "",
    }
    return [f for f in IDENTITY_FIELDS if f in pairs and pairs[f].strip().lower() != current[f].lower()]


async def _request_identity_change(ctx: Context, actor: MemberView, args: str) -> None:
    pairs, rest = parse_key_values(args)
    if len(rest) != 1 or not pairs or set(pairs) - set(IDENTITY_FIELDS):
        raise UserError(
            "Usage: /admin identity <handle> [discipline=..] [agency=..] [slack_id=..] [matrix_id=..]"
        )
    handle = rest[0].lstrip("@").lower()
    with ctx.once("directory.identity") as once:
        s = once.begin()
        member = directory.member_by_handle(s, handle)
        if member is None or not member.active:
            raise UserError("No active member with that handle. `admin members` lists them.")
        changes = _validated_changes(s, member, pairs)
        now = ctx.now()
        req = directory.request_identity_change(
            s, member.id, actor.id, changes, now, now + timedelta(hours=REQUEST_HOURS)
        )
        ref = req.reference
        ctx.audit(
            s,
            "directory.identity_requested",
            target=f"member:{handle}",
            detail={"request": ref, "fields": sorted(changes)},
        )
        approvers = [a for a in directory.members_with_role(s, "admin") if a.id not in (actor.id, member.id)]
        text = _request_text(actor, member, changes, ref)
        for a in approvers:
            ctx.enqueue_dm(
                s,
                a,
                text + " A second admin must approve it.",
                key=f"identity:{req.id}:ask:{a.handle}",
                purpose="directory.identity_request",
                buttons=[
                    OutgoingButton(APPROVE_ACTION, "Approve", str(req.id), "primary"),
                    OutgoingButton(REJECT_ACTION, "Reject", str(req.id), "danger"),
                ],
            )
        once.answer = (
            f"Request {ref} is waiting for another admin's approval ({', '.join(a.handle for a in approvers)} "
            f"asked). It lapses after {REQUEST_HOURS} hours. Nothing has changed yet."
            if approvers
            else f"Request {ref} is recorded, but there is no other admin to approve it. Change the config "
            "file and run `needtoknow directory sync` instead."
        )
    ctx.kick_outbox()
    await ctx.answer(once)


def _validated_changes(s: Session, member: MemberView, pairs: dict[str, str]) -> dict[str, str]:
    changes = {k: v.strip() for k, v in pairs.items() if k in _identity_changes(member, pairs)}
    if not changes:
        raise UserError("That is already their identity. Nothing was changed.")
    discipline = changes.get("discipline", member.discipline)
    if discipline not in DISCIPLINES:
        raise UserError(f"discipline must be one of: {', '.join(DISCIPLINES)}.")
    agency = directory.agency_by_key(s, changes.get("agency", member.agency.key).lower())
    if agency is None:
        keys = ", ".join(a.key for a in directory.all_agencies(s))
        raise UserError(f"agency must be one of: {keys}.")
    if "agency" in changes:
        changes["agency"] = agency.key
    _fit_or_error(discipline, agency)
    for platform in ("slack", "matrix"):
        ext = changes.get(f"{platform}_id")
        if ext:
            other = directory.member_by_identity(s, platform, ext)
            if other is not None and other.id != member.id:
                raise UserError(f"That {platform} id already belongs to {other.handle}.")
    return changes


def _request_text(actor: MemberView, member: MemberView, changes: dict[str, str], ref: str) -> str:
    shown = ", ".join(f"{k} {v!s}" for k, v in sorted(changes.items()))
    return (
        f"Identity change {ref}: {actor.display_name} asks to change {member.display_name} "
        f"({member.handle}; now {member.agency.key}, {member.discipline}) to {shown}. Approving drops "
        "every role and operation-team place they hold; an admin grants roles again afterwards."
    )


def _requests_text(ctx: Context) -> str:
    with ctx.session() as s:
        reqs = directory.pending_identity_requests(s)
        lines = []
        for r in reqs:
            m = directory.member_by_id(s, r.member_id)
            by = directory.member_by_id(s, r.requested_by_id)
            fields = ", ".join(f"{k}={v}" for k, v in sorted(r.changes.items()))
            lines.append(
                f"{r.reference}: {m.handle if m else '?'} -> {fields} (asked by {by.handle if by else '?'})"
            )
    return "\n".join(lines) or "No identity changes are waiting."


async def decide_identity_change(ctx: Context, actor: MemberView, ref_text: str, *, approve: bool) -> None:
    """A second admin approves or rejects. The requester and the member concerned cannot approve;
    a lapsed or decided request cannot be decided again."""
    found = _REQUEST.fullmatch(ref_text.strip())
    if found is None:
        raise UserError("Identity change requests look like IR-3. `admin requests` lists them.")
    with ctx.once("directory.decide") as once:
        s = once.begin()
        req = directory.identity_request(s, int(found.group(1)))
        if req is None:
            raise UserError("There is no such identity change request. `admin requests` lists them.")
        if req.status != "pending":
            raise UserError(f"{req.reference} is already {req.status}.")
        if ctx.now() >= req.expires_at:
            req.status = "expired"
            ctx.audit(s, "directory.identity_expired", target=req.reference)
            expired = True
        else:
            expired = False
            if approve and actor.id in (req.requested_by_id, req.member_id):
                raise PermissionDenied(
                    Permission.ADMIN,
                    "A second admin must approve an identity change: not the admin who asked for it, "
                    "and not the member it is about.",
                )
            req.status = "approved" if approve else "rejected"
            req.decided_by_id, req.decided_at = actor.id, ctx.now()
            ref = req.reference
            if approve:
                summary = _apply_identity_change(ctx, s, actor, req)
            else:
                ctx.audit(s, "directory.identity_rejected", target=ref)
                summary = f"{ref} is rejected; nothing changed."
                requester = directory.member_by_id(s, req.requested_by_id)
                if requester is not None and requester.id != actor.id:
                    ctx.enqueue_dm(
                        s,
                        requester,
                        f"{actor.display_name} rejected identity change {ref}.",
                        key=f"identity:{req.id}:rejected",
                        purpose="directory.identity_request",
                    )
        once.data["expired"] = expired  # the lapse is recorded (audited): said again as it was
        if not expired:
            once.answer = summary
    if once.data.get("expired"):
        raise UserError(f"That request lapsed ({REQUEST_HOURS} hours without approval); ask again.")
    ctx.directory_changed()
    ctx.kick_outbox()
    await ctx.answer(once)


def _apply_identity_change(ctx: Context, s: Session, actor: MemberView, req: IdentityChangeRequest) -> str:
    before = directory.member_by_id(s, req.member_id)
    if before is None:
        raise UserError("That member is no longer in the directory.")
    # Re-check against the directory as it is now (an agency may have changed type since).
    changes = _validated_changes(s, before, dict(req.changes))
    dropped = directory.change_identity(
        s,
        before.handle,
        discipline=changes.get("discipline"),
        agency_key=changes.get("agency"),
        identities={p: changes[f"{p}_id"] for p in ("slack", "matrix") if f"{p}_id" in changes},
    )
    ops = remove_from_all_teams(s, before.id)
    after = directory.member_by_id(s, req.member_id)
    assert after is not None
    ctx.audit(
        s,
        "directory.identity_changed",
        target=f"member:{before.handle}",
        detail={
            "request": req.reference,
            "fields": sorted(changes),
            "roles_dropped": dropped,
            "teams_left": [op.ref for op in ops],
        },
    )
    _tell_team_leads(ctx, s, before, ops, "their discipline or agency changed")
    lost = f"Roles dropped: {', '.join(dropped) or 'none'}; team places dropped: {', '.join(o.ref for o in ops) or 'none'}."
    note = (
        f"Your directory identity changed ({req.reference}, approved by {actor.display_name}): now "
        f"{after.agency.name}, {after.discipline.replace('_', ' ')}. {lost}"
    )
    ctx.enqueue_dm(s, after, note, key=f"identity:{req.id}:member", purpose="directory.identity_changed")
    for who in [
        *ctx.coordinators(s),
        *([m] if (m := directory.member_by_id(s, req.requested_by_id)) else []),
    ]:
        if who.id in (actor.id, after.id):
            continue
        ctx.enqueue_dm(
            s,
            who,
            f"Identity change {req.reference} for {after.display_name} was approved by "
            f"{actor.display_name}. {lost}",
            key=f"identity:{req.id}:tell:{who.handle}",
            purpose="directory.identity_changed",
        )
    return f"Approved {req.reference}: {after.handle} is now {after.agency.key}, {after.discipline}. {lost}"


def _tell_team_leads(ctx: Context, s: Session, member: MemberView, ops: list[Operation], why: str) -> None:
    """The lead of every active operation a member left is told (or the coordinators when the
    member was the lead)."""
    for op in ops:
        if op.status != ACTIVE:
            continue
        lead = directory.member_by_id(s, op.lead_id)
        text = f"{member.display_name} was taken off the team of {op.ref} because {why}."
        recipients = (
            [lead] if lead is not None and lead.active and lead.id != member.id else ctx.coordinators(s)
        )
        for who in recipients:
            ctx.enqueue_dm(
                s,
                who,
                text + ("" if who is lead else f" They were its lead: {op.ref} needs a new lead."),
                key=f"team-left:{op.id}:{member.id}:{ctx.once_stamp()}:{who.handle}",
                purpose="operations.team_changed",
            )


async def _deactivate(ctx: Context, actor: MemberView, handle: str) -> None:
    with ctx.once("directory.deactivate") as once:
        s = once.begin()
        member = directory.member_by_handle(s, handle)
        roles = directory.deactivate_member(s, handle)
        if member is None or roles is None:
            raise UserError("No member with that handle. `admin members` lists them.")
        ops = remove_from_all_teams(s, member.id)
        rerouted, cancelled = _reroute_queue(ctx, s, member)
        ctx.audit(
            s,
            "directory.member_deactivated",
            target=f"member:{handle}",
            detail={
                "roles": roles,
                "teams_left": [op.ref for op in ops],
                "rerouted": rerouted,
                "cancelled": cancelled,
            },
        )
        _tell_team_leads(ctx, s, member, ops, "they were deactivated")
        if {"point_person", "backup_point_person"} & set(roles):
            for who in ctx.coordinators(s):
                if who.id == actor.id:
                    continue
                ctx.enqueue_dm(
                    s,
                    who,
                    f"{member.display_name} was deactivated by {actor.display_name} and no longer holds "
                    f"{', '.join(r.replace('_', ' ') for r in roles)}. Tips queued for them went to "
                    "the point person (or backup).",
                    key=f"deactivated:{member.id}:{ctx.once_stamp()}:{who.handle}",
                    purpose="directory.handover",
                )
        once.answer = (
            f"{handle} is deactivated: the bot no longer acts for them, their roles "
            f"({', '.join(roles) or 'none'}) and team places ({', '.join(o.ref for o in ops) or 'none'}) are "
            f"removed; {rerouted} queued tip message(s) re-routed, {cancelled} other queued message(s) "
            "cancelled."
        )
    ctx.directory_changed()
    ctx.kick_outbox()
    await ctx.answer(once)


def _reroute_queue(ctx: Context, s: Session, member: MemberView) -> tuple[int, int]:
    """Messages queued for a member who is now deactivated: tip deliveries go to whoever handles
    tips now (point person, else backup; never the deactivated member), everything else is
    cancelled. Returns (re-routed, cancelled)."""
    recipients = {f"{p}:{ext}" for p, ext in member.identities}
    rows = outbox.pending_for(s, recipients)
    handlers = [
        m
        for role in ("point_person", "backup_point_person")
        for m in directory.members_with_role(s, role)
        if m.id != member.id
    ]
    target = next((ref for m in handlers if (ref := ctx.user_ref(m)) is not None), None)
    rerouted = cancelled = 0
    for row in rows:
        if row.purpose in TIP_HANDLER_PURPOSES and target is not None:
            row.recipient = str(target)
            rerouted += 1
        else:
            row.status = "cancelled"
            row.last_error = "recipient deactivated"
            cancelled += 1
    s.flush()
    return rerouted, cancelled


async def _bind_channel(ctx: Context, args: str) -> None:
    pairs, rest = parse_key_values(args)
    if len(rest) != 1:
        raise UserError("Usage: /admin channel <name> [slack_id=C..] [matrix_id=!..] [policy=warn]")
    name = rest[0].lstrip("#").lower()
    policy = pairs.get("policy", "").lower()
    if policy and policy not in PII_POLICIES:
        raise UserError(f"policy must be one of: {', '.join(PII_POLICIES)}.")
    with ctx.once("directory.channel") as once:
        s = once.begin()
        current = directory.channel_by_name(s, name)
        idents = [("console", name)] + [
            (p, pairs[f"{p}_id"]) for p in ("slack", "matrix") if pairs.get(f"{p}_id")
        ]
        for platform, ext in idents:
            other = directory.channel_by_identity(s, platform, ext)
            if other is not None and other.name != name:
                raise UserError(f"That {platform} id already belongs to #{other.name}.")
        directory.upsert_channel(
            s,
            name=name,
            pii_policy=policy or (current.pii_policy if current else "warn"),
            agreement=current.agreement if current else None,
            identities=idents,
        )
        ctx.audit(s, "channel.bound", target=f"channel:{name}", detail={"policy": policy or "unchanged"})
        once.answer = (
            f"#{name} is known to the bot (PII policy {policy or (current.pii_policy if current else 'warn')})."
        )
    await ctx.answer(once)


def _members_text(ctx: Context) -> str:
    with ctx.session() as s:
        members = directory.all_members(s)
    lines = []
    for m in members:
        roles = ", ".join(sorted(m.roles)) or "-"
        state = "" if m.active else " (deactivated)"
        lines.append(f"{m.handle}: {m.display_name} — {m.agency.key}, {m.discipline}; roles: {roles}{state}")
    return "\n".join(lines) or "The directory is empty."
