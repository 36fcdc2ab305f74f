"""The engine in a child process (``redaction/process.py``, ``[bot] engine_process``): the same findings as in
process, and a child that dies mid-run loses no scan (a fresh one is started and the batch re-run); one that
cannot be brought back fails closed with ``EngineUnavailable``."""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from redaction import Redactor
from redaction.process import EngineProcess, EngineUnavailable, RemoteRedactor
from tests.unit.redaction.conftest import keyed_test_hash
from tests.unit.redaction.test_batching import TEXTS

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "corpus.jsonl"


def corpus_texts(limit: int) -> list[str]:
    texts = []
    with CORPUS.open(encoding="utf-8") as fh:
        for line in fh:
            texts.append(json.loads(line)["text"])
            if len(texts) >= limit:
                break
    return texts


@pytest.fixture(scope="module")
def remote(redactor: Redactor) -> Iterator[RemoteRedactor]:
    engine = RemoteRedactor(redactor.settings, keyed_hash=keyed_test_hash)
    engine.warm_up()
    try:
        yield engine
    finally:
        engine.close()


def test_findings_and_masks_are_the_engines_own(redactor: Redactor, remote: RemoteRedactor) -> None:
    texts = [*TEXTS, *corpus_texts(300), "x" * 1500 + " call 312-555-0199"]  # a long text runs alone
    assert [remote.detect(t) for t in texts] == [redactor.detect(t) for t in texts]
    assert [r.text for r in remote.redact_many(texts)] == [r.text for r in redactor.redact_many(texts)]
    assert remote.model_name == redactor.model_name


def test_the_allow_list_travels_to_the_child(redactor: Redactor, remote: RemoteRedactor) -> None:
    text = "Tell Zebediah Quackenbush to call 312-555-0199 tonight"
    allowed = remote.allow(["Zebediah Quackenbush"])
    assert allowed.redact(text).text == redactor.allow(["Zebediah Quackenbush"]).redact(text).text
    assert "Zebediah" in allowed.redact(text).text
    assert "Zebediah" not in remote.redact(text).text  # the other allow-list, same child
    for n in range(20):  # more allow-lists than a child keeps: it forgets and is sent them again
        assert "Zebediah" in remote.allow(["Zebediah Quackenbush", f"Member {n}"]).redact(text).text
    assert "Zebediah" in allowed.redact(text).text


def test_killing_the_child_mid_run_loses_no_scan(redactor: Redactor, remote: RemoteRedactor) -> None:
    texts = corpus_texts(120)
    expected = [redactor.detect(t) for t in texts]
    remote.scan_together(lambda: 7)  # scans from 8 threads share batches, as under the bot
    starts = remote.process.starts
    killed = threading.Event()

    def scan(i: int) -> list[object]:
        if i == 20 and not killed.is_set():
            pid = remote.process.pid
            assert pid is not None
            os.kill(pid, signal.SIGKILL)  # mid-run: other threads' batches are in flight
            killed.set()
        return remote.detect(texts[i])  # type: ignore[return-value]

    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(scan, range(len(texts))))
    remote.scan_together(None)  # type: ignore[arg-type]
    assert killed.is_set()
    assert got == expected
    assert remote.process.starts == starts + 1


def test_an_engine_that_cannot_come_back_fails_closed(redactor: Redactor) -> None:
    process = EngineProcess(redactor.settings, keyed_test_hash)
    engine = RemoteRedactor(redactor.settings, process=process)
    engine.close()
    with pytest.raises(EngineUnavailable):
        engine.redact("Tell Zebediah Quackenbush to call 312-555-0199 tonight")


def test_a_child_that_does_not_answer_in_time_is_replaced(redactor: Redactor) -> None:
    engine = RemoteRedactor(redactor.settings, keyed_hash=keyed_test_hash)
    engine.warm_up()
    try:
        pid = engine.process.pid
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)  # hung
        engine.process.timeout = 0.5
        with pytest.raises(EngineUnavailable):
            engine.process.scan((), ["call 312-555-0199"])
        engine.process.timeout = 60.0
        assert engine.redact("call 312-555-0199").text == redactor.redact("call 312-555-0199").text
        assert engine.process.pid != pid
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # the hung child was killed and reaped
    finally:
        engine.close()
