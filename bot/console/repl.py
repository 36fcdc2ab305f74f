"""The interactive terminal for ``needtoknow console``."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.app import App
from bot.console.platform import Delivery
from bot.console.session import ConsoleSession
from bot.forms import FieldKind, RawValue
from storage import directory

BANNER = """needtoknow console — you are in a simulated task-force workspace.
Speak as a member with /as <handle>, move with /in #channel or /in dm, press buttons with /press <n>.
Bot commands: /help /tip /preview /release /operation /case /admin.  /who lists members, /quit leaves.
/edit <text> edits your last message here, /home shows your open items, /clock +3d moves time forward
(reminders, alerts and escalations run on the way).
Everything the bot sends is shown with who received it: [#channel], [DM -> handle], [only handle sees].
"""


def format_delivery(d: Delivery) -> str:
    if d.kind == "post":
        head = f"[#{d.channel}] needtoknow:"
    elif d.kind == "dm":
        head = f"[DM -> {d.to_user}] needtoknow:"
    elif d.kind == "ephemeral":
        head = f"[only {d.to_user} sees, in #{d.channel}] needtoknow:"
    elif d.kind == "redact":
        return f"[#{d.channel}] (a message was removed by the bot: {d.text})"
    elif d.kind == "form":
        return f"[form for {d.to_user}] {d.text}"
    else:
        head = f"[{d.kind}]"
    text = d.text
    if d.message is not None and d.message.buttons:
        text += "\n   " + "  ".join(f"[{i}] {b.label}" for i, b in enumerate(d.message.buttons, start=1))
        text += "   (press with /press <n>)"
    return f"{head} {text}"


async def _ask(prompt: str) -> str | None:
    try:
        return await asyncio.to_thread(input, prompt)
    except EOFError:
        return None


async def fill_pending_form(session: ConsoleSession, out: TextIO) -> None:
    """Prompt for each field of a form the bot opened for the current speaker."""
    while (pending := session.platform.pending_forms.get(session.speaker)) is not None:
        form = pending.form
        print(f"\n== {form.title} ==  (empty answer skips an optional field; 'cancel' aborts)", file=out)
        if form.intro:
            print(form.intro, file=out)
        answers: dict[str, RawValue] = {}
        for f in form.fields:
            hint = ""
            if f.choices:
                hint = " [" + "/".join(c.value for c in f.choices) + "]"
                if f.kind is FieldKind.MULTI_CHOICE:
                    hint += " (comma-separated)"
            elif f.kind is FieldKind.YES_NO:
                hint = " [yes/no]"
            elif f.kind is FieldKind.DATE:
                hint = " [YYYY-MM-DD]"
            elif f.kind is FieldKind.DATETIME:
                hint = " [YYYY-MM-DD HH:MM]"
            opt = "" if f.required else " (optional)"
            answer = await _ask(f"{f.label}{hint}{opt}: ")
            if answer is None or answer.strip().lower() == "cancel":
                session.platform.pending_forms.pop(session.speaker, None)
                print("form cancelled; nothing was saved", file=out)
                return
            answers[f.key] = answer
        errors = await session.submit_form(answers)
        if errors:
            print("Please fix: " + "; ".join(f"{k}: {v}" for k, v in errors.items()), file=out)


async def run_repl(app: App, session: ConsoleSession, *, out: TextIO = sys.stdout) -> None:
    print(BANNER, file=out)
    print(f"You are {session.speaker}, in #{session.channel.id}.", file=out)
    while True:
        where = "dm" if session.channel.is_direct else f"#{session.channel.id}"
        line = await _ask(f"{session.speaker}@{where}> ")
        if line is None or line.strip() in ("/quit", "/exit"):
            break
        if line.strip() in ("/who", "/channels"):
            with app.services.db.session() as s:
                if line.strip() == "/who":
                    for m in directory.all_members(s):
                        roles = ", ".join(sorted(m.roles)) or "-"
                        print(
                            f"  {m.handle:10} {m.display_name} — {m.agency.key}, {m.discipline}; {roles}",
                            file=out,
                        )
                else:
                    for c in directory.all_channels(s):
                        print(f"  #{c.name} (PII policy: {c.pii_policy})", file=out)
            continue
        note = await session.handle_line(line)
        if note:
            print(note, file=out)
        await fill_pending_form(session, out)
    await app.stop()
