"""Tips: one point person, nothing in channels, duplicates flagged, need-to-know dissemination."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from bot.platform import UserRef
from handlers.tips import (
    TipSettings,
    identifiers_of,
    normalise_handles,
    normalise_name,
    normalise_phones,
    normalise_plates,
)
from storage import outbox
from storage.models import Base, OutboxMessage, ScheduledItem
from storage.tips import Tip, TipIdentifier
from tests.harness import Harness, demo_data

CANARY = "ZEBRA-CANARY-7741"
TIP = f'/tip name="Marco Silva" phone="(312) 555-0147" observed="{CANARY} two girls at the motel"'
EVERYONE = ("vera", "omar", "alice", "dan", "paula", "nina", "hana", "leo")


def _tips(h: Harness) -> int:
    with h.app.services.db.session() as s:
        return int(s.execute(select(func.count(Tip.id))).scalar_one())


def _who_saw(h: Harness, needle: str) -> set[str]:
    return {handle for handle in EVERYONE if any(needle in t for t in h.platform.private_texts(handle))}


def _members_without_point_person() -> list[dict[str, Any]]:
    members = demo_data()["members"]
    for m in members:
        m["roles"] = [r for r in m.get("roles", []) if r not in ("point_person", "backup_point_person")]
    return members


# -- submitting ------------------------------------------------------------------------------------


async def test_tip_never_appears_in_channel(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", TIP, channel="general")
    await h.tick(minutes=1)
    assert not any(CANARY in text for _author, text in h.platform.visible_in_channel("general"))
    assert all(d.kind not in ("post",) for d in h.platform.deliveries)
    redactions = [d for d in h.platform.deliveries if d.kind == "redact"]
    assert [d.text for d in redactions] == ["tip moved to a private conversation"]
    for d in h.platform.deliveries:
        if d.kind == "ephemeral":
            assert CANARY not in d.text
    await h.close()


async def test_only_the_point_person_receives_the_tip(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", TIP, channel="general")
    assert _who_saw(h, CANARY) == {"vera"}
    assert _who_saw(h, "Marco Silva") == {"vera"}
    tip_dm = h.platform.dms("vera")[0]
    assert "New tip T-0001" in tip_dm and "Nina Sato" in tip_dm
    _ref, message = h.platform.last_buttons("vera")
    assert message is not None
    assert [b.label for b in message.buttons] == [
        "Acknowledge",
        "Mark duplicate",
        "Disseminate",
        "Open case",
        "Close",
    ]
    assert {b.value for b in message.buttons} == {"T-0001"}
    await h.close()


async def test_submitter_confirmation_has_the_reference_and_nothing_else(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", TIP, channel="general")
    confirmation = h.platform.private_texts("nina")[-1]
    assert "T-0001" in confirmation
    assert "Marco" not in confirmation and CANARY not in confirmation
    assert "Vera" not in confirmation  # who handles it is not said unless configured
    await h.close()


async def test_submitter_is_told_the_handler_only_when_configured(tmp_path: Path) -> None:
    h = Harness.create(tmp_path, overrides={"tips": {"tell_submitter_handler": True}})
    await h.tip("nina", "saw something at the truck stop", channel="dm")
    assert "Vera Lindqvist" in h.platform.dms("nina")[-1]
    await h.close()


async def test_tip_form_submission_routes_like_the_one_liner(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("dan", "/tip", channel="general")
    assert h.platform.pending_forms["dan"].form.form_id == "tips.new"
    errors = await h.fill(
        "dan",
        {
            "name": "Marco Silva",
            "observed": f"{CANARY} at the bus station",
            "source": "hotline",
            "urgency": "urgent",
        },
    )
    assert errors is None
    assert _who_saw(h, CANARY) == {"vera"}
    assert "urgent" in h.platform.dms("vera")[0] and "source: hotline" in h.platform.dms("vera")[0]
    assert "T-0001" in h.platform.ephemerals("dan")[-1]
    await h.close()


async def test_immediate_danger_shows_emergency_guidance_before_anything_else(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("hana", '/tip observed="a patient says she can\'t leave" danger=yes', channel="dm")
    first = h.platform.dms("hana")[0]
    assert "911" in first and "1-888-373-7888" in first and "233733" in first
    assert "T-0001" in h.platform.dms("hana")[1]
    assert "IMMEDIATE DANGER" in h.platform.dms("vera")[0]
    await h.close()


async def test_empty_tip_is_refused_clearly_and_nothing_is_stored(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", "/tip", channel="dm")
    errors = await h.fill("nina", {"observed": "   "})
    assert errors == {"observed": "What was observed is required"}
    await h.command("nina", "/tip name=Someone", channel="dm")
    assert "What was observed is required" in h.platform.dms("nina")[-1]
    assert "Nothing was stored" in h.platform.dms("nina")[-1]
    assert _tips(h) == 0 and h.platform.dms("vera") == []
    await h.close()


async def test_50kb_tip_is_refused_with_advice_and_not_truncated(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", "/tip " + CANARY + " " + "x" * 50_000, channel="general")
    reply = h.platform.ephemerals("nina")[-1]
    assert "too long" in reply and "Nothing was stored" in reply and "split" in reply and "summary" in reply
    assert CANARY not in reply
    assert _tips(h) == 0 and h.platform.dms("vera") == []
    # the message was still taken out of the channel
    assert not any(CANARY in t for _a, t in h.platform.visible_in_channel("general"))
    await h.close()


async def test_tip_at_the_limit_is_stored_whole(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    body = CANARY + "y" * (20_000 - len(CANARY))
    await h.tip("nina", body, channel="dm")
    assert body in h.platform.dms("vera")[0]
    await h.close()


async def test_unknown_submitter_is_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("mallory", f"/tip {CANARY} saw a man", channel="general")
    reply = h.platform.ephemerals("mallory")[-1]
    assert (
        "not in this task force's directory" in reply and "not stored" in reply and "1-888-373-7888" in reply
    )
    assert _tips(h) == 0 and h.platform.dms("vera") == []
    assert not any(CANARY in t for _a, t in h.platform.visible_in_channel("general"))
    assert [r.action for r in h.audit_rows()] == ["tip.command_removed", "permission.denied"]
    await h.close()


async def test_without_a_point_person_the_tip_is_kept_and_the_coordinator_alerted(tmp_path: Path) -> None:
    h = Harness.create(tmp_path, overrides={"members": _members_without_point_person()})
    await h.command("nina", TIP, channel="dm")
    assert (
        "stored as *T-0001*; no point person is configured, the coordinator has been alerted"
        in (h.platform.dms("nina")[-1])
    )
    alert = h.platform.dms("omar")[-1]
    assert "T-0001" in alert and CANARY not in alert and "Marco" not in alert
    assert _tips(h) == 1
    assert _who_saw(h, CANARY) == set()
    await h.close()


async def test_tip_still_goes_out_when_the_channel_message_cannot_be_removed(tmp_path: Path) -> None:
    h = Harness.create(tmp_path, can_redact=False)
    await h.command("nina", TIP, channel="general")
    assert any("Please delete it yourself" in t for t in h.platform.ephemerals("nina"))
    assert _who_saw(h, CANARY) == {"vera"}
    assert "tip.command_not_removed" in [r.action for r in h.audit_rows()]
    await h.close()


# -- duplicates ------------------------------------------------------------------------------------


async def test_same_phone_in_different_formatting_is_flagged(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", '/tip phone="(312) 555-0147" observed="first"', channel="dm")
    await h.tip("dan", "he said to call +1 312.555.0147 for dates", channel="dm")
    assert "possible match: T-0001 — same phone" in h.platform.dms("vera")[-1]
    await h.close()


async def test_same_handle_with_different_case_is_flagged(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", "/tip handle=@BigMarco99 observed=ads", channel="dm")
    await h.command("alice", "/tip handle=bigmarco99 observed=more ads", channel="dm")
    assert "possible match: T-0001 — same handle" in h.platform.dms("vera")[-1]
    await h.close()


async def test_near_identical_name_is_flagged_and_different_name_is_not(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", '/tip name="Marco Silva" observed=one', channel="dm")
    await h.command("dan", '/tip name="Maria Santos" observed=two', channel="dm")
    assert "no earlier tip shares an identifier" in h.platform.dms("vera")[-1]
    await h.command("paula", '/tip name="marco  silvaa" observed=three', channel="dm")
    last = h.platform.dms("vera")[-1]
    assert "possible match: T-0001 — similar name" in last and "T-0002" not in last
    await h.command("leo", '/tip name="SILVA, Marco" observed=four', channel="dm")
    assert "possible match: T-0001" in h.platform.dms("vera")[-1]
    await h.close()


async def test_possible_match_names_the_case_and_lead_agency(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", TIP, channel="dm")
    await h.command("vera", "/tip case T-0001 hsi", channel="dm")
    await h.tip("dan", "call 312 555 0147", channel="dm")
    assert "possible match: T-0001 (case C-1, lead agency HSI) — same phone" in h.platform.dms("vera")[-1]
    await h.close()


async def test_identifiers_are_stored_as_keyed_hashes_only(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", TIP + " handle=@marco.s vehicle=ABC-1234", channel="dm")
    with h.app.services.db.session() as s:
        rows = list(s.execute(select(TipIdentifier.kind, TipIdentifier.digest)).all())
    assert {k for k, _ in rows} == {"phone", "name", "handle", "vehicle"}
    assert all(len(d) == 64 and "marco" not in d for _, d in rows)
    await h.close()


def test_identifier_normalisation() -> None:
    assert normalise_phones("(312) 555-0147 / 312.555.0147", "US") == {"+13125550147"}
    assert normalise_handles("@BigMarco, Marco@Example.ORG") == {
        ("handle", "bigmarco"),
        ("email", "marco@example.org"),
    }
    assert normalise_plates("abc-1234") == {"ABC1234"}
    assert normalise_name("  ＭＡＲＣＯ   Silva. ") == "marco silva"
    found = identifiers_of({"observed": "text @Ghost99 or mail x@y.com"}, "US")
    assert ("handle", "ghost99") in found and ("email", "x@y.com") in found


# -- acknowledgement, reminders, escalation -----------------------------------------------------------


async def test_unacknowledged_tip_is_reminded_then_escalated_to_the_backup(tmp_path: Path) -> None:
    h = Harness.create(tmp_path, overrides={"tips": {"ack_reminder_minutes": 30, "escalate_minutes": 120}})
    await h.command("nina", TIP, channel="dm")
    await h.tick(minutes=29)
    assert len(h.platform.dms("vera")) == 1
    await h.tick(minutes=2)
    assert "Reminder: tip T-0001" in h.platform.dms("vera")[-1]
    assert CANARY not in h.platform.dms("vera")[-1]
    assert _who_saw(h, CANARY) == {"vera"}
    await h.tick(minutes=88)
    assert _who_saw(h, CANARY) == {"vera"}
    await h.tick(minutes=2)
    assert _who_saw(h, CANARY) == {"vera", "omar"}
    assert "Escalated tip T-0001" in h.platform.dms("omar")[-1]
    # the backup may act on it
    await h.press("omar", "Acknowledge")
    assert "T-0001 acknowledged" in h.platform.dms("omar")[-1]
    assert "tip.escalated" in [r.action for r in h.audit_rows()]
    await h.close()


async def test_acknowledged_tip_is_neither_reminded_nor_escalated(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", TIP, channel="dm")
    await h.press("vera", "Acknowledge")
    await h.tick(hours=5)
    await h.tick(days=2)
    assert not any("Reminder" in t for t in h.platform.dms("vera"))
    assert _who_saw(h, CANARY) == {"vera"}
    assert "received and is being handled by the task force's tip point person" in h.platform.dms("nina")[-1]
    with h.app.services.db.session() as s:
        statuses = set(s.execute(select(ScheduledItem.status)).scalars())
    assert statuses == {"cancelled"}
    await h.close()


# -- dissemination, answers, meeting, case ------------------------------------------------------------


async def test_dissemination_reaches_only_the_core_team_with_name_and_reference(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("hana", TIP, channel="dm")
    await h.press("vera", "Disseminate")
    assert await h.fill("vera", {}) is None
    asked = {m for m in EVERYONE if any("need-to-know check" in t for t in h.platform.dms(m))}
    assert asked == {"omar", "alice", "dan", "paula", "nina"}
    question = h.platform.dms("dan")[-1]
    assert "T-0001" in question and "Marco Silva" in question
    assert "555" not in question and CANARY not in question and "motel" not in question
    assert _who_saw(h, CANARY) == {"vera"}
    rows = [r for r in h.audit_rows() if r.action == "tip.disseminated"]
    assert rows[0].detail == {"recipients": 5, "fields": ["name"]}
    await h.close()


async def test_point_person_may_choose_more_fields(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", TIP, channel="dm")
    await h.command("vera", "/tip disseminate T-0001 name,phone", channel="dm")
    assert "(312) 555-0147" in h.platform.dms("alice")[-1]
    await h.close()


async def test_answers_are_collected_and_a_private_meeting_is_proposed(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", TIP, channel="dm")
    await h.command("vera", "/tip disseminate T-0001", channel="dm")
    await h.press("paula", "No information")
    assert "0 have information, 1 no information, 4 not answered yet" in h.platform.dms("vera")[-1]
    await h.press("dan", "I have information")
    proposal = h.platform.dms("vera")[-1]
    assert "Dan Okafor" in proposal and "case meeting by Mon 09 Mar" in proposal
    await h.press("alice", "I have information")
    await h.press("vera", "Set up case meeting")
    await h.tick(seconds=1)
    room = h.platform.channels["tip-t-0001-meeting"]
    assert sorted(room.members) == ["alice", "dan", "vera"]
    intro = h.platform.channel_posts("tip-t-0001-meeting")
    assert len(intro) == 1 and "T-0001" in intro[0] and "Marco" not in intro[0] and CANARY not in intro[0]
    # reminded until a lead agency is recorded
    await h.tick(hours=49)
    assert "no lead agency is recorded" in h.platform.dms("vera")[-1]
    await h.command("vera", "/tip case T-0001 hsi", channel="dm")
    assert "Case C-1 opened for T-0001; lead agency HSI" in h.platform.dms("vera")[-1]
    assert "Case C-1" in h.platform.dms("dan")[-1]
    before = len(h.platform.dms("vera"))
    await h.tick(days=10)
    assert len(h.platform.dms("vera")) == before
    await h.command("paula", "/case show C-1", channel="dm")
    shown = h.platform.dms("paula")[-1]
    assert "Linked tips: T-0001" in shown and "Dan Okafor" in shown and "Alice Brennan" in shown
    assert "Marco" not in shown
    actions = [r.action for r in h.audit_rows()]
    for expected in ("tip.response", "tip.meeting_proposed", "case.opened", "tip.linked", "case.viewed"):
        assert expected in actions
    await h.close()


async def test_duplicate_and_close_by_subcommand_and_button(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", TIP, channel="dm")
    await h.tip("dan", "another report", channel="dm")
    await h.command("vera", "/tip dup T-0002 T-0001", channel="dm")
    assert "T-0002 is marked as a duplicate of T-0001" in h.platform.dms("vera")[-1]
    await h.tip("alice", "a third one", channel="dm")
    await h.press("vera", "Close")
    assert await h.fill("vera", {"reason": "insufficient"}) is None
    await h.command("vera", "/tip list", channel="dm")
    listing = h.platform.dms("vera")[-1]
    assert "Open tips: 1 (2 closed or duplicate)" in listing and "T-0001" in listing
    rows = {(r.action, r.target): r.detail for r in h.audit_rows()}
    assert rows[("tip.duplicate", "T-0002")] == {"of": "T-0001"}
    assert rows[("tip.closed", "T-0003")] == {"reason": "insufficient"}
    await h.close()


async def test_only_the_point_person_and_backup_can_read_tips(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", TIP, channel="dm")
    await h.command("dan", "/tip show T-0001", channel="dm")
    assert "You need the backup point person or point person role" in h.platform.dms("dan")[-1]
    await h.command("omar", "/tip show T-0001", channel="core-team")
    assert CANARY in h.platform.dms("omar")[-1]
    assert h.platform.ephemerals("omar")[-1] == "I sent you T-0001 in a direct message."
    assert ("tip.read", "T-0001") in [(r.action, r.target) for r in h.audit_rows()]
    await h.command("hana", "/case list", channel="dm")
    assert "view task-force cases" in h.platform.dms("hana")[-1]
    await h.close()


async def test_admins_read_tips_only_when_configured(tmp_path: Path) -> None:
    members = demo_data()["members"]
    for m in members:
        if m["handle"] == "leo":
            m["roles"] = ["admin"]
    h = Harness.create(tmp_path, overrides={"members": members})
    await h.command("nina", TIP, channel="dm")
    await h.command("leo", "/tip show T-0001", channel="dm")
    assert CANARY not in h.platform.dms("leo")[-1]
    await h.close()
    h = Harness.create(tmp_path / "b", overrides={"members": members, "tips": {"admins_can_read": True}})
    await h.command("nina", TIP, channel="dm")
    await h.command("leo", "/tip show T-0001", channel="dm")
    assert CANARY in h.platform.dms("leo")[-1]
    await h.close()


async def test_home_summary_lists_open_items_by_reference(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    await h.command("nina", TIP, channel="dm")
    assert "Tips not acknowledged: T-0001" in await h.app.home_summary(UserRef("console", "vera"))
    await h.command("vera", "/tip disseminate T-0001", channel="dm")
    assert "Tips asking whether you have information: T-0001" in await h.app.home_summary(
        UserRef("console", "dan")
    )
    assert "T-0001" not in await h.app.home_summary(UserRef("console", "hana"))
    await h.close()


# -- reliability and leaks (both backends) -------------------------------------------------------------


async def test_crash_between_storing_and_delivering_redelivers(tmp_path: Path, database_url: str) -> None:
    h = Harness.create(tmp_path, database_url=database_url)
    h.app.services.kick_outbox = lambda: None  # the process dies before delivering
    await h.command("nina", TIP, channel="dm")
    assert h.platform.dms("vera") == []
    with h.app.services.db.session() as s:
        claimed = outbox.claim_due(s, h.clock.now())  # ...or after claiming, before marking sent
        assert [m.purpose for m in claimed] == ["tips.route"]
    await h.tick(seconds=30)
    assert h.platform.dms("vera") == []  # still leased
    await h.tick(minutes=3)
    assert len(h.platform.dms("vera")) == 1 and CANARY in h.platform.dms("vera")[0]
    await h.tick(minutes=10)
    assert len(h.platform.dms("vera")) == 1
    await h.close()


async def test_platform_outage_during_delivery_is_retried(tmp_path: Path, database_url: str) -> None:
    h = Harness.create(tmp_path, database_url=database_url)
    h.platform.outage = True
    await h.command("nina", TIP, channel="dm")
    assert _tips(h) == 1 and h.platform.dms("vera") == []
    h.platform.outage = False
    await h.tick(seconds=30)
    assert len(h.platform.dms("vera")) == 1 and CANARY in h.platform.dms("vera")[0]
    assert any("T-0001" in t for t in h.platform.dms("nina"))  # the confirmation was queued, not lost
    await h.close()


async def test_canary_never_reaches_database_audit_or_logs(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    h = Harness.create(tmp_path, database_url=database_url)
    await h.command("nina", TIP, channel="general")
    await h.tip("dan", f"{CANARY} at (312) 555-0147", channel="core-team")
    await h.command("vera", "/tip disseminate T-0001", channel="dm")
    await h.press("dan", "I have information")
    await h.press("vera", "Set up case meeting")
    await h.command("vera", "/tip case T-0001 hsi", channel="dm")
    h.platform.outage = True
    await h.command("alice", f'/tip observed="{CANARY} again"', channel="dm")  # key=value: sent at once
    h.platform.outage = False
    await h.tick(hours=6)
    assert CANARY in h.platform.dms("vera")[0]  # the tip did get through
    # every stored value, raw (no decryption), in every table
    with h.app.services.db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(text(f"SELECT * FROM {table.name}")):
                raw = " ".join(str(v) for v in row)
                assert CANARY not in raw and "Marco" not in raw, table.name
                assert "5550147" not in raw, table.name
    if database_url.startswith("sqlite"):
        for path in tmp_path.glob("needtoknow.db*"):
            assert CANARY.encode() not in path.read_bytes()
    for row in h.audit_rows():
        assert CANARY not in f"{row.target} {row.detail}"
    for record in caplog.records:
        assert CANARY not in record.getMessage() and "Marco" not in record.getMessage()
    with h.app.services.db.session() as s:
        assert s.execute(select(func.count(OutboxMessage.id))).scalar_one() > 0
    await h.close()


# -- settings ----------------------------------------------------------------------------------------


def test_settings_reject_unknown_keys_and_bad_values() -> None:
    assert TipSettings.from_mapping({}) == TipSettings()
    for raw, key in (
        ({"ack_reminder_minute": 5}, "tips.ack_reminder_minute"),
        ({"escalate_minutes": 0}, "tips.escalate_minutes"),
        ({"ack_reminder_minutes": 300, "escalate_minutes": 200}, "tips.escalate_minutes"),
        ({"admins_can_read": "yes"}, "tips.admins_can_read"),
        ({"phone_region": "XX"}, "tips.phone_region"),
        ({"max_observed_chars": 50_000}, "tips.max_observed_chars"),
    ):
        with pytest.raises(ValueError, match=key):
            TipSettings.from_mapping(raw)


def test_example_config_tips_section_parses() -> None:
    import tomllib

    root = Path(__file__).resolve().parents[2]
    data = tomllib.loads((root / "config.example.toml").read_text(encoding="utf-8"))
    assert TipSettings.from_mapping(data["tips"]).ack_reminder_minutes == 60


async def test_a_tip_delivery_handled_again_stores_one_tip(tmp_path: Path) -> None:
    """An adapter that may run the same delivery again (a Slack inbox row taken over, a Matrix event
    replayed after a crash) names it (``bot.platform.DELIVERY``): the second run finds the tip the
    first stored, routes nothing again and answers with the same reference."""
    from bot.platform import DELIVERY

    h = Harness.create(tmp_path)
    token = DELIVERY.set("matrix:$tip-event")
    try:
        await h.command("nina", TIP, channel="dm")
        await h.command("nina", TIP, channel="dm")
    finally:
        DELIVERY.reset(token)
    await h.tick(minutes=1)
    assert _tips(h) == 1
    assert sum("New tip T-0001" in t for t in h.platform.private_texts("vera")) == 1
    answers = [t for t in h.platform.private_texts("nina") if "stored as" in t]
    assert len(answers) == 2 and all("T-0001" in t for t in answers)
    await h.command("nina", TIP, channel="dm")  # another delivery: another tip
    assert _tips(h) == 2
