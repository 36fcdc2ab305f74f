"""``help``: what the bot does and which commands this member can use."""

from __future__ import annotations

from bot.commands import neutral_command, platform_syntax, slash_usage
from bot.context import Context
from bot.events import CommandInvoked
from bot.router import Router

INTRO = (
    "*needtoknow* keeps task-force information on a need-to-know basis:\n"
    "• tips go only to the tip point person;\n"
    "• messages with likely PII in group channels get a private warning (or are redacted);\n"
    "• the NGO gets only what it needs to prepare for an operation;\n"
    "• releases of information say what may be shared with whom, until when."
)


def register(router: Router) -> None:
    @router.command("help", summary="what the bot does and how to use it", usage="help [command]")
    async def show_help(event: CommandInvoked, ctx: Context) -> None:
        # `/ntk ntk-admin`, `/ntk /ntk-admin`, `!help !admin`: the topic as this platform spells it.
        topic = neutral_command(event.args, platform_syntax(ctx.platform, list(router.commands)))
        if topic and topic in router.commands:
            spec = router.commands[topic]
            await ctx.reply(f"*{spec.name}* — {spec.summary}\nUsage: `{slash_usage(spec.usage)}`")
            return
        lines = [INTRO, "", "Commands:"]
        for spec in sorted(router.commands.values(), key=lambda c: c.name):
            # Written as the console spells it; the platform wrapper (bot/commands.py) respells
            # `/admin` as Slack's `/ntk-admin` or Matrix's `!admin`.
            lines.append(f"• `{slash_usage(spec.usage)}` — {spec.summary}")
        if ctx.member is None:
            lines += ["", "You are not in this task force's directory yet; ask the coordinator to add you."]
        else:
            roles = ", ".join(sorted(r.replace("_", " ") for r in ctx.member.roles)) or "no special roles"
            lines += ["", f"You are {ctx.member.display_name} ({ctx.member.agency.name}; {roles})."]
        await ctx.reply("\n".join(lines))
