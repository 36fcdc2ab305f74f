"""A database outage under the real Matrix adapter (``build_app``, the demo directory, the real engine,
a real Synapse): PII messages and a typed ``!tip`` arrive while every connection to the database is
refused. ``App.dispatch`` reports them not handled, the adapter keeps them (the batch and its token
wait) and handles them when the database is back: every PII message removed, reposted masked and its
poster told once; the typed tip removed and its draft sent to its writer once (docs/architecture.md,
"Delivery guarantees: Matrix": "Event during a database outage ... retried until handled").
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from tests.integration.faults.faults import database_refused
from tests.integration.matrix.helpers import wait_until
from tests.integration.matrix.test_faults import (  # noqa: F401  (fixtures)
    Deployment,
    clean_text,
    deployment,
    pii_text,
    redactor,
    settle,
    tip_text,
)


@pytest.mark.slow
async def test_messages_that_arrive_while_the_database_refuses_connections_are_handled_once_it_is_back(
    deployment: Deployment,  # noqa: F811
) -> None:
    d = deployment
    bot = await d.start()
    room = await d.room()
    with database_refused(bot.app):
        pii = [await d["nina"].send(room, pii_text(i)) for i in range(4)]
        await d["nina"].send(room, clean_text(1))
        tip = await d["alice"].send(room, tip_text(7))
        await asyncio.sleep(8)  # the bot sees them and cannot store anything
    await wait_until(lambda: set(pii) | {tip} <= d.redacted(room), timeout=120,
                     what="every PII message and the typed tip to be removed")
    await wait_until(lambda: len(d.reposts(room)) >= len(pii), timeout=60, what="the redacted reposts")
    await wait_until(lambda: sum("I removed your message" in b for b in d.bot_dms("nina")) >= len(pii), timeout=90,
                     what="the poster to be told about each message")
    await wait_until(lambda: any("This is what will go privately" in b for b in d.bot_dms("alice")), timeout=60,
                     what="the typed tip's draft to reach its writer")
    await settle(d, 3.0)
    bodies = [s.content["body"] for s in d.reposts(room)]
    assert len(bodies) == len(pii) == len(set(bodies)), Counter(bodies)
    assert not any("555" in b or "@example.com" in b for b in bodies)
    warnings = [b for b in d.bot_dms("nina") if "I removed your message" in b]
    assert len(warnings) == len(pii) == len(set(warnings)), warnings
    assert sum("This is what will go privately" in b for b in d.bot_dms("alice")) == 1
    assert d.redacted(room) == set(pii) | {tip}
    assert bot.platform.failed_count == 0


@pytest.mark.slow
@pytest.mark.parametrize("table", ["outbox", "audit_log"])
async def test_a_connection_terminated_while_handling_a_pii_message_leaves_it_handled_once(
    deployment: Deployment, database_url: str, table: str  # noqa: F811
) -> None:
    """The database connection dies in the middle of the guard's transaction (PostgreSQL: the backend
    is terminated with ``pg_terminate_backend``): the message is still removed, reposted and its poster
    told — once each."""
    from tests.integration.faults.faults import connection_terminated_on

    d = deployment
    d.url = database_url
    bot = await d.start()
    room = await d.room()
    with connection_terminated_on(bot.app, table) as fired:
        pii = [await d["nina"].send(room, pii_text(i)) for i in range(3)]
        await wait_until(lambda: bool(fired), timeout=60, what="the connection to be terminated")
        await wait_until(lambda: set(pii) <= d.redacted(room), timeout=120, what="every PII message removed")
    await wait_until(lambda: len(d.reposts(room)) >= len(pii), timeout=90, what="the redacted reposts")
    await wait_until(lambda: sum("I removed your message" in b for b in d.bot_dms("nina")) >= len(pii), timeout=150,
                     what="the poster to be told about each message")
    await settle(d, 3.0)
    bodies = [s.content["body"] for s in d.reposts(room)]
    assert len(bodies) == len(pii) == len(set(bodies)), Counter(bodies)
    warnings = [b for b in d.bot_dms("nina") if "I removed your message" in b]
    assert len(warnings) == len(pii) == len(set(warnings)), warnings
    assert d.redacted(room) == set(pii)
