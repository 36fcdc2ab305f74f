"""Typos are not tips, and a one-line tip waits for its writer's confirmation."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from storage.models import OutboxMessage
from storage.tips import Tip, TipDraft
from tests.harness import Harness


def counts(h: Harness) -> tuple[int, int, int]:
    with h.app.services.db.session() as s:
        return (
            s.execute(select(func.count()).select_from(Tip)).scalar_one(),
            s.execute(select(func.count()).select_from(TipDraft)).scalar_one(),
            s.execute(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.purpose.like("tips.%"))
            ).scalar_one(),
        )


SLIPS = [
    ("/tip akc T-0002", "/tip ack T-0001"),
    ("/tip ack", "/tip ack T-0001"),
    ("/tip ack T-0002 please", "/tip ack T-0001"),
    ("/tip show X", "/tip show T-0001"),
    ("/tip show me", "/tip show T-0001"),
    ("/tip shwo T-0001", "/tip show T-0001"),
    ("/tip sho", "/tip show T-0001"),
    ("/tip lsit", "/tip list"),
    ("/tip LIST", None),
    ("/tip clsoe T-0003 duplicate", "/tip close T-0001"),
    ("/tip close", "/tip close T-0001"),
    ("/tip hlep", "/tip help"),
    ("/tip dupe T-3 T-1", "/tip dup T-0003 T-0001"),
    ("/tip disseminat", "/tip disseminate T-0001"),
    ("/tip edit T-0001", "not a /tip command"),
    ("/tip staus T-0001", "not a /tip command"),
    ("/tip acknowledge T-0001", "not a /tip command"),
]


@pytest.mark.parametrize(("line", "suggestion"), SLIPS)
async def test_a_mistyped_subcommand_is_never_stored_or_sent(
    tmp_path: Path, line: str, suggestion: str | None
) -> None:
    h = Harness.create(tmp_path)
    for who in ("nina", "vera"):  # a submitter and the point person herself
        await h.command(who, line, channel="dm")
        reply = h.platform.dms(who)[-1]
        if who == "vera" or suggestion is None or "not a /tip" in (suggestion or ""):
            assert "Nothing was stored or sent" in reply or reply.startswith("No open tips") or "There is no tip" in reply or "Open tips" in reply, reply
        else:
            assert "Nothing was stored or sent" in reply, reply
        if suggestion and who == "vera":
            assert suggestion in reply, reply
    assert counts(h) == (0, 0, 0)
    await h.tick(hours=48)  # nothing to remind or escalate, ever
    assert h.platform.dms("omar") == []
    for t in h.platform.dms("vera"):
        assert not any(w in t for w in ("New tip", "Escalated tip", "Reminder: tip")), t
    await h.close()


async def test_a_tip_that_merely_starts_like_a_word_is_a_tip(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", "/tip Saw a man collect money from two girls at the motel", channel="dm")
    assert h.platform.dms("nina")[-1].startswith("This is what will go privately to the task force's tip point person")
    await h.press("nina", "Send to the point person")
    await h.tick()
    assert any("collect money" in t for t in h.platform.dms("vera"))
    await h.close()


async def test_a_one_line_tip_reaches_nobody_until_confirmed_and_is_stored_encrypted(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", "/tip DRAFTCANARY42 white van at the truck stop", channel="general")
    draft = h.platform.ephemerals("nina")[-1]
    assert "> DRAFTCANARY42 white van at the truck stop" in draft and "Nothing is sent until you press Send" in draft
    await h.tick(minutes=5)
    assert h.platform.dms("vera") == [] and counts(h) == (0, 1, 0)
    assert not any("DRAFTCANARY42" in t for _a, t in h.platform.visible_in_channel("general"))
    with h.app.services.db.engine.connect() as conn:
        raw = " ".join(str(v) for row in conn.execute(text("SELECT * FROM tip_drafts")) for v in row)
    assert raw and "DRAFTCANARY42" not in raw
    await h.press("nina", "Send to the point person")
    await h.tick()
    assert "DRAFTCANARY42" in h.platform.dms("vera")[0]
    assert counts(h)[:2] == (1, 0)
    await h.close()


async def test_a_draft_expires_and_can_be_discarded(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", "/tip white van at the truck stop", channel="dm")
    await h.tick(minutes=31)
    assert counts(h) == (0, 0, 0)
    await h.press("nina", "Send to the point person")
    assert "expired or was already sent" in h.platform.dms("nina")[-1]
    await h.command("nina", "/tip a second van at the truck stop", channel="dm")
    await h.press("nina", "Discard")
    assert h.platform.dms("nina")[-1] == "Discarded. Nothing was stored or sent."
    await h.tick(hours=48)
    assert counts(h) == (0, 0, 0) and h.platform.dms("vera") == []
    await h.close()


async def test_a_one_line_tip_near_a_subcommand_says_so_in_its_draft(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", "/tip shwo the van to the police, it was at the motel again", channel="dm")
    assert "If you meant `/tip show ...`, press Discard" in h.platform.dms("nina")[-1]
    await h.close()


async def test_a_draft_typed_during_a_platform_outage_arrives_afterwards(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    h.platform.outage = True
    await h.command("nina", "/tip white van at the truck stop again tonight", channel="dm")
    h.platform.outage = False
    await h.tick(minutes=2)
    assert "> white van at the truck stop again tonight" in h.platform.dms("nina")[-1]
    assert h.platform.dms("vera") == []
    await h.press("nina", "Send to the point person")
    await h.tick()
    assert any("white van at the truck stop again tonight" in t for t in h.platform.dms("vera"))
    await h.close()
