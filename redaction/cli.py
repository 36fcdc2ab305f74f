"""``needtoknow redact``: redact one text, or a JSONL stream for batch jobs and other tools.

Protocol (``--jsonl``): each input line is ``{"id": ..., "text": ...}``; each output line, in input order, is
``{"id": ..., "redacted": ..., "findings": [{"start", "end", "label", "score", "source"}]}``. A line that cannot be
read yields ``{"id": <id or null>, "error": "..."}`` and processing continues: no line is dropped, and an error never
repeats the input text.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from redaction.engine import Redactor
from redaction.findings import Redacted
from redaction.settings import RedactionSettings
from redaction.tagger import ModelNotAvailable

_JSONL_BATCH = 256


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="needtoknow redact", description="Mask PII in text.")
    parser.add_argument("text", nargs="?", help="text to redact (omit with --jsonl)")
    parser.add_argument(
        "--jsonl", action="store_true", help='read {"id", "text"} lines from stdin, write results'
    )
    parser.add_argument("--config", type=Path, help="TOML file whose [redaction] table configures the engine")
    parser.add_argument(
        "--mask-style", choices=("label", "partial", "fixed"), help="override redaction.mask_style"
    )
    return parser


def _settings_from_file(path: Path) -> RedactionSettings:
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    table = document.get("redaction", {})
    if not isinstance(table, dict):
        raise ValueError("redaction: must be a table")
    return RedactionSettings.from_mapping(table)


def main(argv: list[str], *, stdin: TextIO, stdout: TextIO, settings: RedactionSettings | None = None) -> int:
    """Run the ``redact`` subcommand; ``argv`` excludes the word "redact". Returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.jsonl == (args.text is not None):
        parser.print_usage(sys.stderr)
        print("needtoknow redact: give either TEXT or --jsonl", file=sys.stderr)
        return 2
    try:
        if settings is None:
            settings = _settings_from_file(args.config) if args.config else RedactionSettings()
        if args.mask_style:
            settings = RedactionSettings.from_mapping({**_as_table(settings), "mask_style": args.mask_style})
        redactor = Redactor(settings)
    except (ValueError, OSError, tomllib.TOMLDecodeError, ModelNotAvailable) as exc:
        print(f"needtoknow redact: {exc}", file=sys.stderr)
        return 2
    if not args.jsonl:
        stdout.write(redactor.redact(args.text).text + "\n")
        return 0
    for batch in _batches(stdin):
        _write_batch(redactor, batch, stdout)
    return 0


def _as_table(settings: RedactionSettings) -> dict[str, Any]:
    return {
        key: (sorted(value) if isinstance(value, frozenset) else value)
        for key, value in asdict(settings).items()
    }


def _batches(stdin: TextIO) -> Iterator[list[tuple[Any, str | None, str | None]]]:
    """Parsed lines as ``(id, text, error)`` in groups, so spaCy sees batches while memory stays bounded."""
    batch: list[tuple[Any, str | None, str | None]] = []
    for line in stdin:
        batch.append(_parse_line(line))
        if len(batch) >= _JSONL_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _parse_line(line: str) -> tuple[Any, str | None, str | None]:
    if not line.strip():
        return None, None, "empty line"
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        return None, None, "line is not valid JSON"
    if not isinstance(record, dict):
        return None, None, "line is not a JSON object"
    ident = record.get("id")
    if isinstance(ident, dict | list):
        return None, None, '"id" must be a string, number or null'
    text = record.get("text")
    if not isinstance(text, str):
        return ident, None, 'missing or non-string "text"'
    return ident, text, None


def _write_batch(redactor: Redactor, batch: list[tuple[Any, str | None, str | None]], stdout: TextIO) -> None:
    texts = [text for _ident, text, _error in batch if text is not None]
    results = iter(redactor.redact_many(texts))
    for ident, text, error in batch:
        if text is None:
            stdout.write(json.dumps({"id": ident, "error": error}) + "\n")
            continue
        stdout.write(json.dumps(_record(ident, next(results))) + "\n")
    stdout.flush()


def _record(ident: Any, result: Redacted) -> dict[str, Any]:
    return {
        "id": ident,
        "redacted": result.text,
        "findings": [
            {"start": f.start, "end": f.end, "label": f.label, "score": f.score, "source": f.source}
            for f in result.findings
        ],
    }
