"""Every command, button and form that stores something, handled a second time under the same
delivery (``bot.platform.DELIVERY``: what an adapter sets when it may run a delivery again — a Slack
inbox row taken over after its replica died between the handler's commit and marking the row done, a
Matrix event re-handled after a crash), stores nothing more and answers as the first run did.

The class of failure: the re-run reads what the first run stored, so without the per-delivery step
record (``Context.once``, storage/deliveries.py) it stored a second release or operation with its
notices, or answered "already revoked" / "already exists". Real SQLite file (and PostgreSQL when
``NEEDTOKNOW_TEST_DATABASE_URL`` is set), the console platform, the demo directory.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

import storage.all_models  # noqa: F401
from bot.events import ButtonPressed, MessageEdited, MessagePosted
from bot.platform import DELIVERY, ChannelRef, Message, MessageRef, UserRef
from storage.models import Base
from tests.harness import Harness

_deliveries = itertools.count(1)
#: Tables that record the handling itself, not what a command stores.
_NOT_STORED = {"delivery_steps", "inbox", "audit_head"}


def snapshot(h: Harness) -> dict[str, Any]:
    """How many rows each table holds, and the audit actions in order."""
    with h.app.services.db.session() as s:
        counts = {
            t.name: s.execute(select(func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
            if t.name not in _NOT_STORED
        }
        counts["audit actions"] = [r[0] for r in s.execute(text("SELECT action FROM audit_log ORDER BY id"))]
    return counts


def said(h: Harness, start: int) -> list[tuple[Any, ...]]:
    """What the handler said itself (outbox sends are counted by the snapshot's outbox rows; a removal
    done again would be harmless, and on Slack the effect log skips it)."""
    return [(d.kind, d.to_user, d.channel, d.text, d.message.buttons if d.message else ())
            for d in h.platform.deliveries[start:] if d.idempotency_key is None and d.kind != "redact"]


async def twice(h: Harness, do: Callable[[], Awaitable[Any]], *, same_answer: bool = True) -> None:
    """Handle one delivery, then the same delivery again: nothing more is stored, the same is said
    (``same_answer=False``: where the adapter's effect log, not the core, keeps a re-run from saying
    it again — a removal's best-effort note)."""
    token = DELIVERY.set(f"test:{next(_deliveries)}")
    try:
        start = len(h.platform.deliveries)
        await do()
        await h.app.drain()
        first, stored = said(h, start), snapshot(h)
        assert first, "the first run answered nothing"
        start = len(h.platform.deliveries)
        await do()
        await h.app.drain()
        again = said(h, start)
    finally:
        DELIVERY.reset(token)
    assert snapshot(h) == stored
    if same_answer:
        assert again == first


def command(h: Harness, handle: str, line: str, channel: str = "dm") -> Callable[[], Awaitable[Any]]:
    return lambda: h.command(handle, line, channel=channel)


def button(h: Harness, handle: str, label: str) -> Callable[[], Awaitable[Any]]:
    """The press of ``label`` on the newest message with buttons ``handle`` has now (the same press
    both times, as a redelivered interaction is)."""
    ref, message = h.platform.last_buttons(handle)
    assert message is not None, f"{handle} has no buttons"
    [pressed] = [b for b in message.buttons if b.label == label]
    channel = ref.channel if ref is not None else h.session(handle).channel  # an ephemeral has no ref
    event = ButtonPressed(user=UserRef("console", handle), channel=channel, action_id=pressed.action_id,
                          value=pressed.value, message=ref)
    return lambda: h.app.dispatch(event)


def message(h: Harness, handle: str, text: str, channel: str, *, edit_of: MessageRef | None = None,
            ) -> tuple[Callable[[], Awaitable[Any]], MessageRef]:
    """A message posted (or the edit of one) in a group channel, delivered as the same event both times."""
    where = ChannelRef("console", channel)
    user = UserRef("console", handle)
    event: MessagePosted | MessageEdited
    if edit_of is None:
        ref = h.platform.record_member_message(where, handle, text)
        event = MessagePosted(user=user, channel=where, message=ref, text=text)
    else:
        ref = edit_of
        h.platform.edit_member_message(ref, text)
        event = MessageEdited(user=user, channel=where, message=ref, text=text)
    return (lambda: h.app.dispatch(event)), ref


def form(h: Harness, handle: str, answers: dict[str, Any]) -> Callable[[], Awaitable[Any]]:
    """The submission of the form the bot opened for ``handle`` (the same submission both times)."""
    pending = h.platform.pending_forms[handle]
    return lambda: h.app.submit_form(UserRef("console", handle), pending.form.form_id, answers,
                                     context=pending.form.context, channel=pending.channel)


@pytest.fixture
async def h(tmp_path: Path, database_url: str) -> AsyncIterator[Harness]:
    harness = Harness.create(tmp_path, database_url=database_url)
    yield harness
    await harness.close()


RELEASE = ('/release new client=C-1187 agency=hsi categories=case_details purpose="coordination of care" '
           "signed=2026-02-20 expires=2026-05-15")
OPERATION = '/operation new when="2026-04-12 06:00" victims=5 genders=female languages=Spanish minors=unknown'


async def test_release_commands(h: Harness) -> None:
    await twice(h, command(h, "nina", RELEASE))
    await twice(h, command(h, "nina", "/release renew R-1 2026-05-20"))
    await twice(h, command(h, "nina", "/release revoke R-2 verbal"))


async def test_operation_commands_and_the_ngo_acknowledgement(h: Harness) -> None:
    await twice(h, command(h, "alice", OPERATION))
    await twice(h, button(h, "nina", "Acknowledge"))
    await twice(h, command(h, "alice", "/operation team OP-1 add dan"))
    await twice(h, command(h, "alice", "/operation team OP-1 remove dan"))
    await twice(h, command(h, "alice", "/operation update OP-1 victims=6-8"))
    await twice(h, command(h, "alice", "/operation postpone OP-1 2026-04-19 06:00"))
    await twice(h, command(h, "alice", "/operation conclude OP-1"))
    await h.command("alice", OPERATION.replace("04-12", "05-12"), channel="dm")
    await twice(h, command(h, "alice", "/operation cancel OP-2"))


async def test_tip_commands_and_buttons(h: Harness) -> None:
    await twice(h, command(h, "nina", "/tip Man collects money from two young women at the Bellaire motel"))
    await twice(h, button(h, "nina", "Send to the point person"))
    await twice(h, button(h, "vera", "Acknowledge"))
    await twice(h, command(h, "nina", '/tip name="Marco Diaz" observed="Collects money at the Bellaire motel"'))
    await h.tip("dan", "A white van at the Bellaire motel again, two young women")
    await twice(h, command(h, "vera", "/tip ack T-0003"))
    await twice(h, command(h, "vera", "/tip disseminate T-0002"))
    await twice(h, button(h, "dan", "I have information"))
    await twice(h, button(h, "vera", "Set up case meeting"))
    await twice(h, command(h, "vera", "/tip dup T-0003 T-0002"))
    await twice(h, command(h, "vera", "/tip case T-0002 hsi"))
    await h.tip("dan", "Another van at the Westheimer motel, three young women")
    await twice(h, command(h, "vera", "/tip close T-0004 insufficient"))


async def test_directory_commands(h: Harness) -> None:
    await twice(h, command(h, "omar", '/admin add zoe name="Zoe Park" agency=hsi discipline=law_enforcement'))
    await twice(h, command(h, "omar", "/admin grant dan admin"))
    await twice(h, command(h, "omar", "/admin revoke dan admin"))
    await twice(h, command(h, "omar", "/admin channel war-room policy=warn"))
    await twice(h, command(h, "omar", "/admin policy #war-room redact"))
    await twice(h, command(h, "omar", "/admin identity paula agency=rpd discipline=law_enforcement"))
    await h.command("omar", "/admin grant dan admin", channel="dm")
    await twice(h, command(h, "dan", "/admin approve IR-1"))
    await twice(h, command(h, "omar", "/admin deactivate leo"))


async def test_pii_guard_buttons_and_forms(h: Harness) -> None:
    canary = "Tell Zebediah Quackenbush to call 312-555-0199 tonight"
    await h.say("dan", canary, channel="general")
    await twice(h, button(h, "dan", "Repost redacted"))
    await h.say("dan", canary, channel="general")
    await twice(h, button(h, "dan", "Delete"))
    await h.say("dan", canary, channel="general")
    await h.press("dan", "Keep (give reason)")
    await twice(h, form(h, "dan", {"reason": "release_on_file"}))
    await twice(h, command(h, "dan", "/preview The quarterly review moves to the large room", channel="general"))
    await twice(h, button(h, "dan", "Post redacted"))


async def test_what_a_delivery_did_is_kept_while_it_may_run_again_then_purged(h: Harness) -> None:
    from datetime import timedelta

    from storage.deliveries import RETENTION, DeliveryStep

    await twice(h, command(h, "nina", RELEASE))
    with h.app.services.db.session() as s:
        [step] = s.execute(select(DeliveryStep)).scalars().all()
        assert step.step == "release.new" and "Safe Haven" not in str(s.execute(
            text("SELECT answer FROM delivery_steps")).scalar_one())  # encrypted at rest
    assert h.app.purge_delivery_steps(h.clock.now() + RETENTION - timedelta(minutes=1)) == 0
    h.app._steps_purged = None
    assert h.app.purge_delivery_steps(h.clock.now() + RETENTION + timedelta(minutes=1)) == 1


CANARY = "Tell Zebediah Quackenbush to call 312-555-0199 tonight"


async def test_pii_guard_messages_and_edits(h: Harness) -> None:
    """Message events stored internal rows twice on a re-run: a second pending warning (whose buttons
    the member never got), and in a ``redact`` channel where the bot may not remove messages a second
    coordinator alert and breach check; an edit re-run resolved the warning its first run made."""
    post, ref = message(h, "dan", CANARY, "general")
    await twice(h, post)
    edit, _ = message(h, "dan", CANARY.replace("tonight", "tomorrow"), "general", edit_of=ref)
    await twice(h, edit)
    await h.press("dan", "Repost redacted")  # the warning's buttons still work: its row was kept
    post, _ = message(h, "nina", CANARY, "core-team")  # removed and reposted
    await twice(h, post, same_answer=False)


async def test_pii_guard_where_the_bot_may_not_remove(tmp_path: Path, database_url: str) -> None:
    h = Harness.create(tmp_path, database_url=database_url, can_redact=False)
    try:
        post, _ = message(h, "nina", CANARY, "core-team")
        await twice(h, post)
    finally:
        await h.close()


async def test_two_runs_of_one_delivery_at_once_store_once_and_answer_alike(h: Harness) -> None:
    """A replica whose lease lapsed while its handler still ran, and the one that took the row over,
    run the same step together: the second waits for the first (PostgreSQL: its claim insert waits
    for the first's commit; SQLite: one writer) and gets the first's answer; one audit row."""
    import threading
    import time

    from bot.context import Context

    ctx = Context(h.app.services)
    claimed, go = threading.Event(), threading.Event()
    answers: dict[str, Any] = {}

    def run(name: str) -> None:
        token = DELIVERY.set("test:concurrent")
        try:
            with ctx.once("test.step") as once:
                s = once.begin()
                ctx.audit(s, "test.stored", target=name)
                once.answer = f"stored by {name}"
                if name == "first":
                    claimed.set()
                    go.wait(10)
            answers[name] = Message.of(once.answer).text if once.answer is not None else None
        finally:
            DELIVERY.reset(token)

    first = threading.Thread(target=run, args=("first",))
    first.start()
    assert claimed.wait(10)
    second = threading.Thread(target=run, args=("second",))
    second.start()
    time.sleep(0.5)
    assert "second" not in answers  # waiting for the first
    go.set()
    first.join(10)
    second.join(10)
    assert answers == {"first": "stored by first", "second": "stored by first"}
    assert [a for a in snapshot(h)["audit actions"] if a == "test.stored"] == ["test.stored"]


class _DiedMidHandler(BaseException):
    """The process died inside the handler: nothing after this point of the first run happens."""


async def test_a_case_meeting_whose_first_run_died_after_creating_the_room_makes_no_second_room(h: Harness) -> None:
    """**Set up case meeting** creates its room before its write step: a first run that died between the two
    left a room and no record. The re-run (a Slack takeover, a Matrix event handled again) must get that
    room from the platform (the handler's ``key``), record it and post its intro there — one room."""
    await h.command("nina", '/tip name="Marco Diaz" observed="Collects money at the Bellaire motel"', channel="dm")
    await h.command("vera", "/tip disseminate T-0001", channel="dm")
    await h.press("dan", "I have information")
    press = button(h, "vera", "Set up case meeting")
    real = h.platform.create_private_channel
    calls: list[Any] = []

    async def create_then_die(*args: Any, **kwargs: Any) -> Any:
        made = await real(*args, **kwargs)
        calls.append(made)
        if len(calls) == 1:
            raise _DiedMidHandler()
        return made

    h.platform.create_private_channel = create_then_die  # type: ignore[method-assign]
    rooms_before = set(h.platform.channels)
    token = DELIVERY.set(f"test:{next(_deliveries)}")
    try:
        with pytest.raises(_DiedMidHandler):
            await press()
        await press()
        await h.tick(seconds=1)
    finally:
        DELIVERY.reset(token)
    assert len(calls) == 2 and calls[0] == calls[1]
    assert set(h.platform.channels) - rooms_before == {calls[0].id}
    assert any("Case meeting for tip T-0001" in t for t in h.platform.channel_posts(calls[0].id))
    assert any("Private meeting room created for T-0001" in t for t in h.platform.private_texts("vera"))
