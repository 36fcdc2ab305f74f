"""A Slack request whose handler ran (wholly or partly) on a replica that then died before its inbox
row was marked done is run again from the row (another replica, or this one's sweep, takes it over when
the lease lapses). The real core (build_app, the demo directory, the real PII engine, a SQLite file)
over signed HTTP and the Web API stand-in.

What a member sees must not double: the poster of a PII message is warned once, a command is answered
once, a submitted tip form stores one tip (one DM to the point person, one confirmation). The crash is
the moment after the handler and before the row's outcome is recorded: the row's ``finish`` raises the
way a killed process would never write it (the row stays claimed until its lease lapses).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.models import InboxEntry
from storage.tips import Tip
from tests.contract.test_slack_faults import WARNED, pii_message, wait_for, warnings_seen
from tests.contract.test_slack_scenarios import (
    CANARY,
    USERS,
    SlackBot,
    dm,
    redactor,  # noqa: F401  (the session fixture)
    running,
)
from tests.integration.slack.conftest import interactive_body, signed
from tests.integration.slack.conftest import stand_in as stand_in  # the fixture
from tests.integration.slack.mock_web_api import SlackStandIn

#: A short lease and a quick sweep: the takeover happens a second after the "crash".
FAST = {"event_lease_seconds": 1.0, "inbox_sweep_seconds": 0.1, "retry_backoff_seconds": 0.1, "event_retries": 1}


class Died(Exception):
    """The replica died right after the handler: its row's outcome is never written."""


def die_before_marking_done(slack: SlackBot, times: int = 1) -> list[int]:
    """The next ``times`` rows whose handler finishes are left claimed, as by a process killed at that
    moment; returns (as it fills) the ids of those rows."""
    inbox = slack.platform._inbox
    real_finish = inbox.finish
    died: list[int] = []

    async def finish(row: Any) -> None:
        if row.attempts == 1 and (row.id in died or len(died) < times):
            if row.id not in died:
                died.append(row.id)
            raise Died()  # on every try of that first run: the outcome is never written
        await real_finish(row)

    inbox.finish = finish  # type: ignore[method-assign]
    return died


def rows(slack: SlackBot) -> list[InboxEntry]:
    with slack.app.services.db.session() as s:
        return list(s.execute(select(InboxEntry).order_by(InboxEntry.id)).scalars())


async def taken_over(slack: SlackBot, died: list[int]) -> None:
    """Wait until every row the "dead" replica left was run again and finished."""
    await wait_for(lambda: bool(died) and all(r.status == "done" and r.attempts >= 2
                                              for r in rows(slack) if r.id in died), timeout=30)
    await slack.settle(0.5)


@pytest.fixture
async def slack(tmp_path: Path, stand_in: SlackStandIn, redactor: Any) -> AsyncIterator[SlackBot]:  # noqa: F811
    async with running(tmp_path, stand_in, redactor, **FAST) as bot:
        yield bot


@pytest.fixture
async def slack_admin(tmp_path: Path, stand_in: SlackStandIn, redactor: Any) -> AsyncIterator[SlackBot]:  # noqa: F811
    async with running(tmp_path, stand_in, redactor, admin_token=True, **FAST) as bot:
        yield bot


async def test_a_pii_message_run_again_after_a_takeover_warns_its_poster_once(slack: SlackBot) -> None:
    died = die_before_marking_done(slack)
    await slack.event(pii_message("dan", slack.new_ts()))
    await taken_over(slack, died)
    assert len(warnings_seen(slack, "dan")) == 1
    assert not any(WARNED in str(c.args.get("text")) for c in slack.stand_in.calls_to("chat.postMessage"))


async def test_a_removed_message_run_again_after_a_takeover_is_reposted_once_and_not_reported(
    slack_admin: SlackBot,
) -> None:
    """A ``redact`` channel: the first run deleted the message and reposted it masked. The re-run must
    not take the deleted message for one it cannot remove (no warning, no alert to the coordinator)."""
    slack = slack_admin
    died = die_before_marking_done(slack)
    await slack.event(pii_message("dan", slack.new_ts(), channel="core-team"))
    await taken_over(slack, died)
    assert len(slack.stand_in.calls_to("chat.delete")) == 1
    reposts = [c for c in slack.stand_in.calls_to("chat.postMessage") if "PII removed" in str(c.args.get("text"))]
    assert len(reposts) == 1
    told = slack.ephemerals("dan") + slack.dms("dan")
    assert len(told) == 1 and "removed your message" in str(told[0].args.get("text")), [c.args for c in told]
    assert not [c for c in slack.dms("vera") + slack.dms("alice") if "cannot remove" in str(c.args.get("text"))]


async def test_a_command_run_again_after_a_takeover_is_answered_once(slack: SlackBot) -> None:
    died = die_before_marking_done(slack)
    await slack.command("dan", "/preview", CANARY)
    await taken_over(slack, died)
    answers = slack.ephemerals("dan") + slack.dms("dan")
    assert len(answers) == 1, [c.method for c in answers]


def _answers(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A filled-in tip form: the observation typed, the first choice of every other required field."""
    values: dict[str, dict[str, Any]] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        kind = element["type"]
        if kind == "plain_text_input" and element.get("multiline"):
            values[block["block_id"]] = {"type": kind, "value": "ZEBRA-CANARY-7741 two girls at the motel"}
        elif block.get("optional"):
            continue
        elif kind == "plain_text_input":
            values[block["block_id"]] = {"type": kind, "value": "x"}
        elif kind in ("static_select", "radio_buttons"):
            values[block["block_id"]] = {"type": kind, "selected_option": element["options"][0]}
        elif kind == "checkboxes":
            values[block["block_id"]] = {"type": kind, "selected_options": []}
    return values


async def test_a_tip_form_run_again_after_a_takeover_stores_one_tip(slack: SlackBot) -> None:
    await slack.command("nina", "/tip", "", channel="dm")
    [opened] = await slack.stand_in.wait_for("views.open")
    view = opened.args["view"]
    payload = {
        "type": "view_submission", "team": {"id": "T0TEST"},
        "user": {"id": USERS["nina"], "team_id": "T0TEST"}, "trigger_id": "trig-submit",
        "view": {"id": "V1", "type": "modal", "callback_id": view["callback_id"],
                 "private_metadata": view["private_metadata"],
                 "state": {"values": {k: {"value": v} for k, v in _answers(view).items()}}},
    }
    died = die_before_marking_done(slack)
    body = interactive_body(payload)
    async with slack.session.post(slack.url, data=body.encode(), headers=signed(body)) as resp:
        assert resp.status == 200
        assert await resp.text() == ""  # the form was valid: the modal closes
    await taken_over(slack, died)
    with slack.app.services.db.session() as s:
        assert s.execute(select(func.count(Tip.id))).scalar_one() == 1
    tip_dms = [c for c in slack.dms("vera") if "New tip" in str(c.args.get("text"))]
    assert len(tip_dms) == 1
    confirmations = [c for c in slack.stand_in.calls_to("chat.postMessage") + slack.ephemerals("nina")
                     if c.args.get("channel") in (dm("nina"),) or c.method == "chat.postEphemeral"]
    confirmations = [c for c in confirmations if "T-0001" in json.dumps(c.args)]
    assert len(confirmations) == 1, [c.args.get("text") for c in confirmations]


# --- records a command stores: one per request, whichever run stored it ------------------------------


def _count(slack: SlackBot, model: Any) -> int:
    with slack.app.services.db.session() as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


async def test_a_release_command_run_again_after_a_takeover_stores_one_release(slack: SlackBot) -> None:
    from storage.releases import ReleaseOfInformation

    died = die_before_marking_done(slack)
    await slack.command("nina", "/release", "new client=C-1187 agency=hsi categories=case_details "
                        'purpose="coordination of care" signed=2026-03-01 expires=2026-04-15', channel="dm")
    await taken_over(slack, died)
    assert _count(slack, ReleaseOfInformation) == 1
    answers = [c for c in slack.dms("nina") if "Recorded release" in str(c.args.get("text"))]
    assert len(answers) == 1 and "R-1" in answers[0].args["text"]
    assert [r.action for r in slack.audit()].count("release.recorded") == 1

    died = die_before_marking_done(slack)
    await slack.command("nina", "/release", "revoke R-1", channel="dm")
    await taken_over(slack, died)
    told = [c for c in slack.dms("nina") if "R-1" in str(c.args.get("text")) and "revoked" in str(c.args.get("text"))]
    assert len(told) == 1 and "already" not in told[0].args["text"], [c.args.get("text") for c in told]
    assert [r.action for r in slack.audit()].count("release.revoked") == 1


async def test_an_operation_command_run_again_after_a_takeover_stores_one_operation(slack: SlackBot) -> None:
    from storage.operations import Operation, OperationNotice

    died = die_before_marking_done(slack)
    await slack.command("alice", "/operation", 'new when="2026-03-12 06:00" victims=5 genders=female '
                        "languages=Spanish minors=yes ngos=haven", channel="dm")
    await taken_over(slack, died)
    assert _count(slack, Operation) == 1
    assert _count(slack, OperationNotice) == 1
    notices = [c for c in slack.dms("nina") if "OP-" in str(c.args.get("text"))]
    assert len(notices) == 1 and "OP-1" in notices[0].args["text"]
    assert len([c for c in slack.dms("alice") if "Recorded OP-1" in str(c.args.get("text"))]) == 1


async def test_a_directory_command_run_again_after_a_takeover_changes_the_directory_once(slack: SlackBot) -> None:
    died = die_before_marking_done(slack)
    await slack.command("omar", "/ntk-admin", 'add zoe name="Zoe Park" agency=hsi discipline=law_enforcement',
                        channel="dm")
    await taken_over(slack, died)
    died = die_before_marking_done(slack)
    await slack.command("omar", "/ntk-admin", "grant vera admin", channel="dm")
    await taken_over(slack, died)
    actions = [r.action for r in slack.audit() if r.action.startswith("directory.")]
    assert actions == ["directory.member_added", "directory.role_grant"], actions
    answers = [c.args.get("text") for c in slack.dms("omar")]
    assert sum("Added zoe" in str(t) for t in answers) == 1 and sum("Done: grant" in str(t) for t in answers) == 1


# --- a platform call before the write step: the case meeting's private channel -----------------------


class DiedMidHandler(BaseException):
    """The process died inside the handler (not an error the core answers): nothing after this point of
    the first run happens, and its inbox row stays claimed until the lease lapses."""


async def test_a_case_meeting_run_again_after_a_takeover_creates_one_channel(slack: SlackBot) -> None:
    """**Set up case meeting** creates its private channel before its write step records it. The replica
    dies between the two; the re-run (another replica taking the row over) must find the channel the
    first run made — not create a second room — and record and announce that one."""
    from tests.contract.test_slack_scenarios import TIP

    await slack.command("nina", "/tip", TIP, channel="general")
    await slack.until(lambda: [c for c in slack.dms("vera") if "New tip T-0001" in str(c.args.get("text"))])
    await slack.command("vera", "/tip", "disseminate T-0001", channel="dm")
    [ask] = await slack.until(lambda: [c for c in slack.dms("dan") if "need-to-know check" in str(c.args.get("text"))])
    await slack.press("dan", ask, "I have information")
    [proposal] = await slack.until(lambda: [c for c in slack.dms("vera") if "Set up case meeting" in json.dumps(c.args)])

    real = slack.platform.create_private_channel
    runs: list[str] = []

    async def create_then_die(*args: Any, **kwargs: Any) -> Any:
        channel = await real(*args, **kwargs)
        runs.append(channel.id)
        if len(runs) == 1:
            raise DiedMidHandler()  # the channel exists; the write step that records it never runs
        return channel

    slack.platform.create_private_channel = create_then_die  # type: ignore[method-assign]
    await slack.press("vera", proposal, "Set up case meeting")
    told = await slack.until(lambda: [c for c in slack.dms("vera") if "Private meeting room created" in str(c.args.get("text"))],
                             timeout=30)
    await slack.settle(0.5)
    assert len(runs) == 2  # the handler did run again (a takeover)
    created = [c for c in slack.stand_in.calls_to("conversations.create") if c.response.get("ok")]
    assert len(created) == 1, [c.args["name"] for c in created]
    [room] = [c.response["channel"]["id"] for c in created]
    assert runs == [room, room]
    assert sorted(slack.stand_in.channel_members[room]) == sorted(["UBOT", USERS["vera"], USERS["dan"]])
    assert len(told) == 1
    intros = [c for c in slack.stand_in.calls_to("chat.postMessage") if "Case meeting for tip T-0001" in str(c.args.get("text"))]
    assert [c.args["channel"] for c in intros] == [room]
    from storage.tips import Tip as TipRow

    with slack.app.services.db.session() as s:
        [meeting] = s.execute(select(TipRow.meeting_channel)).scalars().all()
    assert meeting is not None and meeting.endswith(room)
