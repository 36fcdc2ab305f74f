"""Messages sent into an encrypted ``redact`` room while the bot was stopped (more than one sync shows,
so most come by backfill and must be decrypted with the room keys the senders shared with the bot's
device while it was away): every one removed and its poster told exactly once. The real app and
engine on a real Synapse with end-to-end encryption on; test_faults.py covers the plain room.
"""

from __future__ import annotations

import pytest

from tests.integration.matrix.helpers import wait_until
from tests.integration.matrix.test_faults import (  # noqa: F401
    Deployment,
    deployment,
    pii_text,
    redactor,
    settle,
)


@pytest.mark.slow
async def test_pii_sent_into_an_encrypted_room_while_the_bot_was_stopped_is_all_removed_once(deployment: Deployment) -> None:  # noqa: F811
    d = deployment
    await d.start(encryption=True)
    room = await d.room(encrypted=True)
    await d.stop()
    pii = [await d["nina"].send(room, pii_text(i)) for i in range(15)]
    bot = await d.start(encryption=True)
    await wait_until(lambda: set(pii) <= d.redacted(room), timeout=180, what="every PII message removed")
    await wait_until(lambda: sum("I removed your message" in b for b in d.bot_dms("nina")) >= len(pii), timeout=120,
                     what="each poster told")
    await settle(d, 3.0)
    warnings = [b for b in d.bot_dms("nina") if "I removed your message" in b]
    assert len(warnings) == len(pii), len(warnings)
    assert bot.platform.backfilled_count > 0
