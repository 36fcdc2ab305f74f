"""`needtoknow redact` and its JSONL protocol."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from redaction import RedactionSettings
from redaction.cli import main

ROOT = Path(__file__).resolve().parents[3]


def run(argv: list[str], stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, stdin=io.StringIO(stdin), stdout=out, settings=RedactionSettings())
    return code, out.getvalue()


def test_text_argument_prints_the_redacted_text() -> None:
    assert run(["Call Maria at 713 555 0199"]) == (0, "Call [PERSON] at [PHONE]\n")


def test_jsonl_writes_one_line_per_input_in_order() -> None:
    lines = [{"id": n, "text": f"Maria {n} called 713-555-01{n:02d}"} for n in range(10)]
    code, out = run(["--jsonl"], "".join(json.dumps(line) + "\n" for line in lines))
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [r["id"] for r in records] == list(range(10))
    first = records[0]
    assert first["redacted"] == "[PERSON] 0 called [PHONE]"
    assert set(first["findings"][0]) == {"start", "end", "label", "score", "source"}


def test_bad_lines_get_an_error_line_without_the_text() -> None:
    stdin = (
        '{"id": 1, "text": "ok"}\nnot json Maria\n{"id": "x", "text": 5}\n\n[1]\n{"id": 2, "text": "Maria"}\n'
    )
    _code, out = run(["--jsonl"], stdin)
    records = [json.loads(line) for line in out.splitlines()]
    assert [r.get("id") for r in records] == [1, None, "x", None, None, 2]
    assert ["error" in r for r in records] == [False, True, True, True, True, False]
    assert "Maria" not in out.replace('"redacted": "[PERSON]"', "")


def test_text_and_jsonl_together_is_a_usage_error() -> None:
    assert run(["--jsonl", "text"])[0] == 2


def test_python_dash_m_works_from_a_fresh_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "redaction", "--jsonl"],
        input='{"id": "a", "text": "ssn 512-44-9021"}\n',
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert json.loads(done.stdout)["redacted"] == "ssn [SSN]"
