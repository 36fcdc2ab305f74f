"""The pre-store gate's HTTP protocol (what synapse-http-antispam sends and expects), over real HTTP on
loopback, with the real engine and the core app on the console platform. The end-to-end behaviour
with a real Synapse is in tests/integration/matrix/test_gate.py."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.matrix.gate import (
    PROOF_FIELD,
    SELFTEST_TYPE,
    GateSettings,
    PreStoreGate,
    homeserver_config_findings,
    ping_gate,
    sign,
    texts_to_scan,
)
from bot.matrix.settings import MatrixSettings
from redaction import Redactor
from storage import directory
from storage.models import OutboxMessage
from storage.pii_guard import PiiPending
from tests.harness import Harness

SECRET = "s3cret-" + "x" * 30
BOT = "@needtoknow:hs.example"
ROOM = "!blocked:hs.example"
OPEN_ROOM = "!open:hs.example"
CANARY = "Tell Zebediah Quackenbush to call 312-555-0199 tonight"


@pytest.fixture(scope="module")
def engine() -> Iterator[Redactor]:
    # Warm, as `needtoknow run` warms it before the gate reports ready: the first scan of a cold pipeline
    # takes seconds on a loaded machine, and the first test's gate deadline is not what it measures.
    redactor = Redactor()
    redactor.redact("Warm-up: call Ana Silva at 312-555-0100.")
    redactor.warm_up()  # also the word lists the filters read lazily, as the adapters do before they listen
    yield redactor


class SlowEngine:
    """The real engine, slowed down: a scan that misses the deadline."""

    def __init__(self, inner: Redactor, seconds: float) -> None:
        self.inner, self.seconds, self.slow = inner, seconds, False

    def allow(self, names: Any) -> SlowEngine:
        return self

    def redact(self, text: str) -> Any:
        if self.slow:
            time.sleep(self.seconds)
        return self.inner.redact(text)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settings(**kw: Any) -> GateSettings:
    table = {"listen": f"127.0.0.1:{_free_port()}", **kw}
    return GateSettings.from_mapping(table, {"NEEDTOKNOW_GATE_SECRET": SECRET})


async def _gate(tmp_path: Path, redactor: Any, **kw: Any) -> tuple[Harness, PreStoreGate]:
    h = Harness.create(tmp_path, redactor=redactor)
    with h.app.services.db.session() as s:
        directory.upsert_channel(s, name="case-room", pii_policy="block", agreement=None,
                                 identities=[("matrix", ROOM)])
        directory.upsert_channel(s, name="open-room", pii_policy="redact", agreement=None,
                                 identities=[("matrix", OPEN_ROOM)])
    gate = PreStoreGate(settings(**kw), h.app, BOT)
    await gate.start()
    return h, gate


@pytest.fixture
async def gated(tmp_path: Path, engine: Redactor) -> AsyncIterator[tuple[Harness, PreStoreGate]]:
    h, gate = await _gate(tmp_path, engine)
    yield h, gate
    await gate.stop()
    await h.close()


def post(gate: PreStoreGate, path: str, body: bytes | dict[str, Any], *, secret: str | None = SECRET,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(f"{gate.settings.base_url}/{path}", data=data, method="POST")
    if secret is not None:
        req.add_header("Authorization", f"Bearer {secret}")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def message(body: str, *, room: str = ROOM, sender: str = "@nina:hs.example", **content: Any) -> dict[str, Any]:
    return {"event": {"type": "m.room.message", "room_id": room, "sender": sender, "event_id": "$e1",
                      "content": {"msgtype": "m.text", "body": body, **content}}}


# -- the protocol ----------------------------------------------------------------------------------
async def test_pii_in_a_block_room_is_refused_with_labels_only_and_the_sender_gets_a_dm(
    gated: tuple[Harness, PreStoreGate],
) -> None:
    h, gate = gated
    status, body = await _in_thread(post, gate, "check_event_for_spam", message(CANARY))
    assert status == 403
    assert body == {"errcode": "M_FORBIDDEN", "error": "Not posted: it looks like it contains a name and a "
                    "phone number. I sent you a redacted version."}
    with h.app.services.db.session() as s:
        dm = s.execute(select(OutboxMessage).where(OutboxMessage.purpose == "pii.gate")).scalar_one()
        assert dm.recipient == "matrix:@nina:hs.example"
        assert "Tell [PERSON] to call [PHONE] tonight" in dm.body and "Quackenbush" not in dm.body
        assert [b["label"] for b in dm.buttons] == ["Post redacted", "Post as is (give reason)"]
        pending = s.execute(select(PiiPending)).scalar_one()
        assert pending.kind == "gate" and pending.text == CANARY
    rows = [r for r in h.audit_rows() if r.action == "pii.gate_refused"]
    assert [r.detail["labels"] for r in rows] == [{"PERSON": 1, "PHONE": 1}]
    assert "Quackenbush" not in str(rows[0].detail) and "555" not in str(rows[0].detail)


async def test_post_as_is_is_not_offered_when_the_gate_disallows_it(tmp_path: Path, engine: Redactor) -> None:
    h, gate = await _gate(tmp_path, engine, allow_post_as_is=False)
    try:
        assert (await _in_thread(post, gate, "check_event_for_spam", message(CANARY)))[0] == 403
        with h.app.services.db.session() as s:
            dm = s.execute(select(OutboxMessage).where(OutboxMessage.purpose == "pii.gate")).scalar_one()
            assert [b["label"] for b in dm.buttons] == ["Post redacted"]
    finally:
        await gate.stop()
        await h.close()


@pytest.mark.parametrize(
    "event",
    [
        message("Agenda for Thursday's case review is in the shared folder"),  # clean
        message(CANARY, sender=BOT),  # the bot's own post ("post as is")
        message(CANARY, room=OPEN_ROOM),  # not a block room: the guard handles it afterwards
        message(CANARY, room="!elsewhere:hs.example"),  # not in the directory (a private conversation)
        {"event": {"type": "m.room.encrypted", "room_id": ROOM, "sender": "@nina:hs.example",
                   "content": {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgA"}}},
        {"event": {"type": "m.reaction", "room_id": ROOM, "sender": "@nina:hs.example",
                   "content": {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$x", "key": "👍"}}}},
        {"event": {"type": "m.room.topic", "room_id": ROOM, "sender": "@nina:hs.example", "state_key": "",
                   "content": {"topic": "weekly"}}},
    ],
    ids=["clean", "bot", "redact-room", "unknown-room", "encrypted", "reaction", "state"],
)
async def test_everything_else_is_allowed(gated: tuple[Harness, PreStoreGate], event: dict[str, Any]) -> None:
    _, gate = gated
    assert await _in_thread(post, gate, "check_event_for_spam", event) == (200, {})


@pytest.mark.parametrize(
    "content",
    [
        {"body": "* " + CANARY, "m.new_content": {"msgtype": "m.text", "body": CANARY},
         "m.relates_to": {"rel_type": "m.replace", "event_id": "$orig"}},
        {"body": "see below", "format": "org.matrix.custom.html",
         "formatted_body": "<p>Call <b>Zebediah Quackenbush</b> at 312-555-0199</p>"},
        {"msgtype": "m.emote", "body": CANARY},
        {"msgtype": "m.notice", "body": CANARY},
    ],
    ids=["edit", "html-only", "emote", "notice"],
)
async def test_pii_in_edits_html_and_other_msgtypes_is_refused(
    gated: tuple[Harness, PreStoreGate], content: dict[str, Any]
) -> None:
    _, gate = gated
    event = {"event": {"type": "m.room.message", "room_id": ROOM, "sender": "@nina:hs.example",
                       "event_id": "$e2", "content": {"msgtype": "m.text", **content}}}
    status, body = await _in_thread(post, gate, "check_event_for_spam", event)
    assert status == 403 and body["errcode"] == "M_FORBIDDEN"


def test_a_reply_is_judged_by_its_own_text_not_the_quoted_fallback() -> None:
    content = {"body": "> <@dan:hs> earlier text\n\nthanks, noted",
               "m.relates_to": {"m.in_reply_to": {"event_id": "$q"}},
               "formatted_body": "<mx-reply><blockquote>earlier text</blockquote></mx-reply>thanks, noted"}
    assert texts_to_scan(content) == ["thanks, noted"]
    edit = {"body": "* new", "m.new_content": {"body": "new words"}, "m.relates_to": {"rel_type": "m.replace"}}
    assert texts_to_scan(edit) == ["new words", "* new"]


async def test_bad_requests_get_clean_4xx_and_nothing_is_logged(
    gated: tuple[Harness, PreStoreGate], caplog: pytest.LogCaptureFixture
) -> None:
    _, gate = gated
    caplog.set_level("DEBUG")
    assert (await _in_thread(post, gate, "check_event_for_spam", message(CANARY), secret=None))[0] == 401
    wrong = SECRET[:-1] + "y"
    status, body = await _in_thread(post, gate, "check_event_for_spam", message(CANARY), secret=wrong)
    assert status == 401 and body["errcode"] == "M_UNAUTHORIZED"
    assert (await _in_thread(post, gate, "check_event_for_spam", b"{not json"))[0] == 400
    assert (await _in_thread(post, gate, "check_event_for_spam", b"[1, 2]"))[0] == 400
    assert (await _in_thread(post, gate, "check_event_for_spam", {"event": "x"}))[0] == 400
    big = json.dumps(message("a " * 200_000)).encode()
    status, body = await _in_thread(post, gate, "check_event_for_spam", big)
    assert status == 413 and body["errcode"] == "M_TOO_LARGE"
    # Other callbacks (should the module enable them) are allowed; ping answers the module's check.
    assert await _in_thread(post, gate, "user_may_invite", {"inviter": "@a:hs"}) == (200, {})
    assert await _in_thread(post, gate, "ping", {"id": "abc"}) == (200, {"id": "abc", "status": "ok"})
    assert (await _in_thread(post, gate, "ping", {"id": "abc"}, secret=None))[0] == 401
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Quackenbush" not in logged and "555" not in logged and SECRET not in logged


async def test_the_signed_self_test_gets_a_proof_only_with_the_secret(gated: tuple[Harness, PreStoreGate]) -> None:
    _, gate = gated
    nonce = "n" * 32
    event = {"event": {"type": SELFTEST_TYPE, "room_id": "!t:hs", "sender": BOT,
                       "content": {"nonce": nonce, "signature": sign(SECRET, "selftest", nonce)}}}
    status, body = await _in_thread(post, gate, "check_event_for_spam", event)
    assert status == 403 and body[PROOF_FIELD] == sign(SECRET, "proof", nonce)
    forged = {"event": {**event["event"], "content": {"nonce": nonce, "signature": sign("other" * 8, "selftest", nonce)}}}
    status, body = await _in_thread(post, gate, "check_event_for_spam", forged)
    assert status == 403 and PROOF_FIELD not in body
    ok, detail = await _in_thread(ping_gate, gate.settings)
    assert ok, detail


# -- the deadline and isolation ------------------------------------------------------------------------
@pytest.mark.parametrize("fail_open", [False, True], ids=["fail-closed", "fail-open"])
async def test_past_the_deadline_the_configured_answer_is_given_in_time(
    tmp_path: Path, engine: Redactor, fail_open: bool
) -> None:
    slow = SlowEngine(engine, 1.5)
    h, gate = await _gate(tmp_path, slow, deadline_ms=200, fail_open=fail_open)
    try:
        slow.slow = True
        started = time.monotonic()
        status, body = await _in_thread(post, gate, "check_event_for_spam", message(CANARY))
        took = time.monotonic() - started
        # The scan takes 1.5 s: an answer well before that came from the deadline, not the scan (the margin
        # over the 200 ms deadline absorbs a loaded CI machine).
        assert took < 1.2, took
        if fail_open:
            assert (status, body) == (200, {})
        else:
            assert status == 403 and body["errcode"] == "M_FORBIDDEN" and "did not finish in time" in body["error"]
        await _wait(lambda: any(r.action == "pii.gate_deadline" for r in h.audit_rows()))
        row = next(r for r in h.audit_rows() if r.action == "pii.gate_deadline")
        assert row.detail == {"outcome": "allowed" if fail_open else "refused"}
    finally:
        await gate.stop()
        await h.close()


async def test_a_verdict_does_not_wait_behind_a_busy_bot_event_loop(gated: tuple[Harness, PreStoreGate]) -> None:
    _, gate = gated
    result: dict[str, Any] = {}

    def ask() -> None:
        started = time.monotonic()
        result["answer"] = post(gate, "check_event_for_spam", message(CANARY))
        result["took"] = time.monotonic() - started

    asker = threading.Thread(target=ask)
    asker.start()
    time.sleep(1.5)  # the bot's event loop is blocked (a slow handler) the whole time
    asker.join()
    assert result["answer"][0] == 403
    # The loop is blocked for 1.5 s: an answer well before that did not wait for it (the margin over the
    # 500 ms deadline absorbs a loaded CI machine).
    assert result["took"] < 1.2, result["took"]


# -- settings --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("table", "env", "message_part"),
    [
        ({"listen": "127.0.0.1:8009", "secret": "x" * 30}, {}, "never the file"),
        ({"listen": "127.0.0.1:8009"}, {}, "NEEDTOKNOW_GATE_SECRET: required"),
        ({"listen": "127.0.0.1:8009"}, {"NEEDTOKNOW_GATE_SECRET": "short"}, "at least 24"),
        ({"listen": "http://127.0.0.1:8009/"}, {"NEEDTOKNOW_GATE_SECRET": SECRET}, "listen"),
        ({"listen": "127.0.0.1:8009", "deadline_ms": 5}, {"NEEDTOKNOW_GATE_SECRET": SECRET}, "deadline_ms"),
        ({"listen": "127.0.0.1:8009", "fail_open": "yes"}, {"NEEDTOKNOW_GATE_SECRET": SECRET}, "fail_open"),
        ({"listen": "127.0.0.1:8009", "falls_open": True}, {"NEEDTOKNOW_GATE_SECRET": SECRET}, "unknown setting"),
    ],
)
def test_gate_settings_errors_name_the_key_never_the_value(table: dict[str, Any], env: dict[str, str],
                                                          message_part: str) -> None:
    with pytest.raises(ValueError, match=message_part) as err:
        GateSettings.from_mapping(table, env)
    assert SECRET not in str(err.value) and "x" * 30 not in str(err.value)


def test_matrix_settings_read_the_gate_table() -> None:
    s = MatrixSettings.from_mapping(
        {"homeserver": "http://127.0.0.1:8008", "user_id": "@bot:hs", "encryption": False,
         "gate": {"listen": "127.0.0.1:8009"}},
        {"MATRIX_ACCESS_TOKEN": "t", "NEEDTOKNOW_GATE_SECRET": SECRET},
    )
    assert s.gate is not None
    assert (s.gate.base_url, s.gate.deadline_ms, s.gate.fail_open) == ("http://127.0.0.1:8009", 500, False)
    assert SECRET not in repr(s)


def test_block_is_a_channel_policy_never_the_default(tmp_path: Path) -> None:
    from handlers.pii_guard import PiiGuardSettings

    with pytest.raises(ValueError, match="per channel"):
        PiiGuardSettings.from_mapping({"default_policy": "block"})


def test_doctor_reads_retention_and_the_module_from_homeserver_yaml(tmp_path: Path) -> None:
    s = settings()
    good = tmp_path / "good.yaml"
    good.write_text(f"redaction_retention_period: 1h\nenable_search: false\nmodules:\n  - module: synapse_http_antispam.HTTPAntispam\n"
                    f"    config:\n      base_url: {s.base_url}\n")
    assert [ok for ok, _ in homeserver_config_findings(str(good), s)] == [True, True, True]
    default = tmp_path / "default.yaml"
    default.write_text("server_name: hs\n")
    findings = homeserver_config_findings(str(default), s)
    assert [ok for ok, _ in findings] == [False, False, False] and "7 days" in findings[0][1]
    long = tmp_path / "long.yaml"
    long.write_text("redaction_retention_period: 30d\n")
    assert "is long" in homeserver_config_findings(str(long), s)[0][1]
    forever = tmp_path / "null.yaml"
    forever.write_text("redaction_retention_period: null\n")
    assert "forever" in homeserver_config_findings(str(forever), s)[0][1]


# -- helpers ---------------------------------------------------------------------------------------
async def _in_thread(fn: Any, *args: Any, **kw: Any) -> Any:
    import asyncio

    return await asyncio.to_thread(fn, *args, **kw)


async def _wait(predicate: Any, timeout: float = 5.0) -> None:
    import asyncio

    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_a_failed_write_loses_the_dm_but_never_the_refusal(
    gated: tuple[Harness, PreStoreGate], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import handlers.pii_guard

    def broken(*args: Any, **kw: Any) -> str:
        raise OSError("disk full")

    monkeypatch.setattr(handlers.pii_guard, "record_gate_refusal", broken)
    h, gate = gated
    status, body = await _in_thread(post, gate, "check_event_for_spam", message(CANARY))
    assert status == 403 and body["errcode"] == "M_FORBIDDEN"
    await _wait(lambda: any("recording a verdict failed" in r.getMessage() for r in caplog.records))
    with h.app.services.db.session() as s:
        assert s.execute(select(OutboxMessage).where(OutboxMessage.purpose == "pii.gate")).first() is None
    assert "Quackenbush" not in "\n".join(r.getMessage() for r in caplog.records)


# -- `block` after the fact (what got past the gate) ---------------------------------------------------
async def test_what_gets_past_the_gate_in_a_block_channel_is_removed_and_reposted(
    tmp_path: Path, engine: Redactor
) -> None:
    h = Harness.create(tmp_path, redactor=engine)
    try:
        await h.command("omar", "/admin policy #core-team block", channel="core-team")
        with h.app.services.db.session() as s:
            view = directory.channel_by_name(s, "core-team")
            assert view is not None and view.pii_policy == "block"
        await h.say("nina", CANARY, channel="core-team")
        visible = h.platform.visible_in_channel("core-team")
        assert "nina" not in [author for author, _ in visible]  # her message was removed
        assert visible[-1][0] == "needtoknow" and visible[-1][1].startswith("Nina Sato wrote (PII removed by needtoknow): Tell [PERSON] to call [PHONE]")
        assert "pii.redacted" in [r.action for r in h.audit_rows()]
    finally:
        await h.close()


async def test_only_messages_the_gate_scanned_clean_skip_the_guards_second_scan(
    gated: tuple[Harness, PreStoreGate],
) -> None:
    _, gate = gated
    clean = message("Agenda for Thursday's case review is in the shared folder")
    clean["event"]["event_id"] = "$clean"
    assert await _in_thread(post, gate, "check_event_for_spam", clean) == (200, {})
    assert gate.already_checked("$clean") and not gate.already_checked("$clean")  # once
    unscanned = message(CANARY, room=OPEN_ROOM)
    unscanned["event"]["event_id"] = "$open"
    await _in_thread(post, gate, "check_event_for_spam", unscanned)
    assert not gate.already_checked("$open")  # not a block room: the guard must see it
    edit = message("fine now", **{"m.new_content": {"body": "fine now"},
                                   "m.relates_to": {"rel_type": "m.replace", "event_id": "$x"}})
    edit["event"]["event_id"] = "$edit"
    await _in_thread(post, gate, "check_event_for_spam", edit)
    assert not gate.already_checked("$edit")  # an edit may clear an earlier warning


# -- metrics -------------------------------------------------------------------------------------------
def _verdicts() -> dict[str, float]:
    from bot import metrics

    return {v: metrics.GATE_VERDICTS.labels(v)._value.get() for v in ("allow", "block", "timeout")}


async def test_every_verdict_is_counted_for_metrics_by_kind_only(tmp_path: Path, engine: Redactor) -> None:
    slow = SlowEngine(engine, 1.0)
    h, gate = await _gate(tmp_path, slow, deadline_ms=200)
    try:
        before = _verdicts()
        assert (await _in_thread(post, gate, "check_event_for_spam", message("Agenda is in the folder")))[0] == 200
        assert (await _in_thread(post, gate, "check_event_for_spam", message(CANARY)))[0] == 403
        slow.slow = True
        status, body = await _in_thread(post, gate, "check_event_for_spam", message(CANARY))
        assert status == 403 and "did not finish in time" in body["error"]
        after = _verdicts()
        assert {k: after[k] - before[k] for k in after} == {"allow": 1, "block": 1, "timeout": 1}
    finally:
        await gate.stop()
        await h.close()
