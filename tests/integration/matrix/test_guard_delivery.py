"""The PII guard's deliveries on a real Synapse with the real app: what other members see.

Found by trying the guard the way members and a flaky homeserver would: an edit of a thread reply was
reposted in the main timeline; a removal that failed for a moment (5xx, timeout, rate limit, a
homeserver restart) was never tried again, so the PII stayed up; a room's topic or name with PII was
not looked at; a warning to a member on a server that does not answer held the whole sync batch, so
other members' PII waited minutes.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import pytest

from tests.integration.matrix import test_faults
from tests.integration.matrix.helpers import wait_until
from tests.integration.matrix.test_faults import Deployment, settle

# The fault suite's task force (app database, bot store and members), shared rather than copied.
deployment = test_faults.deployment
redactor = test_faults.redactor

PHONE = "312-555-01"
WARNED = "looks like it contains"


@pytest.mark.slow
async def test_an_edited_thread_reply_is_reposted_into_its_thread(deployment: Deployment) -> None:
    d = deployment
    await d.start()
    room = await d.room()
    nina, omar = d["nina"], d["omar"]
    root = await nina.send(room, "Thread for the review schedule")
    thread = {"rel_type": "m.thread", "event_id": root, "is_falling_back": True, "m.in_reply_to": {"event_id": root}}
    reply = await omar.send(room, "I will call her tomorrow", **{"m.relates_to": thread})
    await wait_until(lambda: d.bot is not None and d.bot.platform.ledger.knows(reply), what="the clean reply handled")
    edit = await omar.send(room, f"* I will call Maria Lopez at {PHONE}44 tomorrow", **{
        "m.new_content": {"msgtype": "m.text", "body": f"I will call Maria Lopez at {PHONE}44 tomorrow"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": reply}})
    await wait_until(lambda: {reply, edit} <= d.redacted(room), timeout=60, what="the reply and its edit removed")
    await wait_until(lambda: len(d.reposts(room)) >= 1, timeout=60, what="the redacted repost")
    await settle(d)
    [repost] = d.reposts(room)
    relation: dict[str, Any] = repost.content.get("m.relates_to") or {}
    assert (relation.get("rel_type"), relation.get("event_id")) == ("m.thread", root), repost.content
    assert relation.get("m.in_reply_to") == {"event_id": root}  # the fallback for clients without threads
    assert "Maria" not in repost.content["body"] and PHONE not in repost.content["body"]
    assert any("reply in a thread" in b for b in d.bot_dms("omar"))


@pytest.mark.slow
async def test_a_removal_cut_off_by_a_homeserver_restart_is_done_when_it_is_back(deployment: Deployment) -> None:
    """The homeserver goes down just as the bot removes a PII message (a restart). The removal is
    retried with back-off from the outbox; once the homeserver is back the message is removed and
    its masked copy reposted once. Another member's PII sent after the restart is removed as usual."""
    d = deployment
    bot = await d.start()
    room = await d.room()
    bot.app.start_scheduler()  # as ``needtoknow run``: the outbox is swept every few seconds
    client = bot.platform.client
    real_redact = client.room_redact
    restarts: list[asyncio.Task[None]] = []

    async def cut_off(*args: Any, **kwargs: Any) -> Any:
        if not restarts:
            await asyncio.to_thread(d.server.stop)  # the homeserver goes down under the request

            async def back_later() -> None:
                await asyncio.sleep(3)
                await asyncio.to_thread(d.server.start)

            restarts.append(asyncio.create_task(back_later()))
        return await real_redact(*args, **kwargs)

    client.room_redact = cut_off  # type: ignore[method-assign]
    pii = await d["nina"].send(room, f"Maria Lopez can be reached at {PHONE}61 tonight")
    await wait_until(lambda: bool(restarts), timeout=60, what="the removal to start")
    await restarts[0]
    await wait_until(lambda: pii in d.redacted(room), timeout=120, what="the message removed once the server is back")
    later = await d["omar"].send(room, f"and her sister Ana Lopez at {PHONE}62")
    await wait_until(lambda: later in d.redacted(room), timeout=60, what="a later PII message removed")
    await wait_until(lambda: len(d.reposts(room)) >= 2, timeout=60, what="both masked reposts")
    await settle(d, 4.0)
    reposts = d.reposts(room)
    assert len(reposts) == 2, [r.content["body"] for r in reposts]
    assert not any("Maria" in r.content["body"] or PHONE in r.content["body"] for r in reposts)
    assert not any("cannot remove your message" in b for b in d.bot_dms("nina"))
    assert sum("I removed your message" in b for b in d.bot_dms("nina")) == 1


@pytest.mark.slow
async def test_a_warning_that_cannot_reach_its_poster_does_not_hold_up_other_members(deployment: Deployment) -> None:
    """Nina's warning cannot be delivered (her DM does not answer: as for a member on a server that
    is down). Omar's PII right after hers must still be warned at once — not after Nina's event was
    retried for minutes with the batch waiting — and Nina gets her warning, once, when her DM answers."""

    d = deployment
    bot = await d.start()
    room = await d.room(policy="warn")
    bot.app.start_scheduler()  # as ``needtoknow run``: the outbox is swept every few seconds
    client = bot.platform.client
    real_send = client.room_send
    nina_id = d["nina"].user.user_id
    broken = True
    refused: list[str] = []

    async def nina_unreachable(room_id: str, *args: Any, **kwargs: Any) -> Any:
        if broken and room_id == bot.platform.state.dm_rooms.get(nina_id):
            refused.append(room_id)
            raise aiohttp.ClientConnectionError("connection refused")
        return await real_send(room_id, *args, **kwargs)

    client.room_send = nina_unreachable  # type: ignore[method-assign]
    await d["nina"].send(room, f"Maria Lopez can be reached at {PHONE}71 tonight")
    await d["omar"].send(room, f"her sister Ana Lopez is at {PHONE}72")
    started = time.monotonic()
    await wait_until(lambda: any(WARNED in b for b in d.bot_dms("omar")), timeout=20,
                     what="omar's warning while nina's cannot be delivered")
    assert time.monotonic() - started < 15
    assert refused and not any(WARNED in b for b in d.bot_dms("nina"))
    broken = False
    await wait_until(lambda: any(WARNED in b for b in d.bot_dms("nina")), timeout=60,
                     what="nina's warning once her DM answers")
    await settle(d, 3.0)
    assert sum(WARNED in b for b in d.bot_dms("nina")) == 1
    assert sum(WARNED in b for b in d.bot_dms("omar")) == 1
    assert bot.platform.failed_count == 0


async def _state(member: Any, room: str, etype: str) -> dict[str, Any]:
    resp = await member.client.room_get_state_event(room, etype)
    content = getattr(resp, "content", None)
    return dict(content) if isinstance(content, dict) else {}


@pytest.mark.slow
async def test_a_room_topic_or_name_with_pii_is_cleared_or_warned_like_a_message(deployment: Deployment) -> None:
    """Everyone in a room sees its topic and name. In a ``redact`` room a topic with PII is cleared
    (the event that set it is removed) and the member who set it told; in a ``warn`` room a name with
    PII gets its setter a warning and stays. A clean topic is left alone."""
    from storage import directory

    d = deployment
    bot = await d.start()
    room = await d.room()
    nina = d["nina"]
    clean = await nina.client.room_put_state(room, "m.room.topic", {"topic": "Weekly case review, Thursdays"})
    topic = await nina.client.room_put_state(room, "m.room.topic", {
        "topic": f"Call Maria Lopez at {PHONE}81 before the review",
        "m.topic": {"m.text": [{"mimetype": "text/html",
                                "body": f"Call <b>Maria Lopez</b> at {PHONE}81 before the review"}]},
    })
    await wait_until(lambda: topic.event_id in d.redacted(room), timeout=60, what="the topic with PII cleared")
    await wait_until(lambda: any("I cleared the topic" in b for b in d.bot_dms("nina")), timeout=30,
                     what="nina told")
    assert clean.event_id not in d.redacted(room)
    assert "Maria" not in json.dumps(await _state(nina, room, "m.room.topic"))

    with bot.app.services.db.session() as s:
        directory.upsert_channel(s, name="core-team", pii_policy="warn", agreement=None,
                                 identities=[("matrix", room)])
    name = await nina.client.room_put_state(room, "m.room.name", {"name": f"Maria Lopez {PHONE}82"})
    await wait_until(lambda: any("The name you set" in b for b in d.bot_dms("nina")), timeout=60,
                     what="nina warned about the name")
    await settle(d)
    assert name.event_id not in d.redacted(room)
    told = d.bot_dms("nina")
    assert sum("I cleared the topic" in b for b in told) == 1
    assert sum("The name you set" in b for b in told) == 1
    assert not any("Maria" in b or PHONE in b for b in told)
    assert d.reposts(room) == []
    assert bot.platform.failed_count == 0


@pytest.mark.slow
async def test_a_dm_to_a_member_whose_server_does_not_answer_holds_up_no_removal(deployment: Deployment) -> None:
    """A tip goes to the point person, whose server does not answer: opening the DM takes 20 s (as
    an invite to an unreachable server can). Meanwhile another member's PII is removed and reposted,
    and its poster told, within seconds: the outbox delivery in progress and the DM being opened for
    one member hold up neither the repost (delivered on its own) nor another member's DM."""
    d = deployment
    bot = await d.start()
    room = await d.room()
    bot.app.start_scheduler()
    client = bot.platform.client
    real_create = client.room_create
    vera_id = d["vera"].user.user_id
    stalled: list[float] = []

    async def vera_unreachable(*args: Any, **kwargs: Any) -> Any:
        if vera_id in (kwargs.get("invite") or []):
            stalled.append(time.monotonic())
            await asyncio.sleep(20)
        return await real_create(*args, **kwargs)

    client.room_create = vera_unreachable  # type: ignore[method-assign]
    alice = d["alice"]
    await alice.send(room, "!tip saw a white van at the motel on Route 9 late last night")
    draft = await alice.wait_for(lambda s: s.sender == d.bot_id and "This is what will go privately"
                                 in str(s.content.get("body", "")), timeout=60)
    await alice.send(draft.room_id, "1", **{"m.relates_to": {"m.in_reply_to": {"event_id": draft.event_id}}})
    await wait_until(lambda: bool(stalled), timeout=60, what="the point person's DM being opened")
    pii = await d["nina"].send(room, f"Maria Lopez can be reached at {PHONE}91 tonight")
    posted = time.monotonic()
    await wait_until(lambda: pii in d.redacted(room) and len(d.reposts(room)) >= 1
                     and any("I removed your message" in b for b in d.bot_dms("nina")), timeout=30,
                     what="the removal, repost and notice while the point person's DM is stuck")
    assert time.monotonic() - posted < 10, time.monotonic() - posted
    assert time.monotonic() - stalled[0] < 20  # the point person's DM is still being opened
    await wait_until(lambda: any("New tip T-" in b for b in d.bot_dms("vera")), timeout=90,
                     what="the tip once the point person's server answers")
    await settle(d)
    assert len(d.reposts(room)) == 1
    assert sum("New tip T-" in b for b in d.bot_dms("vera")) == 1


@pytest.mark.slow
async def test_a_first_dm_to_members_on_a_server_that_does_not_answer_holds_up_no_other_event(
    deployment: Deployment,
) -> None:
    """Nina and Alice are on a federated homeserver that is down: opening a direct room with them
    is really tried by the test Synapse (an invite to ``@...:127.0.0.1:1``, where nothing listens)
    and answers 502 after about 4 s each. Their PII and Omar's arrive in one sync batch (sent while
    the bot was stopped); each is warned by DM. Omar's warning must come at once — the old code
    opened both rooms inside the batch, about 8 s before his event's turn — and theirs stay queued
    in the outbox, retried, never lost; every event of the batch is recorded handled.

    The test homeserver cannot receive events from another server, so the bot's view of who sent
    Nina's and Alice's messages is rewritten to the federated ids; everything it then asks of the
    homeserver (opening the rooms, the invites over federation) is real."""
    from sqlalchemy import select

    from storage.models import OutboxMessage
    from tests.integration.matrix.synapse import UNREACHABLE_SERVER

    d = deployment
    bot = await d.start()
    room = await d.room(policy="warn")
    omar = d["omar"]
    await omar.send(room, f"Maria Lopez can be reached at {PHONE}51 tonight")  # warms up the engine,
    await wait_until(lambda: any(WARNED in b for b in d.bot_dms("omar")), timeout=60,  # opens omar's DM
                     what="omar's first warning")
    await d.stop()
    ghosts = {d[h].user.user_id: f"@{h}:{UNREACHABLE_SERVER}" for h in ("nina", "alice")}
    sent = [await d[h].send(room, f"Ana Lopez can be reached at {PHONE}{52 + n} tonight")
            for n, h in enumerate(("nina", "alice"))]
    last = await omar.send(room, f"her brother Luis Lopez is at {PHONE}59")

    from bot.matrix import platform as matrix_platform

    real_user_ref = matrix_platform.MatrixPlatform.user_ref

    def federated(self: Any, user_id: str) -> Any:
        return real_user_ref(self, ghosts.get(user_id, user_id))

    matrix_platform.MatrixPlatform.user_ref = federated  # type: ignore[method-assign]
    try:
        bot = await d.start()
        started = time.monotonic()
        bot.app.start_scheduler()
        await wait_until(lambda: sum(WARNED in b for b in d.bot_dms("omar")) >= 2, timeout=60,
                         what="omar's warning in the batch after the federated members'")
        waited = time.monotonic() - started
        await wait_until(lambda: bot.platform.ledger.is_final(last), timeout=30, what="the batch handled")
        assert waited < 5.0, f"omar's warning took {waited:.1f} s: the batch waited for the federated DMs"
        assert all(bot.platform.ledger.is_final(e) for e in sent)
        assert bot.platform.failed_count == 0

        def queued() -> list[OutboxMessage]:
            with bot.app.services.db.session() as s:
                return list(s.execute(select(OutboxMessage).where(
                    OutboxMessage.purpose == "reply.queued", OutboxMessage.recipient.contains(UNREACHABLE_SERVER)
                )).scalars())

        # The warnings to the federated members are kept and retried (the homeserver really tried the
        # invite and answered that the server does not answer): at least once, never given up.
        await wait_until(lambda: len(queued()) == 2 and all(r.attempts >= 1 for r in queued()), timeout=60,
                         what="the federated members' warnings tried from the outbox")
        rows = queued()
        assert {r.recipient for r in rows} == {f"matrix:external:{g}" for g in ghosts.values()}, \
            [r.recipient for r in rows]
        assert all(r.status in ("pending", "sending") for r in rows)
        assert {r.idempotency_key.split(":")[1] for r in rows} == set(sent)
        await settle(d)
        assert sum(WARNED in b for b in d.bot_dms("omar")) == 2
    finally:
        matrix_platform.MatrixPlatform.user_ref = real_user_ref  # type: ignore[method-assign]
