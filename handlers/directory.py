"""``admin``: directory and channel-policy changes, for admins only, every change audited."""

from __future__ import annotations

import re

from bot.config import DISCIPLINES, PII_POLICIES, ROLES
from bot.context import Context
from bot.errors import UserError
from bot.events import CommandInvoked
from bot.forms import parse_key_values
from bot.router import Router
from handlers.access import Permission
from storage import directory

_HANDLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")

USAGE = (
    "admin members | admin channels | admin grant <handle> <role> | admin revoke <handle> <role> | "
    "admin policy <#channel> <off|warn|redact|meeting> | "
    'admin add <handle> name="Full Name" agency=<key> discipline=<discipline> [slack_id=U..] [matrix_id=@..] | '
    "admin deactivate <handle> | admin channel <name> [slack_id=C..] [matrix_id=!..] [policy=warn]"
)


def register(router: Router) -> None:
    @router.command("admin", summary="directory and channel policy (admins)", usage=USAGE)
    async def admin(event: CommandInvoked, ctx: Context) -> None:
        ctx.require(Permission.ADMIN)
        words = event.args.split()
        if not words:
            raise UserError(f"Usage: {USAGE}")
        verb, rest = words[0].lower(), words[1:]
        if verb == "members":
            await ctx.reply(_members_text(ctx))
        elif verb == "channels":
            with ctx.session() as s:
                chans = directory.all_channels(s)
            await ctx.reply(
                "\n".join(f"#{c.name}: PII policy {c.pii_policy}" for c in chans) or "No channels."
            )
        elif verb in ("grant", "revoke"):
            if len(rest) != 2:
                raise UserError(f"Usage: admin {verb} <handle> <role>; roles: {', '.join(ROLES)}")
            handle, role = rest[0].lstrip("@"), rest[1].lower()
            if role not in ROLES:
                raise UserError(f"Unknown role. Roles: {', '.join(ROLES)}")
            with ctx.session() as s:
                ok = (directory.grant_role if verb == "grant" else directory.revoke_role)(s, handle, role)
                if not ok:
                    raise UserError("No member with that handle. `admin members` lists them.")
                ctx.audit(s, f"directory.role_{verb}", target=f"member:{handle}", detail={"role": role})
            ctx.directory_changed()
            await ctx.reply(f"Done: {verb} {role} {'to' if verb == 'grant' else 'from'} {handle}.")
        elif verb == "add":
            await _add_member(ctx, event.args.partition(" ")[2])
        elif verb == "deactivate":
            if len(rest) != 1:
                raise UserError("Usage: admin deactivate <handle>")
            handle = rest[0].lstrip("@")
            with ctx.session() as s:
                if not directory.deactivate_member(s, handle):
                    raise UserError("No member with that handle. `admin members` lists them.")
                ctx.audit(s, "directory.member_deactivated", target=f"member:{handle}")
            ctx.directory_changed()
            await ctx.reply(
                f"{handle} is deactivated: the bot no longer acts for them and their roles are removed."
            )
        elif verb == "channel":
            await _bind_channel(ctx, event.args.partition(" ")[2])
        elif verb == "policy":
            if len(rest) != 2 or rest[1].lower() not in PII_POLICIES:
                raise UserError(f"Usage: admin policy <#channel> <{'|'.join(PII_POLICIES)}>")
            name, policy = rest[0].lstrip("#"), rest[1].lower()
            with ctx.session() as s:
                if not directory.set_channel_policy(s, name, policy):
                    raise UserError("No channel with that name. `admin channels` lists them.")
                ctx.audit(s, "channel.policy", target=f"channel:{name}", detail={"policy": policy})
            await ctx.reply(f"PII policy for #{name} is now {policy}.")
        else:
            raise UserError(f"Usage: {USAGE}")


async def _add_member(ctx: Context, args: str) -> None:
    """Add (or update) a member; directory names are staff, not victims, so they are stored in clear."""
    pairs, rest = parse_key_values(args)
    if len(rest) != 1 or not _HANDLE.fullmatch(rest[0]):
        raise UserError(
            'Usage: admin add <handle> name="Full Name" agency=<key> discipline=<discipline> '
            "[slack_id=U..] [matrix_id=@..]  (handle: letters, digits, - or _)"
        )
    unknown = set(pairs) - {"name", "agency", "discipline", "slack_id", "matrix_id"}
    if unknown:
        raise UserError(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    handle = rest[0].lower()
    name, agency, discipline = (
        pairs.get("name", "").strip(),
        pairs.get("agency", "").lower(),
        pairs.get("discipline", ""),
    )
    if not name or len(name) > 200:
        raise UserError('name="Full Name" is required (at most 200 characters).')
    if discipline not in DISCIPLINES:
        raise UserError(f"discipline must be one of: {', '.join(DISCIPLINES)}.")
    with ctx.session() as s:
        if directory.agency_by_key(s, agency) is None:
            keys = ", ".join(a.key for a in directory.all_agencies(s))
            raise UserError(f"agency must be one of: {keys}.")
        existing = directory.member_by_handle(s, handle)
        idents = [("console", handle)]
        for platform in ("slack", "matrix"):
            ext = pairs.get(f"{platform}_id", "").strip() or (
                existing.identity(platform) if existing else None
            )
            if ext:
                other = directory.member_by_identity(s, platform, ext)
                if other is not None and other.handle != handle:
                    raise UserError(f"That {platform} id already belongs to {other.handle}.")
                idents.append((platform, ext))
        directory.upsert_member(
            s,
            handle=handle,
            display_name=name,
            agency_key=agency,
            discipline=discipline,
            roles=existing.roles if existing else (),
            identities=idents,
        )
        directory.reactivate_member(s, handle)
        ctx.audit(
            s,
            "directory.member_updated" if existing else "directory.member_added",
            target=f"member:{handle}",
            detail={"agency": agency, "discipline": discipline},
        )
    ctx.directory_changed()
    await ctx.reply(
        f"{'Updated' if existing else 'Added'} {handle} ({agency}, {discipline}). "
        "Give roles with `admin grant`."
    )


async def _bind_channel(ctx: Context, args: str) -> None:
    pairs, rest = parse_key_values(args)
    if len(rest) != 1:
        raise UserError("Usage: admin channel <name> [slack_id=C..] [matrix_id=!..] [policy=warn]")
    name = rest[0].lstrip("#").lower()
    policy = pairs.get("policy", "").lower()
    if policy and policy not in PII_POLICIES:
        raise UserError(f"policy must be one of: {', '.join(PII_POLICIES)}.")
    with ctx.session() as s:
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
    await ctx.reply(
        f"#{name} is known to the bot (PII policy {policy or (current.pii_policy if current else 'warn')})."
    )


def _members_text(ctx: Context) -> str:
    with ctx.session() as s:
        members = directory.all_members(s)
    lines = []
    for m in members:
        roles = ", ".join(sorted(m.roles)) or "-"
        lines.append(f"{m.handle}: {m.display_name} — {m.agency.key}, {m.discipline}; roles: {roles}")
    return "\n".join(lines) or "The directory is empty."
