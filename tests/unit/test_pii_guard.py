"""PII guard scenarios on the console (fake) platform with the real redaction engine."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.console.platform import ConsolePlatform
from bot.events import MessageEdited, MessagePosted
from bot.platform import Capability, ChannelRef, MessageRef, UserRef
from redaction import RedactionSettings, Redactor, normalise_alias
from storage.crypto import KeyedHasher, KeyRing
from storage.models import OutboxMessage, ScheduledItem
from storage.pii_guard import PiiPending, PiiWeeklyFindings
from tests.harness import Harness

# One key ring for every harness, so the shared engine's deny-list hashes match theirs.
RING = KeyRing.generate()
ALIAS = "Big Papi"
CANARY_NAME = "Zebediah Quackenbush"
CANARY_PHONE = "312-555-0199"
CANARY = f"Tell {CANARY_NAME} to call {CANARY_PHONE} tonight"


@pytest.fixture(scope="session")
def redactor() -> Iterator[Redactor]:
    hasher = KeyedHasher(RING.hmac_key)
    settings = RedactionSettings(deny_hashes=frozenset({hasher(normalise_alias(ALIAS))}))
    yield Redactor(settings, keyed_hash=hasher)


@pytest.fixture
def make(tmp_path: Path, redactor: Redactor) -> Iterator[Any]:
    made: list[Harness] = []

    def build(**kw: Any) -> Harness:
        h = Harness.create(tmp_path, redactor=redactor, keyring=RING, **kw)
        made.append(h)
        return h

    yield build


@pytest.fixture
async def h(make: Any) -> AsyncIterator[Harness]:
    harness = make()
    yield harness
    await harness.close()


def _warnings(h: Harness, handle: str) -> list[str]:
    return [t for t in h.platform.private_texts(handle) if "looks like it contains" in t]


def _actions(h: Harness) -> list[str]:
    return [r.action for r in h.audit_rows() if r.action.startswith("pii.")]


def _everything_stored(h: Harness) -> str:
    """Every audit row, scheduled payload and outbox body a coordinator would get, as one string."""
    with h.app.services.db.session() as s:
        items = [f"{i.ref} {i.payload}" for i in s.execute(select(ScheduledItem)).scalars()]
        bodies = [m.body for m in s.execute(select(OutboxMessage)).scalars() if m.purpose != "pii.repost"]
    audit = [f"{r.actor} {r.action} {r.target} {r.detail}" for r in h.audit_rows()]
    return "\n".join(items + bodies + audit)


# -- warn ---------------------------------------------------------------------------------------
async def test_warn_channel_poster_gets_private_warning_and_nothing_in_channel(h: Harness) -> None:
    await h.say("dan", CANARY, channel="general")
    warning = h.platform.ephemerals("dan")
    assert len(warning) == 1
    assert "a name and a phone number" in warning[0]
    assert "[PERSON]" in warning[0] and CANARY_PHONE not in warning[0] and CANARY_NAME not in warning[0]
    assert h.platform.channel_posts("general") == []
    _ref, msg = h.platform.last_buttons("dan")
    assert msg is not None
    assert [b.label for b in msg.buttons] == ["Repost redacted", "Keep (give reason)", "Delete"]
    assert all(CANARY_NAME not in b.value and len(b.value) <= 32 for b in msg.buttons)
    assert _actions(h) == ["pii.warned"]


async def test_clean_message_gets_no_warning(h: Harness) -> None:
    await h.say("dan", "Meeting moved to 3pm, bring the quarterly numbers", channel="general")
    assert h.platform.private_texts("dan") == []
    assert _actions(h) == []


async def test_member_and_agency_names_are_not_flagged(h: Harness) -> None:
    await h.say("dan", "Nina Sato from Safe Haven Services will brief Omar Haddad", channel="general")
    assert _warnings(h, "dan") == []


async def test_deny_listed_alias_is_flagged(h: Harness) -> None:
    await h.say("dan", "heard big papi is moving the girls again", channel="general")
    warning = _warnings(h, "dan")
    assert len(warning) == 1 and "a name" in warning[0] and "papi" not in warning[0].lower()


async def test_direct_message_with_the_bot_is_not_scanned(h: Harness) -> None:
    await h.say("dan", CANARY, channel="dm")
    assert h.platform.private_texts("dan") == []


async def test_off_channel_is_not_scanned(make: Any) -> None:
    h = make(overrides={"pii_guard": {"default_policy": "off"}})
    await h.say("dan", CANARY, channel="random-unlisted")
    assert h.platform.private_texts("dan") == []
    await h.close()


async def test_unlisted_channel_uses_default_policy_warn(h: Harness) -> None:
    await h.say("dan", CANARY, channel="random-unlisted")
    assert len(_warnings(h, "dan")) == 1


async def test_admin_policy_change_takes_effect(h: Harness) -> None:
    await h.command("omar", "/admin policy #general off")
    await h.say("dan", CANARY, channel="general")
    assert _warnings(h, "dan") == []


# -- buttons ------------------------------------------------------------------------------------
async def test_repost_redacted_button_removes_original_and_reposts(h: Harness) -> None:
    await h.say("dan", CANARY, channel="general")
    await h.press("dan", "Repost redacted")
    visible = h.platform.visible_in_channel("general")
    assert [a for a, _ in visible] == ["needtoknow"]
    assert visible[0][1].startswith("Dan Okafor wrote (PII removed by needtoknow): Tell [PERSON]")
    assert _actions(h) == ["pii.warned", "pii.reposted"]
    with h.app.services.db.session() as s:
        assert s.execute(select(PiiPending)).first() is None  # deleted after use


async def test_delete_button_removes_the_message(h: Harness) -> None:
    await h.say("dan", CANARY, channel="general")
    await h.press("dan", "Delete")
    assert h.platform.visible_in_channel("general") == []
    assert _actions(h) == ["pii.warned", "pii.deleted"]


async def test_keep_button_asks_for_a_reason_and_audits_the_code(h: Harness) -> None:
    await h.say("dan", CANARY, channel="general")
    await h.press("dan", "Keep (give reason)")
    assert await h.fill("dan", {"reason": "release_on_file"}) is None
    assert [a for a, _ in h.platform.visible_in_channel("general")] == ["dan"]
    kept = h.audit_rows()[-1]
    assert kept.action == "pii.kept" and kept.detail["reason"] == "release_on_file"
    assert kept.detail["labels"] == {"PERSON": 1, "PHONE": 1}


async def test_keep_reason_must_come_from_the_list(h: Harness) -> None:
    await h.say("dan", CANARY, channel="general")
    await h.press("dan", "Keep (give reason)")
    errors = await h.fill("dan", {"reason": "because I said so"})
    assert errors is not None and "reason" in errors


async def test_someone_else_cannot_press_the_posters_buttons(h: Harness) -> None:
    await h.say("dan", CANARY, channel="general")
    _ref, msg = h.platform.last_buttons("dan")
    assert msg is not None
    from bot.events import ButtonPressed

    await h.app.dispatch(
        ButtonPressed(
            user=UserRef("console", "alice"),
            channel=ChannelRef("console", "general"),
            action_id="pii.delete",
            value=msg.buttons[-1].value,
        )
    )
    assert [a for a, _ in h.platform.visible_in_channel("general")] == ["dan"]
    assert "expired or was already handled" in h.platform.ephemerals("alice")[-1]


async def test_pressing_twice_is_refused_the_second_time(h: Harness) -> None:
    await h.say("dan", CANARY, channel="general")
    await h.press("dan", "Delete")
    await h.session("dan").press("3")  # the same old warning's Delete again
    assert "expired or was already handled" in h.platform.ephemerals("dan")[-1]
    assert _actions(h).count("pii.deleted") == 1


async def test_pending_text_is_encrypted_at_rest_and_purged_after_expiry(h: Harness) -> None:
    await h.say("dan", CANARY, channel="general")
    with h.app.services.db.session() as s:
        raw = s.execute(text("SELECT text, redacted FROM pii_pending")).all()
    assert raw and all(CANARY_NAME not in str(v) and str(v).startswith("v1:") for row in raw for v in row)
    await h.tick(minutes=61)
    with h.app.services.db.session() as s:
        assert s.execute(select(PiiPending)).first() is None


# -- redact ---------------------------------------------------------------------------------------
async def test_redact_channel_removes_original_and_reposts_attributed(h: Harness) -> None:
    await h.say("nina", CANARY, channel="core-team")
    visible = h.platform.visible_in_channel("core-team")
    assert len(visible) == 1
    author, body = visible[0]
    assert author == "needtoknow"
    assert body.startswith("Nina Sato wrote (PII removed by needtoknow): Tell [PERSON] to call [PHONE]")
    assert "I removed your message in #core-team" in h.platform.ephemerals("nina")[-1]
    assert _actions(h) == ["pii.redacted"]
    assert h.platform.dms("omar") == []  # nothing to escalate


async def test_redact_channel_without_permission_warns_alerts_and_reports_breach(make: Any) -> None:
    h = make(can_redact=False)
    await h.say("nina", CANARY, channel="core-team")
    warning = _warnings(h, "nina")[0]
    assert "cannot remove your message" in warning
    _ref, msg = h.platform.last_buttons("nina")
    assert msg is not None and [b.label for b in msg.buttons] == ["Repost redacted", "Delete"]  # no Keep
    alert = h.platform.dms("omar")
    assert len(alert) == 1 and "#core-team" in alert[0] and "a name and a phone number" in alert[0]
    await h.tick(minutes=14)
    assert len(h.platform.dms("omar")) == 1
    await h.tick(minutes=2)
    breach = h.platform.dms("omar")[-1]
    assert "Possible breach of confidentiality PB-1" in breach
    assert "Nina Sato (nina)" in breach and "#core-team" in breach and "2026-03-02 15:00 UTC" in breach
    row = h.audit_rows()[-1]
    assert row.action == "pii.breach_reported" and row.detail["poster"] == "nina"
    assert row.detail["labels"] == {"PERSON": 1, "PHONE": 1}
    stored = _everything_stored(h)
    assert CANARY_NAME not in stored and CANARY_PHONE not in stored
    await h.tick(minutes=30)
    assert _actions(h).count("pii.breach_reported") == 1
    await h.close()


@pytest.mark.parametrize("label", ["Delete", "Repost redacted"])
async def test_no_breach_reported_when_poster_acts_in_time(make: Any, label: str) -> None:
    h = make(can_redact=False)
    await h.say("nina", CANARY, channel="core-team")
    await h.tick(minutes=5)
    await h.press("nina", label)
    assert "please delete it yourself" in h.platform.ephemerals("nina")[-1]
    await h.tick(minutes=30)
    assert "pii.breach_reported" not in _actions(h)
    assert len(h.platform.dms("omar")) == 1  # the first alert only
    await h.close()


async def test_no_breach_reported_when_poster_edits_the_pii_out(make: Any) -> None:
    h = make(can_redact=False)
    await h.say("nina", CANARY, channel="core-team")
    await h.edit("nina", "Tell the client to call the office tonight", channel="core-team")
    assert "no longer shows PII" in h.platform.ephemerals("nina")[-1]
    await h.tick(minutes=30)
    assert "pii.breach_reported" not in _actions(h)
    await h.close()


async def test_breach_check_on_postgres_and_sqlite(make: Any, database_url: str) -> None:
    h = make(can_redact=False, database_url=database_url)
    await h.say("nina", CANARY, channel="core-team")
    await h.tick(minutes=16)
    assert _actions(h) == ["pii.warned", "pii.breach_reported"]
    with h.app.services.db.session() as s:
        rows = list(s.execute(select(PiiWeeklyFindings)).scalars())
    assert {(r.channel, r.label, r.messages) for r in rows} == {
        ("#core-team", "PERSON", 1),
        ("#core-team", "PHONE", 1),
    }
    await h.close()


# -- meeting --------------------------------------------------------------------------------------
async def test_meeting_channel_warning_reminds_of_the_agreement(h: Harness) -> None:
    await h.say("leo", CANARY, channel="case-review")
    warning = _warnings(h, "leo")[0]
    assert "Reminder of this channel's agreement: Case review follows the signed confidentiality" in warning
    assert h.platform.channel_posts("case-review") == []


# -- edits ----------------------------------------------------------------------------------------
async def test_edit_adding_pii_is_caught(h: Harness) -> None:
    await h.say("dan", "I will call her later", channel="general")
    assert _warnings(h, "dan") == []
    await h.edit("dan", CANARY, channel="general")
    assert len(_warnings(h, "dan")) == 1
    assert h.audit_rows()[-1].detail["edit"] is True


async def test_message_redacted_then_edited_back_to_pii_is_caught_again(h: Harness) -> None:
    await h.say("nina", CANARY, channel="core-team")
    assert _actions(h) == ["pii.redacted"]
    await h.edit("nina", f"{CANARY} (edited)", channel="core-team")
    assert _actions(h) == ["pii.redacted", "pii.redacted"]
    assert h.platform.deliveries[-1].kind in ("post", "ephemeral")
    assert [d.kind for d in h.platform.deliveries].count("redact") == 2


async def test_warn_then_edit_clean_then_back_to_pii_warns_again(h: Harness) -> None:
    await h.say("dan", CANARY, channel="general")
    await h.edit("dan", "Tell the client to call tonight", channel="general")
    await h.edit("dan", CANARY, channel="general")
    assert len(_warnings(h, "dan")) == 2
    with h.app.services.db.session() as s:
        assert len(list(s.execute(select(PiiPending)).scalars())) == 1  # the superseded one is gone


async def test_matrix_style_edit_redacts_original_and_edit_event(h: Harness) -> None:
    channel = ChannelRef("console", "core-team")
    original = h.platform.record_member_message(channel, "nina", "ok")
    edit = h.platform.record_member_message(channel, "nina", CANARY)
    await h.app.dispatch(
        MessageEdited(
            user=UserRef("console", "nina"), channel=channel, message=original, text=CANARY, edit=edit
        )
    )
    await h.app.drain()
    redacted = [d.ref for d in h.platform.deliveries if d.kind == "redact"]
    assert redacted == [original, edit]


# -- preview ----------------------------------------------------------------------------------------
async def test_preview_then_post_redacted(h: Harness) -> None:
    await h.command("dan", f"/preview {CANARY}", channel="general")
    reply = h.platform.ephemerals("dan")[-1]
    assert "I found a name and a phone number" in reply and CANARY_NAME not in reply
    _ref, msg = h.platform.last_buttons("dan")
    assert msg is not None and [b.label for b in msg.buttons] == ["Post redacted"]
    assert all(len(b.value) <= 32 and CANARY_NAME not in b.value for b in msg.buttons)
    assert all(CANARY_NAME not in t for _, t in h.platform.visible_in_channel("general"))  # command removed
    await h.press("dan", "Post redacted")
    assert h.platform.channel_posts("general") == [
        "Dan Okafor wrote (checked by needtoknow): Tell [PERSON] to call [PHONE] tonight"
    ]
    assert _actions(h) == ["pii.previewed", "pii.preview_posted"]


async def test_preview_without_pii_offers_post_as_is(h: Harness) -> None:
    await h.command("dan", "/preview Meeting at 3pm in room B", channel="general")
    await h.press("dan", "Post as is")
    assert h.platform.channel_posts("general") == ["Dan Okafor wrote: Meeting at 3pm in room B"]


async def test_preview_in_dm_for_a_named_channel(h: Harness) -> None:
    await h.command("dan", f"/preview #general {CANARY}", channel="dm")
    assert "Preview for #general" in h.platform.dms("dan")[-1]
    await h.press("dan", "Post redacted")
    assert len(h.platform.channel_posts("general")) == 1


async def test_preview_without_text_explains_usage(h: Harness) -> None:
    await h.command("dan", "/preview", channel="general")
    assert "Usage: /preview <text>" in h.platform.ephemerals("dan")[-1]


# -- report ---------------------------------------------------------------------------------------
async def test_pii_report_for_coordinator_has_counts_and_no_text(h: Harness) -> None:
    await h.say("dan", CANARY, channel="general")
    await h.say("nina", CANARY, channel="core-team")
    await h.command("omar", "/pii report 2")
    report = h.platform.ephemerals("omar")[-1]
    assert "2026-W10 #general: person 1, phone 1" in report
    assert "2026-W10 #core-team: person 1, phone 1" in report
    assert CANARY_NAME not in report


async def test_pii_report_is_refused_to_other_members(h: Harness) -> None:
    await h.command("dan", "/pii report")
    assert "admin role" in h.platform.ephemerals("dan")[-1]


async def test_weekly_digest_goes_to_coordinator_when_enabled(make: Any) -> None:
    h = make(overrides={"pii_guard": {"weekly_digest": True}})
    await h.say("dan", CANARY, channel="general")
    await h.tick(days=7)
    digest = [m for m in h.platform.dms("omar") if "PII guard findings" in m]
    assert len(digest) == 1 and "#general" in digest[0] and CANARY_NAME not in digest[0]
    await h.close()


# -- audit canary and bad input ------------------------------------------------------------------
async def test_audit_rows_never_hold_the_text(make: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    h = make(can_redact=False)
    await h.say("dan", CANARY, channel="general")
    await h.press("dan", "Keep (give reason)")
    await h.fill("dan", {"reason": "other"})
    await h.say("dan", CANARY, channel="general")
    await h.press("dan", "Repost redacted")
    await h.say("dan", CANARY, channel="general")
    await h.press("dan", "Delete")
    await h.say("nina", CANARY, channel="core-team")
    await h.command("dan", f"/preview {CANARY}")
    await h.tick(minutes=20)
    assert set(_actions(h)) >= {
        "pii.warned",
        "pii.kept",
        "pii.reposted",
        "pii.deleted",
        "pii.breach_reported",
    }
    stored = _everything_stored(h)
    for secret in (CANARY_NAME, "Quackenbush", CANARY_PHONE, "0199"):
        assert secret not in stored
        assert secret not in caplog.text
    await h.close()


BAD_INPUTS = {
    "empty": "",
    "huge": ("Call Maria Lopez at 312-555-0142 about the shelter. " + "lorem ipsum dolor sit amet " * 40)
    * 90,
    "binary": bytes(range(256)).decode("latin-1") * 40,
    "emoji": "😀🙈🔥💯" * 50,
    "mixed_scripts": "Привет Иван, 他叫李明, مرحبا, call ١٢٣ or 312 555 0188 — Ïñtërnâtiônàl",
    "surrogate_like": "\u202e\u200b\ufeff zero-width \u2066 tricks \U0001f600",
}


@pytest.mark.parametrize("kind", sorted(BAD_INPUTS))
async def test_bad_input_gets_a_bounded_time_answer(h: Harness, kind: str) -> None:
    body = BAD_INPUTS[kind]
    channel = ChannelRef("console", "general")
    ref = h.platform.record_member_message(channel, "dan", body)
    start = time.monotonic()
    await h.app.dispatch(
        MessagePosted(user=UserRef("console", "dan"), channel=channel, message=ref, text=body)
    )
    await h.app.drain()
    assert time.monotonic() - start < 20
    private = h.platform.private_texts("dan")
    assert not any("something went wrong" in t for t in private)
    if kind == "huge":
        assert len(body) > 100_000
        assert "preview truncated" in private[-1] and len(private[-1]) < 2500


async def test_unknown_user_in_a_redact_channel_is_reposted_without_a_name(h: Harness) -> None:
    await h.say("mallory", CANARY, channel="core-team")
    assert h.platform.visible_in_channel("core-team")[0][1].startswith("Someone outside the directory wrote")


async def test_settings_reject_bad_values(make: Any) -> None:
    from bot.config import ConfigError

    with pytest.raises(ConfigError, match=r"pii_guard\.pending_ttl_minutes"):
        make(overrides={"pii_guard": {"pending_ttl_minutes": 5}})
    with pytest.raises(ConfigError, match=r"pii_guard\.colour: unknown key"):
        make(overrides={"pii_guard": {"colour": "red"}})
    with pytest.raises(ConfigError, match=r"pii_guard\.client_ref_pattern"):
        make(overrides={"pii_guard": {"client_ref_pattern": "(["}})


async def test_client_reference_needs_a_release_for_every_agency_in_the_channel(make: Any) -> None:
    """ECM guide: an advocate cannot share PII without a release, and not every party is on it."""
    from tests.harness import demo_data

    channels = [*demo_data()["channels"], {"name": "hsi-haven", "pii_policy": "warn", "members": ["alice", "nina"]}]
    h = make(overrides={"pii_guard": {"client_ref_pattern": r"\bCL-\d+\b"}, "channels": channels})
    await h.say("nina", "Quick update on CL-1187 tomorrow", channel="hsi-haven")
    assert "not covered by an active release" in h.platform.ephemerals("nina")[-1]  # no release yet

    await h.command("nina", '/release new client=CL-1187 agency=hsi categories=case_details '
                            'purpose="coordination of care" signed=2026-03-01 expires=2026-04-15', channel="dm")
    assert any("R-1" in t for t in h.platform.dms("nina"))
    before = len(h.platform.ephemerals("nina"))
    await h.say("nina", "Quick update on CL-1187 tomorrow", channel="hsi-haven")
    assert len(h.platform.ephemerals("nina")) == before  # haven -> hsi covered: nothing to say

    await h.say("nina", "CL-1187 is doing better", channel="case-review")  # usao, rpd, legalaid... too
    assert "not covered by an active release" in h.platform.ephemerals("nina")[-1]
    assert "CL-1187" not in h.platform.ephemerals("nina")[-1]
    await h.close()


# -- the warning fits the poster's discipline ------------------------------------------------------
async def test_warning_reminds_each_poster_of_their_own_disciplines_duty(h: Harness) -> None:
    await h.say("dan", CANARY, channel="general")  # law enforcement
    await h.say("nina", CANARY, channel="general")  # community advocate
    await h.say("hana", CANARY, channel="general")  # healthcare
    dan, nina, hana = (_warnings(h, who)[0] for who in ("dan", "nina", "hana"))
    assert "Community advocates" not in dan and "discoverable" in dan
    assert "Community advocates cannot share PII without a signed release" in nina
    assert "HIPAA" in hana and "Community advocates" not in hana


async def test_a_task_force_can_word_a_disciplines_reminder_itself(make: Any) -> None:
    h = make(overrides={"pii_guard": {"discipline_reminders": {"law_enforcement": "Case file, not chat."}}})
    await h.say("dan", CANARY, channel="general")
    assert "Case file, not chat." in _warnings(h, "dan")[0]
    await h.say("nina", CANARY, channel="general")
    assert "signed release" in _warnings(h, "nina")[0]
    await h.close()


def test_unknown_discipline_in_reminders_is_a_config_error() -> None:
    from handlers.pii_guard import PiiGuardSettings

    with pytest.raises(ValueError, match="unknown discipline"):
        PiiGuardSettings.from_mapping({"discipline_reminders": {"police": "x"}})


async def test_a_removal_retried_from_the_outbox_is_audited_like_one_done_at_once(h: Harness) -> None:
    """The outbox's "removal" rows are shared by every platform (Matrix, Slack, the console): a removal
    that failed for a reason that passes and is done by the outbox gets the ``pii.redacted`` row a
    removal done at once gets (same actor, channel, labels and policy; no text), exactly once."""
    from bot.platform import PlatformError

    real = h.platform.redact
    failures = [1]

    async def redact(message: Any, reason: str) -> bool:
        if failures:
            failures.pop()
            raise PlatformError("console platform: the removal timed out", transient=True)
        return await real(message, reason)

    await h.say("nina", CANARY, channel="core-team")  # removed at once
    h.platform.redact = redact  # type: ignore[method-assign]
    await h.say("nina", CANARY.replace("tonight", "tomorrow"), channel="core-team")  # removal queued
    await h.tick(minutes=1)
    await h.tick(minutes=5)
    assert _actions(h) == ["pii.redacted", "pii.removal_pending", "pii.redacted"]
    first, _pending, later = [r for r in h.audit_rows() if r.action.startswith("pii.")]
    assert (later.actor, later.target, later.detail) == (first.actor, first.target, first.detail)
    assert CANARY_PHONE not in _everything_stored(h) and CANARY_NAME not in _everything_stored(h)
    reposts = [b for a, b in h.platform.visible_in_channel("core-team") if a == "needtoknow"]
    assert len(reposts) == 2


# -- removal on arrival (catching up) ---------------------------------------------------------------
def _posted(h: Harness, handle: str, text: str, channel: str) -> MessagePosted:
    ref = ChannelRef("console", channel)
    message = h.platform.record_member_message(ref, handle, text)
    return MessagePosted(user=UserRef("console", handle), channel=ref, message=message, text=text)


def _told_removed(h: Harness, handle: str) -> list[str]:
    return [t for t in h.platform.private_texts(handle) if "I removed your message" in t]


async def test_removal_on_arrival_then_ordered_handling_removes_reposts_and_tells_once(h: Harness) -> None:
    events = [
        _posted(h, "nina", CANARY, "core-team"),
        _posted(h, "nina", "The quarterly review moves to the large room", "core-team"),
        _posted(h, "dan", CANARY, "general"),  # a warn channel: nothing is removed on arrival
    ]
    assert await h.app.remove_pii_first(events) == 1
    assert [d.ref for d in h.platform.deliveries if d.kind == "redact"] == [events[0].message]
    assert h.platform.visible_in_channel("core-team") == [("nina", events[1].text)]  # the repost is held
    for event in events:  # the ordered handling of the same events
        await h.app.dispatch(event)
    await h.app.drain()
    await h.tick(minutes=5)  # past the hold: nothing queued on arrival is left to go out again
    assert [d.ref for d in h.platform.deliveries if d.kind == "redact"] == [events[0].message]
    reposts = [b for a, b in h.platform.visible_in_channel("core-team") if a == "needtoknow"]
    assert len(reposts) == 1 and reposts[0].startswith("Nina Sato wrote (PII removed by needtoknow)")
    assert len(_told_removed(h, "nina")) == 1
    assert _actions(h) == ["pii.redacted", "pii.warned"]
    assert len(_warnings(h, "dan")) == 1


async def test_a_crash_after_removal_on_arrival_still_reposts_and_tells_the_poster(h: Harness) -> None:
    event = _posted(h, "nina", CANARY, "core-team")
    assert await h.app.remove_pii_first([event]) == 1
    # The process dies before the ordered handling; after a restart the event's text is gone (the
    # platform serves it redacted), so only the queued rows can repost: they go out when the hold lapses.
    await h.tick(minutes=1)
    assert [a for a, _b in h.platform.visible_in_channel("core-team")] == []
    await h.tick(minutes=2)
    reposts = [b for a, b in h.platform.visible_in_channel("core-team") if a == "needtoknow"]
    assert len(reposts) == 1 and CANARY_PHONE not in reposts[0]
    assert len(_told_removed(h, "nina")) == 1


async def test_an_ordered_turn_after_the_hold_lapsed_does_not_tell_the_poster_twice(h: Harness) -> None:
    event = _posted(h, "nina", CANARY, "core-team")
    assert await h.app.remove_pii_first([event]) == 1
    await h.tick(minutes=3)  # a long catch-up: the held repost and notice went out meanwhile
    await h.app.dispatch(event)
    await h.app.drain()
    await h.tick(minutes=3)
    assert len([a for a, _b in h.platform.visible_in_channel("core-team") if a == "needtoknow"]) == 1
    assert len(_told_removed(h, "nina")) == 1


class _NoEphemeral(ConsolePlatform):
    """The console platform as Matrix is where the poster's note is concerned: no ephemeral messages
    (an answer in a channel is a DM), and a send under an idempotency key already used returns the
    first message instead of posting again (Synapse's transaction ids)."""

    @property
    def capabilities(self) -> Capability:
        return super().capabilities & ~Capability.EPHEMERAL

    async def ephemeral(self, channel: ChannelRef, user: UserRef, message: Any) -> None:
        await self.send_dm(user, message)

    async def send_dm(self, user: UserRef, message: Any, *, idempotency_key: str | None = None) -> MessageRef:
        sent: dict[str, MessageRef] = self.__dict__.setdefault("_by_key", {})
        if idempotency_key is not None and idempotency_key in sent:
            return sent[idempotency_key]
        ref = await super().send_dm(user, message, idempotency_key=idempotency_key)
        if idempotency_key is not None:
            sent[idempotency_key] = ref
        return ref


def _outbox(h: Harness) -> list[tuple[str, str, str]]:
    with h.app.services.db.session() as s:
        return [(m.purpose, m.status, m.body) for m in s.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()]


async def test_without_ephemeral_messages_the_note_after_a_removal_is_the_held_notice_itself(make: Any) -> None:
    """Matrix: the note ("I reposted it") is the held notice row, rewritten and released in one
    statement — no second message (a direct reply, or one queued under the event's key) exists that
    a kill between two steps could send next to it (docs/architecture.md, Matrix; issue 15)."""
    h = make(platform=_NoEphemeral())
    event = _posted(h, "nina", CANARY, "core-team")
    assert await h.app.remove_pii_first([event]) == 1
    await h.app.dispatch(event)
    await h.app.drain()
    told = _told_removed(h, "nina")
    assert len(told) == 1 and "I reposted it with those parts masked" in told[0] and CANARY_PHONE not in told[0]
    rows = [(purpose, status) for purpose, status, _body in _outbox(h)]
    assert rows == [("pii.repost", "sent"), ("pii.removed_notice", "sent")]  # nothing else queued, nothing withdrawn
    await h.tick(minutes=5)  # past the hold
    assert len(_told_removed(h, "nina")) == 1
    await h.close()


async def test_a_message_the_bot_removed_before_a_crash_releases_its_held_rows_when_met_again(make: Any) -> None:
    """Killed between the removal on arrival and the ordered handling: the restarted adapter meets the
    message again, redacted by the bot (``App.removal_seen``), and the repost and notice go out at
    once instead of after the hold (2 minutes); nothing goes out twice afterwards."""
    h = make(platform=_NoEphemeral())
    event = _posted(h, "nina", CANARY, "core-team")
    assert await h.app.remove_pii_first([event]) == 1
    # (the process dies here; the replay of the event has no text any more)
    assert await h.app.removal_seen(event.message) == 2
    await h.tick(seconds=1)
    reposts = [b for a, b in h.platform.visible_in_channel("core-team") if a == "needtoknow"]
    assert len(reposts) == 1 and CANARY_PHONE not in reposts[0]
    told = _told_removed(h, "nina")
    assert len(told) == 1 and "Tell" in told[0] and CANARY_PHONE not in told[0]  # with the masked preview
    assert await h.app.removal_seen(event.message) == 0  # met again: nothing left to release
    await h.tick(minutes=5)
    assert len(_told_removed(h, "nina")) == 1
    assert len([a for a, _b in h.platform.visible_in_channel("core-team") if a == "needtoknow"]) == 1
    await h.close()


async def test_an_edit_removed_before_a_crash_releases_the_rows_held_for_the_edit(make: Any) -> None:
    h = make(platform=_NoEphemeral())
    clean = _posted(h, "nina", "The review moves to the large room", "core-team")
    await h.app.dispatch(clean)
    channel = ChannelRef("console", "core-team")
    edit_ref = h.platform.record_member_message(channel, "nina", CANARY)
    edit = MessageEdited(user=UserRef("console", "nina"), channel=channel, message=clean.message, text=CANARY,
                         edit=edit_ref)
    assert await h.app.remove_pii_first([edit]) == 1
    assert await h.app.removal_seen(edit_ref) == 2  # the rows carry the original's key and the edit's id
    await h.tick(seconds=1)
    assert len(_told_removed(h, "nina")) == 1
    await h.close()


async def test_where_the_note_is_ephemeral_a_met_again_removal_releases_only_the_repost(h: Harness) -> None:
    """Slack (ephemeral notes): a note may have gone out next to the held notice before the crash, so
    only the repost is released early; the notice keeps its hold."""
    event = _posted(h, "nina", CANARY, "core-team")
    assert await h.app.remove_pii_first([event]) == 1
    assert await h.app.removal_seen(event.message) == 1
    await h.tick(seconds=1)
    assert len([a for a, _b in h.platform.visible_in_channel("core-team") if a == "needtoknow"]) == 1
    assert _told_removed(h, "nina") == []
    await h.tick(minutes=3)
    assert len(_told_removed(h, "nina")) == 1


async def test_where_removal_is_not_allowed_nothing_is_queued_on_arrival_and_the_poster_is_warned(
    make: Any,
) -> None:
    h = make(can_redact=False)
    event = _posted(h, "nina", CANARY, "core-team")
    assert await h.app.remove_pii_first([event]) == 0
    with h.app.services.db.session() as s:
        assert s.execute(select(OutboxMessage)).scalars().all() == []
    await h.app.dispatch(event)
    await h.app.drain()
    assert "cannot remove your message" in _warnings(h, "nina")[0]
    await h.close()


async def test_a_backlogs_removals_on_arrival_wait_while_a_live_message_is_being_removed(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catching up, the backlog's scans and removals on arrival hold back while a live message is
    being removed (they share the engine and the homeserver): the live removal never queues
    behind the backlog's (docs/matrix.md, "Removal on arrival")."""
    import asyncio

    from handlers import pii_guard
    from handlers.pii_guard import remove_first

    monkeypatch.setattr(pii_guard, "LIVE_FIRST_SECONDS", 30.0)  # (a bound, so a busy room cannot stall it)

    channel = ChannelRef("console", "core-team")
    nina = UserRef("console", "nina")

    def message(n: int) -> MessagePosted:
        return MessagePosted(user=nina, channel=channel, message=h.platform.record_member_message(channel, "nina", "x"),
                             text=f"Tell Zebediah Quackenbush to call 312-555-{1000 + n} tonight")

    live, backlog = message(0), [message(n) for n in range(1, 7)]
    redact = h.platform.redact
    removed: list[str] = []
    live_pending = asyncio.Event()
    release = asyncio.Event()

    async def slow_live(ref: Any, reason: str) -> bool:
        if ref.id == live.message.id:
            live_pending.set()
            await release.wait()  # the homeserver is slow to answer the live redaction
        removed.append(ref.id)
        return await redact(ref, reason)

    h.platform.redact = slow_live  # type: ignore[method-assign]
    live_task = asyncio.create_task(remove_first(h.app.services, [live]))
    await asyncio.wait_for(live_pending.wait(), 30)
    backlog_task = asyncio.create_task(remove_first(h.app.services, backlog, concurrency=2))
    await asyncio.sleep(3)
    assert removed == []  # nothing of the backlog went ahead of the live removal
    release.set()
    assert await live_task == 1
    assert await backlog_task == len(backlog)
    assert removed[0] == live.message.id and len(removed) == 1 + len(backlog)
