"""``admin``: directory and channel-policy changes, for admins only, every change audited."""

from __future__ import annotations

from bot.config import PII_POLICIES, ROLES
from bot.context import Context
from bot.errors import UserError
from bot.events import CommandInvoked
from bot.router import Router
from handlers.access import Permission
from storage import directory

USAGE = (
    "admin members | admin channels | admin grant <handle> <role> | admin revoke <handle> <role> | "
    "admin policy <#channel> <off|warn|redact|meeting>"
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


def _members_text(ctx: Context) -> str:
    with ctx.session() as s:
        members = directory.all_members(s)
    lines = []
    for m in members:
        roles = ", ".join(sorted(m.roles)) or "-"
        lines.append(f"{m.handle}: {m.display_name} — {m.agency.key}, {m.discipline}; roles: {roles}")
    return "\n".join(lines) or "The directory is empty."
