"""Drive the bot like a member would: a second, real matrix-nio client against the test Synapse."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    RoomCreateResponse,
    RoomSendResponse,
    SyncResponse,
)

from bot.events import CommandInvoked, Event, FormSubmitted, MessageEdited, MessagePosted
from bot.forms import Choice, FieldKind, Form, FormField, FormInvalid, RawValue
from bot.matrix import MatrixPlatform, MatrixSettings, create_matrix_platform
from bot.platform import Button, ChannelRef, Message, UserRef
from tests.integration.matrix.synapse import RegisteredUser, SynapseServer

MEGOLM = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


@dataclass
class Seen:
    room_id: str
    type: str
    sender: str
    event_id: str
    content: dict[str, Any]
    redacts: str | None = None


class Member:
    """A member's client: syncs in the background and records every timeline event it sees."""

    def __init__(self, server: SynapseServer, user: RegisteredUser, store: Path) -> None:
        store.mkdir(parents=True, exist_ok=True)
        self.user = user
        self.client = AsyncClient(
            server.url,
            user.user_id,
            device_id=user.device_id,
            store_path=str(store),
            config=AsyncClientConfig(encryption_enabled=True, pickle_key="test-pickle-key-0123456789"),
        )
        self.client.restore_login(user.user_id, user.device_id, user.access_token)
        self.seen: list[Seen] = []
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.auto_join = True
        self._undecrypted: list[tuple[str, Any]] = []

    @property
    def ref(self) -> UserRef:
        return UserRef("matrix", self.user.user_id)

    async def start(self) -> None:
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        await self._sync_once(first=True)
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.client.close()

    async def _loop(self) -> None:
        while True:
            try:
                await self._sync_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                await asyncio.sleep(0.2)

    async def _sync_once(self, first: bool = False) -> None:
        # A large timeline limit: the default (10) makes a busy room's sync "limited", and a member
        # recording what it sees would miss events (the bot's redactions during a catch-up).
        resp = await self.client.sync(
            timeout=0 if first else 1000, full_state=first, sync_filter={"room": {"timeline": {"limit": 1000}}}
        )
        if not isinstance(resp, SyncResponse):
            await asyncio.sleep(0.2)
            return
        c = self.client
        if c.should_upload_keys:
            await c.keys_upload()
        if c.should_query_keys:
            await c.keys_query()
        if c.should_claim_keys:
            await c.keys_claim(c.get_users_for_key_claiming())
        await c.send_to_device_messages()
        if self.auto_join:
            for room_id, info in resp.rooms.invite.items():
                if any(isinstance(e, InviteMemberEvent) and e.state_key == c.user_id for e in info.invite_state):
                    await c.join(room_id)
        if first:
            return
        retry, self._undecrypted = self._undecrypted, []
        for room_id, ev in retry:
            try:
                plain = c.decrypt_event(ev)
            except Exception:
                plain = None
            if plain is None or type(plain).__name__ == "MegolmEvent":
                self._undecrypted.append((room_id, ev))
            else:
                self._record(room_id, plain)
        for room_id, info in resp.rooms.join.items():
            for ev in info.timeline.events:
                if type(ev).__name__ == "MegolmEvent":
                    self._undecrypted.append((room_id, ev))
                    continue
                self._record(room_id, ev)
        self._changed.set()

    def _record(self, room_id: str, ev: Any) -> None:
        src = getattr(ev, "source", {}) or {}
        etype = src.get("type", "")
        if getattr(ev, "decrypted", False) and hasattr(ev, "body"):
            etype = "m.room.message"
        self.seen.append(
            Seen(room_id, etype, getattr(ev, "sender", ""), getattr(ev, "event_id", ""),
                 _content(ev), src.get("redacts") or getattr(ev, "redacts", None))
        )

    async def wait_for(self, predicate: Callable[[Seen], bool], timeout: float = 15.0) -> Seen:
        deadline = time.monotonic() + timeout
        checked = 0
        while True:
            for item in self.seen[checked:]:
                if predicate(item):
                    return item
            checked = len(self.seen)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{self.user.user_id} did not see the expected event within {timeout}s")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=remaining)

    def notices_from(self, sender: str, room_id: str | None = None) -> list[Seen]:
        return [s for s in self.seen if s.sender == sender and s.content.get("msgtype") == "m.notice"
                and (room_id is None or s.room_id == room_id)]

    async def create_room(self, invite: Sequence[str], *, encrypted: bool = False,
                          power_levels: Mapping[str, int] | None = None) -> str:
        override = None
        if power_levels is not None:
            override = {"users": dict(power_levels)}  # room v12: the creator is implicit
        resp = await self.client.room_create(
            name=unique("room-"), invite=list(invite), initial_state=[MEGOLM] if encrypted else [],
            power_level_override=override,
        )
        assert isinstance(resp, RoomCreateResponse), resp
        deadline = time.monotonic() + 10
        while resp.room_id not in self.client.rooms and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return str(resp.room_id)

    async def send(self, room_id: str, body: str, **extra: Any) -> str:
        content = {"msgtype": "m.text", "body": body, **extra}
        return await self.send_content(room_id, "m.room.message", content)

    async def send_content(self, room_id: str, etype: str, content: dict[str, Any]) -> str:
        resp = await self.client.room_send(room_id, etype, content, ignore_unverified_devices=True)
        assert isinstance(resp, RoomSendResponse), resp
        return str(resp.event_id)

    async def edit(self, room_id: str, original: str, new_body: str) -> str:
        return await self.send(
            room_id, f"* {new_body}",
            **{"m.new_content": {"msgtype": "m.text", "body": new_body},
               "m.relates_to": {"rel_type": "m.replace", "event_id": original}},
        )

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        return await self.send_content(
            room_id, "m.reaction", {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        )


def _content(ev: Any) -> dict[str, Any]:
    src = getattr(ev, "source", {}) or {}
    content = dict(src.get("content") or {})
    # Decrypted events keep the plaintext in source["content"] in nio; fall back to attributes.
    if not content and hasattr(ev, "body"):
        content = {"body": ev.body, "msgtype": getattr(ev, "msgtype", "m.text")}
    return content


# -- a small recording app standing in for bot.app.App where the scenario is adapter-specific ---

RELEASE_FORM = Form(
    form_id="test.release",
    title="New release of information",
    fields=(
        FormField("client_ref", "Client reference", max_length=20),
        FormField("agency", "Agency", kind=FieldKind.CHOICE,
                  choices=(Choice("hsi", "HSI"), Choice("fbi", "FBI"), Choice("pd", "Police"))),
        FormField("copies", "Copies", kind=FieldKind.NUMBER, min_value=1, max_value=5),
        FormField("note", "Note", required=False, sensitive=True),
    ),
    context="R-1",
)


@dataclass
class RecordingApp:
    """Commands: help (posts a notice), release (opens RELEASE_FORM), case (posts buttons).
    Messages containing ``SECRET`` are redacted like the PII guard will do (message and edit)."""

    platform: MatrixPlatform
    members: set[str] = field(default_factory=set)
    events: list[Event] = field(default_factory=list)
    submissions: list[FormSubmitted] = field(default_factory=list)
    redactions: list[bool] = field(default_factory=list)
    reject_first_copies: bool = False
    commands: tuple[str, ...] = ("help", "release", "case")

    def is_directory_member(self, user: UserRef) -> bool:
        return user.id in self.members

    async def dispatch(self, event: Event) -> None:
        self.events.append(event)
        if isinstance(event, CommandInvoked):
            if event.name == "help":
                await self.platform.post(event.channel, "*needtoknow* commands: !help, !release, !case")
            elif event.name == "release":
                await self.platform.open_form(event.user, self.build_form("test.release", event.user, ""),
                                              channel=event.channel)
            elif event.name == "case":
                await self.platform.post(event.channel, Message("Case C-7 needs a decision", (
                    Button("case.ack", "Acknowledge", "C-7"), Button("case.decline", "Decline", "C-7"))))
        elif isinstance(event, MessagePosted | MessageEdited) and "SECRET" in event.text:
            self.redactions.append(await self.platform.redact(event.message, "Removed: personal information"))
            if isinstance(event, MessageEdited) and event.edit is not None:
                self.redactions.append(await self.platform.redact(event.edit, "Removed: personal information"))

    def build_form(self, form_id: str, user: UserRef, context: str) -> Form:
        assert form_id == "test.release"
        return RELEASE_FORM

    async def submit_form(self, user: UserRef, form_id: str, raw: Mapping[str, RawValue], *,
                          context: str = "", channel: ChannelRef | None = None) -> dict[str, str] | None:
        form = self.build_form(form_id, user, context)
        if self.reject_first_copies:
            self.reject_first_copies = False
            return {"copies": "Copies: the records office allows fewer copies"}
        try:
            values = form.validate(raw)
        except FormInvalid as exc:
            return exc.errors
        event = FormSubmitted(user=user, form_id=form_id, values=values, context=context, channel=channel)
        self.submissions.append(event)
        return None

    def of_type(self, kind: type[Event]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


def stop_process(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM a bot process still running, then SIGKILL it if it has not exited within 20 s."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


async def wait_until(predicate: Callable[[], bool], timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def bot_settings(server: SynapseServer, bot: RegisteredUser, store: Path, *, encryption: bool = True,
                 use_password: bool = False) -> MatrixSettings:
    env = {"MATRIX_PICKLE_KEY": "bot-pickle-key-0123456789abcdef"}
    if use_password:
        env["MATRIX_PASSWORD"] = bot.password
    else:
        env["MATRIX_ACCESS_TOKEN"] = bot.access_token
    table: dict[str, Any] = {"homeserver": server.url, "user_id": bot.user_id, "store_path": str(store),
                             "encryption": encryption, "sync_timeout_ms": 1000}
    if not use_password:
        table["device_id"] = bot.device_id
    return MatrixSettings.from_mapping(table, env)


class RunningBot:
    """A bot platform running its sync loop in a task."""

    def __init__(self, platform: MatrixPlatform, app: Any) -> None:
        self.platform = platform
        self.app = app
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.create_task(self.platform.run(self.app))
        await wait_until(lambda: self.platform.handled_count > 0 or (self.task is not None and self.task.done()),
                         what="the bot's first sync")
        if self.task.done():
            self.task.result()

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        await self.platform.close()


def make_bot(server: SynapseServer, bot: RegisteredUser, store: Path, members: set[str], **kw: Any) -> RunningBot:
    platform = create_matrix_platform(bot_settings(server, bot, store, **kw))
    app = RecordingApp(platform, members=members)
    return RunningBot(platform, app)
