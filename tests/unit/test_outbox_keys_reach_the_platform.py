"""The outbox hands each row's idempotency key to the platform, so a re-send can be a no-op there."""

from __future__ import annotations

from pathlib import Path

from tests.harness import Harness


async def test_every_outbox_delivery_carries_its_rows_key(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    h.queue_dm(key="tip:T-1:route", purpose="test", recipient="console:vera", body="a tip for you")
    h.queue_dm(key="tip:T-1:ack", purpose="test", recipient="console:omar", body="your tip was received")
    await h.tick()
    keys = {d.to_user: d.idempotency_key for d in h.platform.deliveries if d.kind == "dm"}
    assert keys == {"vera": "tip:T-1:route", "omar": "tip:T-1:ack"}
    await h.close()
