"""Scans asked for by several threads at once run as one batch (``redaction/batching.py``), with the
same findings as one at a time; a lone scan runs at once; one bad text fails only its own caller."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

import pytest

from redaction import Redactor
from redaction.batching import Batcher

TEXTS = [
    "Tell Zebediah Quackenbush to call 312-555-0199 tonight",
    "Reminder: task force meeting moved to Thursday 9am, room 204",
    "Client C-1234 is 16, DOB 03/14/2010, staying with her aunt at 1234 Westheimer Rd Apt 5",
    "Email from maria.lopez14@gmail.com says the recruiter goes by @mariajobs_hou on Instagram",
    "Officer Ramirez will call Ana Souza at +55 11 98765-4321 tomorrow morning",
    "Thanks all, the shelter has 4 beds open tonight (ticket 311)",
    "SSN 123-45-6789 was on the lease application for the apartment on Gessner",
    "Can HSI confirm whether operation 512 is still on for the end of next week?",
]


class _Gate:
    """``run_many`` that records its batches and holds the first one until released."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, items: list[str]) -> list[str]:
        self.batches.append(list(items))
        if len(self.batches) == 1:
            self.entered.set()
            assert self.release.wait(10)
        if "bad" in items and len(items) > 1:
            raise ValueError("a bad item in the batch")
        if items == ["bad"]:
            raise ValueError("bad item")
        return [item.upper() for item in items]


@contextmanager
def _queued_behind_a_held_batch(
    limit: int, items: list[str]
) -> Iterator[tuple[_Gate, Batcher[str, str], Future[str], list[Future[str]]]]:
    """A batcher of ``limit`` whose first call (``"first"``) the gate holds while ``items`` are asked for from other
    threads, in order; yields ``(gate, batcher, first, later)`` once all of them wait in the queue (at most 10 s)."""
    gate = _Gate()
    batcher = Batcher(gate, limit=limit)
    with ThreadPoolExecutor(8) as pool:
        try:
            first = pool.submit(batcher, "first")
            assert gate.entered.wait(10)
            later = [pool.submit(batcher, item) for item in items]
            deadline = time.monotonic() + 10
            while len(batcher._queue) < len(items) and time.monotonic() < deadline:
                time.sleep(0.005)
            yield gate, batcher, first, later
        finally:
            gate.release.set()  # a failed assertion must not leave the pool waiting on the held batch


def test_a_lone_call_runs_at_once_alone() -> None:
    calls: list[list[str]] = []

    def run_many(items: list[str]) -> list[str]:
        calls.append(list(items))
        return [item.upper() for item in items]

    batcher = Batcher(run_many, limit=8)
    assert batcher("a") == "A"
    assert batcher("b") == "B"
    assert calls == [["a"], ["b"]]


def test_calls_arriving_during_a_batch_run_together_as_the_next_batch() -> None:
    items = [f"item{n}" for n in range(6)]
    with _queued_behind_a_held_batch(64, items) as (gate, _, first, later):  # all six wait behind the first
        gate.release.set()
        assert first.result(10) == "FIRST"
        assert [f.result(10) for f in later] == [f"ITEM{n}" for n in range(6)]
    assert gate.batches[0] == ["first"]
    assert sorted(gate.batches[1]) == sorted(f"item{n}" for n in range(6))  # one batch, not six
    assert len(gate.batches) == 2


def test_a_batch_never_exceeds_its_limit() -> None:
    with _queued_behind_a_held_batch(3, [f"item{n}" for n in range(7)]) as (gate, _, first, later):
        gate.release.set()
        assert [f.result(10) for f in later] == [f"ITEM{n}" for n in range(7)]
        assert first.result(10) == "FIRST"
    assert [len(b) for b in gate.batches] == [1, 3, 3, 1]


def test_one_bad_item_fails_only_its_own_caller() -> None:
    with _queued_behind_a_held_batch(64, ["item0", "item1", "item2", "bad"]) as (gate, batcher, first, later):
        good, bad = later[:3], later[3]
        gate.release.set()
        assert first.result(10) == "FIRST"
        assert [f.result(10) for f in good] == ["ITEM0", "ITEM1", "ITEM2"]
        with pytest.raises(ValueError):
            bad.result(10)
    assert batcher("after") == "AFTER"  # the batcher is not left stuck


def test_concurrent_scans_find_what_each_scan_alone_finds(redactor: Redactor) -> None:
    texts = [f"{text} ({n})" for n in range(6) for text in TEXTS]
    alone = [redactor.redact(text) for text in texts]
    batched_before = redactor._batcher.batches
    items_before = redactor._batcher.items
    with ThreadPoolExecutor(12) as pool:
        together = list(pool.map(redactor.redact, texts))
    assert together == alone
    batches = redactor._batcher.batches - batched_before
    assert redactor._batcher.items - items_before == len(texts)
    assert batches < len(texts)  # some scans shared a batch


def test_a_long_text_is_scanned_alone(redactor: Redactor) -> None:
    long_text = ("Call Zebediah Quackenbush at 312-555-0199 about the van. " * 40).strip()
    before = redactor._batcher.items
    result = redactor.redact(long_text)
    assert "[PHONE]" in result.text
    assert redactor._batcher.items == before


def test_a_leader_with_companions_on_their_way_waits_for_them_and_a_lone_one_does_not() -> None:
    """``companions`` (the bot: other handlers in flight): a scan that finds the engine free waits, up to
    ``gather_seconds``, for that many others to queue, and runs them all in one batch; with none on their way it
    runs at once, alone."""
    batches: list[list[str]] = []

    def run_many(items: list[str]) -> list[str]:
        batches.append(list(items))
        return [item.upper() for item in items]

    batcher: Batcher[str, str] = Batcher(run_many, limit=8)
    batcher.gather_seconds = 5.0  # long enough for slow machines: the companions end the wait, not the clock
    batcher.companions = lambda: 2
    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(batcher, "a")
        time.sleep(0.05)
        later = [pool.submit(batcher, item) for item in ("b", "c")]
        assert first.result(10) == "A" and [f.result(10) for f in later] == ["B", "C"]
    assert batches == [["a", "b", "c"]]

    batcher.companions = lambda: 0
    started = time.monotonic()
    assert batcher("lone") == "LONE"
    assert time.monotonic() - started < 1.0 and batches[-1] == ["lone"]


# -- scanning ahead ---------------------------------------------------------------------------------------------------


def _recording() -> tuple[list[list[str]], Batcher[str, str]]:
    batches: list[list[str]] = []

    def run_many(items: list[str]) -> list[str]:
        batches.append(list(items))
        return [item.upper() for item in items]

    return batches, Batcher(run_many, limit=8)


def test_texts_announced_ahead_are_scanned_with_the_first_call_and_their_callers_get_them_without_a_scan() -> None:
    batches, batcher = _recording()
    batcher.ahead(["b", "c", "d"])
    assert batcher("a") == "A"
    assert batches == [["a", "b", "c", "d"]]  # one batch: the caller's text and the three announced
    assert [batcher(x) for x in ("c", "b", "d")] == ["C", "B", "D"]
    assert batches == [["a", "b", "c", "d"]] and batcher.served_ahead == 3  # no second scan
    assert batcher("b") == "B" and batches[-1] == ["b"]  # each result is handed out once: asked again, scanned again


def test_a_text_announced_ahead_and_asked_for_first_is_scanned_once() -> None:
    batches, batcher = _recording()
    batcher.ahead(["a", "b"])
    assert batcher("a") == "A"
    assert batches == [["a", "b"]]  # "a" is not scanned a second time for its announcement
    assert batcher("b") == "B" and len(batches) == 1


def test_texts_ahead_join_a_batch_up_to_the_ahead_limit() -> None:
    batches, batcher = _recording()
    batcher.ahead_limit = 2
    batcher.ahead(["b", "c", "d"])
    assert batcher("a") == "A" and batches == [["a", "b", "c"]]
    assert batcher("e") == "E" and batches[-1] == ["e", "d"]
    assert [batcher(x) for x in "bcd"] == ["B", "C", "D"] and len(batches) == 2


def test_a_batch_with_texts_ahead_never_exceeds_its_limit_and_the_rest_go_next() -> None:
    batches, batcher = _recording()
    batcher.ahead([f"t{n}" for n in range(12)])
    assert batcher("x") == "X"
    assert batches == [["x"] + [f"t{n}" for n in range(7)]]
    assert batcher("t10") == "T10"  # still waiting to be scanned: its caller scans it (with the rest)
    assert batches[1][0] == "t10" and sorted(batches[1]) == sorted(["t10", "t7", "t8", "t9", "t11"])
    assert [batcher(f"t{n}") for n in range(12) if n != 10] == [f"T{n}" for n in range(12) if n != 10]
    assert len(batches) == 2


def test_a_caller_whose_text_is_in_a_batch_running_ahead_waits_for_that_batch() -> None:
    gate = _Gate()
    batcher: Batcher[str, str] = Batcher(gate, limit=8)
    batcher.ahead(["mine", "other"])
    with ThreadPoolExecutor(4) as pool:
        try:
            first = pool.submit(batcher, "first")
            assert gate.entered.wait(10)
            mine = pool.submit(batcher, "mine")
            time.sleep(0.05)
            assert not mine.done()  # it waits for the running batch ...
        finally:
            gate.release.set()
        assert first.result(10) == "FIRST" and mine.result(10) == "MINE"
    assert gate.batches == [["first", "mine", "other"]]  # ... and runs no batch of its own
    assert batcher("other") == "OTHER" and len(gate.batches) == 1


def test_a_failed_text_scanned_ahead_is_scanned_again_by_its_caller_and_others_are_unaffected() -> None:
    gate = _Gate()
    gate.release.set()
    batcher: Batcher[str, str] = Batcher(gate, limit=8)
    batcher.ahead(["bad", "good"])
    assert batcher("first") == "FIRST"  # the batch raised; every item was run again alone
    with pytest.raises(ValueError):
        batcher("bad")  # not kept as a result: its caller scans it and gets its own error
    assert batcher("good") == "GOOD"


def test_announcements_and_results_nobody_asked_for_are_dropped_after_a_while() -> None:
    batches, batcher = _recording()
    batcher.ahead_seconds = 0.05
    batcher.ahead(["never-asked"])
    assert batcher("a") == "A"  # scans "never-asked" along
    batcher.ahead(["announced-only"])
    time.sleep(0.1)
    assert batcher("b") == "B"
    assert batches[-1] == ["b"]  # the stale announcement was dropped, not scanned
    assert not batcher._done_ahead and not batcher._ahead  # no text kept


def test_a_burst_scanned_ahead_finds_what_each_text_alone_finds(redactor: Redactor) -> None:
    texts = [f"{text} ({n})" for n in range(4) for text in TEXTS]
    alone = [redactor.redact(text) for text in texts]
    clone = redactor.allow(())  # a batcher of its own
    clone.scan_ahead(texts)
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(clone.redact, texts))
    assert together == alone
    assert clone._batcher.batches <= 4  # the first scan took 16 others along, and so on
    assert clone._batcher.served_ahead >= 8
