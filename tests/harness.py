"""Drive the bot like a person would, on the console platform (the fake platform of unit tests).

    h = Harness.create(tmp_path)
    await h.command("nina", "/tip phone=+1 555 0100 ...", channel="general")
    assert h.platform.dms("vera")  # only the point person got it

Uses the demo directory (bot/demo/config.toml), a real SQLite file (or PostgreSQL when a URL is
given), a fresh key ring and a fake clock.
"""

from __future__ import annotations

import copy
import tomllib
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.app import App, build_app
from bot.clock import FakeClock
from bot.config import parse_config
from bot.console.platform import ConsolePlatform
from bot.console.session import ConsoleSession
from bot.forms import RawValue
from storage import outbox
from storage.crypto import KeyRing
from storage.models import AuditEntry


def demo_data() -> dict[str, Any]:
    return tomllib.loads(resources.files("bot").joinpath("demo/config.toml").read_text(encoding="utf-8"))


def merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


_SHARED: list[Any] = []


def shared_redactor() -> Any:
    """The real PII engine with the default settings, loaded once per test process and shared by
    every harness that does not configure ``[redaction]`` (spaCy takes seconds to load; the engine
    is thread-safe after loading and each app adds its own directory allow-list on top)."""
    if not _SHARED:
        from redaction import Redactor

        _SHARED.append(Redactor())
    return _SHARED[0]


class Harness:
    def __init__(self, app: App, platform: ConsolePlatform, clock: FakeClock, keyring: KeyRing) -> None:
        self.app = app
        self.platform = platform
        self.clock = clock
        self.keyring = keyring
        self._sessions: dict[str, ConsoleSession] = {}

    @classmethod
    def create(
        cls,
        tmp_path: Path,
        *,
        database_url: str | None = None,
        overrides: dict[str, Any] | None = None,
        start: datetime | None = None,
        redactor: Any = None,
        can_redact: bool = True,
        keyring: KeyRing | None = None,
        platform: ConsolePlatform | None = None,
    ) -> Harness:
        data = merge(demo_data(), overrides or {})
        data.setdefault("database", {})["url"] = database_url or f"sqlite:///{tmp_path}/needtoknow.db"
        data.get("security", {}).pop("key_file", None)
        config = parse_config(data, source="test configuration", base_dir=str(tmp_path))
        clock = FakeClock(start or datetime(2026, 3, 2, 15, 0, tzinfo=UTC))  # a Monday, 09:00 in Chicago
        platform = platform or ConsolePlatform(can_redact=can_redact)
        ring = keyring or KeyRing.generate()
        if redactor is None and "redaction" not in (overrides or {}):
            redactor = shared_redactor()
        app = build_app(config, platform, keyring=ring, clock=clock, redactor=redactor)
        handles = [m.handle for m in config.members]
        platform.everyone = handles
        for ch in config.channels:
            platform.add_channel(ch.name, list(ch.members) or handles)
        return cls(app, platform, clock, ring)

    def session(self, handle: str, channel: str = "general") -> ConsoleSession:
        s = self._sessions.get(handle)
        if s is None:
            s = ConsoleSession(self.app, self.platform, handle, self.platform.dm_channel(handle))
            self._sessions[handle] = s
        s.switch_channel(channel)
        return s

    async def command(self, handle: str, line: str, channel: str = "general") -> str | None:
        """Type a command line (``/tip ...``) as ``handle`` in ``channel`` (``dm`` for the DM)."""
        assert line.startswith("/"), "commands start with /"
        return await self.session(handle, channel).handle_line(line)

    async def tip(self, handle: str, text: str, channel: str = "dm") -> None:
        """Type a one-line tip and confirm the draft the bot shows (one-line tips wait for the
        writer's Send; nothing reaches the point person before)."""
        await self.command(handle, f"/tip {text}", channel=channel)
        _ref, draft = self.platform.last_buttons(handle)
        assert draft is not None and draft.buttons[0].action_id == "tips.confirm", "no tip draft to confirm"
        await self.press(handle, "Send to the point person")

    async def say(self, handle: str, text: str, channel: str = "general") -> str | None:
        assert not text.startswith("/"), "use command() for commands"
        return await self.session(handle, channel).handle_line(text)

    async def edit(self, handle: str, text: str, channel: str = "general") -> str | None:
        return await self.session(handle, channel).edit(text)

    async def press(self, handle: str, label: str) -> None:
        """Press the button with this label on the newest message with buttons ``handle`` received."""
        _ref, message = self.platform.last_buttons(handle)
        assert message is not None, f"{handle} has no message with buttons"
        labels = [b.label for b in message.buttons]
        assert label in labels, f"no button {label!r}; buttons: {labels}"
        note = await self.session(handle).press(str(labels.index(label) + 1))
        assert note is None, note

    async def fill(self, handle: str, answers: dict[str, RawValue]) -> dict[str, str] | None:
        """Submit the form the bot opened for ``handle``; returns field errors or None."""
        return await self.session(handle).submit_form(answers)

    async def tick(self, **delta: float) -> None:
        """Move the fake clock, run what is due and deliver the outbox (like the scheduler would)."""
        if delta:
            self.clock.advance(**delta)
        self.app.run_due()
        await self.app.deliver_outbox(self.clock.now())
        await self.app.drain()

    def queue_dm(
        self, *, key: str, body: str, recipient: str = "console:vera", purpose: str = "test"
    ) -> None:
        """Put a DM in the outbox directly (as a handler would, in its own transaction)."""
        with self.app.services.db.session() as s:
            outbox.enqueue(
                s,
                key=key,
                purpose=purpose,
                recipient_kind="user",
                recipient=recipient,
                body=body,
                now=self.clock.now(),
            )

    def audit_rows(self) -> list[AuditEntry]:
        with self.app.services.db.session() as s:
            return list(s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars())

    async def close(self) -> None:
        await self.app.stop()
