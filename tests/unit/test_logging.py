"""Logs: quiet libraries, one line per record, never message text, PII, tokens or exception text."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logs import configure_logging
from tests.harness import Harness

CANARY_NAME = "Xochitl Quetzalli"
CANARY_PHONE = "713-555-0199"
TOKEN = "xoxb-0000-SECRETTOKEN"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    configure_logging("DEBUG", fmt="text", third_party_level="DEBUG", stream=stream)
    yield stream
    for h in list(root.handlers):
        root.removeHandler(h)
    for h in saved[0]:
        root.addHandler(h)
    root.setLevel(saved[1])
    for name in ("bot", "handlers", "storage", "redaction", "needtoknow"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def _raise_with_pii() -> None:
    raise ValueError(f"could not parse {CANARY_NAME} {CANARY_PHONE} {TOKEN}")


def test_an_exception_is_logged_as_its_type_and_location_never_its_text(captured: io.StringIO) -> None:
    try:
        _raise_with_pii()
    except ValueError:
        logging.getLogger("bot.app").exception("handler failed")
    line = captured.getvalue()
    assert "handler failed" in line and "ValueError" in line
    assert "test_logging.py" in line and "_raise_with_pii" in line  # the code location
    assert CANARY_NAME not in line and CANARY_PHONE not in line and TOKEN not in line
    assert "Traceback" not in line and len(line.strip().splitlines()) == 1


ROOT = Path(__file__).resolve().parents[2]
_LOG_METHODS = {"debug", "info", "warning", "error", "critical", "exception"}


def _log_calls_naming_a_caught_exception_badly() -> list[str]:
    """Log calls inside ``except ... as exc`` that mention ``exc`` other than through
    ``safe_exception_summary(exc)`` or ``exc_info``: ``type(exc).__name__`` alone gives no code location
    ("handling a sync batch failed (AttributeError)"), ``str(exc)`` may quote data."""
    import ast

    found = []
    for package in ("bot", "handlers", "storage", "redaction"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for handler in ast.walk(tree):
                if not isinstance(handler, ast.ExceptHandler) or not handler.name:
                    continue
                for call in ast.walk(handler):
                    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                            and call.func.attr in _LOG_METHODS and isinstance(call.func.value, ast.Name)
                            and call.func.value.id in ("log", "logger")):
                        continue
                    if any(k.arg == "exc_info" for k in call.keywords):
                        continue
                    summarised = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                                     and n.func.id == "safe_exception_summary" for n in ast.walk(call))
                    for arg in call.args[1:]:
                        # the exception itself (its text) or type(exc).__name__ (no location); an
                        # attribute such as ``failure.code`` is a value the code chose to log
                        bare = isinstance(arg, ast.Name) and arg.id == handler.name
                        typed = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "type"
                                    and any(isinstance(a, ast.Name) and a.id == handler.name for a in n.args)
                                    for n in ast.walk(arg))
                        if (bare or typed) and not summarised:
                            found.append(f"{path.relative_to(ROOT)}:{call.lineno}: {ast.unparse(arg)}")
    return found


def test_every_logged_exception_names_its_type_and_code_location() -> None:
    assert _log_calls_naming_a_caught_exception_badly() == []


def test_json_format_is_one_object_per_line() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = list(root.handlers)
    try:
        configure_logging("INFO", fmt="json", stream=stream)
        try:
            _raise_with_pii()
        except ValueError:
            logging.getLogger("handlers.tips").error("routing failed", exc_info=True)
        doc = json.loads(stream.getvalue().strip())
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in saved:
            root.addHandler(h)
    assert doc["level"] == "ERROR" and doc["logger"] == "handlers.tips" and doc["message"] == "routing failed"
    assert doc["exception"].startswith("builtins.ValueError at ") and CANARY_NAME not in json.dumps(doc)


def test_third_party_info_is_quiet_by_default() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = list(root.handlers)
    try:
        configure_logging("INFO", stream=stream)
        logging.getLogger("nio.rooms").info("room event")
        logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
        logging.getLogger("bot.matrix.platform").info("synced")
        logging.getLogger("nio.client").warning("sync failed")
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in saved:
            root.addHandler(h)
    out = stream.getvalue()
    assert "room event" not in out and "Context impl" not in out
    assert "synced" in out and "sync failed" in out


async def test_no_log_line_at_any_level_carries_what_members_typed(
    tmp_path: Path, captured: io.StringIO
) -> None:
    h = Harness.create(tmp_path, overrides={"bot": {"log_level": "DEBUG"}})
    await h.tip("nina", f"{CANARY_NAME} is held at a motel, her phone {CANARY_PHONE}")
    await h.press("vera", "Acknowledge")
    await h.say("dan", f"Call {CANARY_NAME} at {CANARY_PHONE} about the bed", channel="core-team")
    await h.command("dan", f"/preview {CANARY_NAME} {CANARY_PHONE}", channel="core-team")
    await h.command("nina", f"/release check C-1187 hsi {CANARY_NAME}")
    await h.command("nina", f"/admin {TOKEN}")
    await h.command("nina", f"/{CANARY_NAME.split()[0].lower()} {CANARY_PHONE}")
    await h.tick(days=3)
    await h.close()
    out = captured.getvalue()
    assert out.strip(), "the scenario should have logged something at DEBUG"
    for secret in (CANARY_NAME, *CANARY_NAME.split(), CANARY_PHONE, TOKEN, "Bellaire"):
        assert secret not in out, f"{secret!r} reached the log"
