"""A PII warning whose delivery fails for a reason that passes (a dropped connection, a timeout, a 5xx)
is delivered once the homeserver answers again, on a real Synapse with the real app.

Found by probing: the warning DM to the poster of a PII message in a ``warn`` room hit a dropped
connection; the handler's exception became a generic apology (which failed too), the event was
recorded as handled, and the poster was never warned.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from bot.matrix.ledger import HANDLED
from tests.integration.matrix import test_faults
from tests.integration.matrix.helpers import wait_until
from tests.integration.matrix.test_faults import Deployment, settle

deployment = test_faults.deployment
redactor = test_faults.redactor

WARNING = "looks like it contains"


@pytest.mark.slow
async def test_a_warning_that_could_not_be_sent_is_sent_when_the_homeserver_answers_again(
    deployment: Deployment,
) -> None:
    d = deployment
    bot = await d.start()
    room = await d.room(policy="warn")
    bot.app.start_scheduler()  # as ``needtoknow run``: the outbox is swept every few seconds
    client = bot.platform.client
    real_send = client.room_send
    dropped: list[str] = []

    async def flaky(room_id: str, *args: Any, **kwargs: Any) -> Any:
        if room_id != room and len(dropped) < 3:  # the DM: three dropped connections in a row
            dropped.append(room_id)
            raise aiohttp.ClientConnectionError("connection reset by peer")
        return await real_send(room_id, *args, **kwargs)

    client.room_send = flaky  # type: ignore[method-assign]
    pii = await d["nina"].send(room, "Update: the client can be reached at 312-555-0177, Maria Lopez")
    clean = await d["nina"].send(room, "And the review moves to Thursday")
    await wait_until(lambda: any(WARNING in b for b in d.bot_dms("nina")), timeout=60,
                     what="the warning once the homeserver answers again")
    await settle(d)
    assert len(dropped) == 3
    warnings = [b for b in d.bot_dms("nina") if WARNING in b]
    assert len(warnings) == 1, warnings
    assert "312-555-0177" not in warnings[0] and "Maria" not in warnings[0]
    assert bot.platform.failed_count == 0
    assert bot.platform.ledger.status(pii) == bot.platform.ledger.status(clean) == HANDLED


@pytest.mark.slow
async def test_a_removal_that_fails_on_the_network_is_done_when_the_homeserver_answers_again(
    deployment: Deployment,
) -> None:
    """The redaction request itself dropped, three times: the poster is told the removal is coming
    (never a generic apology, never "cannot remove"), the removal is retried from the outbox, and
    once it is done the masked copy is reposted, once."""
    d = deployment
    bot = await d.start()
    room = await d.room()
    bot.app.start_scheduler()  # as ``needtoknow run``: the outbox is swept every few seconds
    client = bot.platform.client
    real_redact = client.room_redact
    dropped: list[str] = []

    async def flaky(*args: Any, **kwargs: Any) -> Any:
        if len(dropped) < 3:
            dropped.append("x")
            raise aiohttp.ClientConnectionError("connection reset by peer")
        return await real_redact(*args, **kwargs)

    client.room_redact = flaky  # type: ignore[method-assign]
    pii = await d["nina"].send(room, "Update: the client can be reached at 312-555-0178, Maria Lopez")
    await wait_until(lambda: pii in d.redacted(room), timeout=90, what="the message removed after all")
    await wait_until(lambda: len(d.reposts(room)) >= 1, timeout=60, what="the masked repost")
    await settle(d)
    assert len(dropped) == 3
    assert len(d.reposts(room)) == 1
    dms = d.bot_dms("nina")
    assert sum("keep trying" in b for b in dms) == 1, dms
    assert sum("I removed your message" in b for b in dms) == 1, dms
    assert not any("cannot remove your message" in b for b in dms)
    assert not any("went wrong" in b.lower() or "sorry" in b.lower() for b in dms)
    assert not any("312-555-0178" in b or "Maria" in b for b in dms)
    assert bot.platform.failed_count == 0
