"""Scans asked for by several threads at once run as one batch (``Redactor.detect``).

Handlers run on worker threads, each scanning its own message. The models are shared and serialised (spaCy does
not promise thread safety), so concurrent scans queued for them one text at a time — and a batch of small texts
costs much less per text than the same texts one by one (spaCy and the tagger pay their fixed cost per call, not
per document: 50 chat-sized messages in one call about half the CPU of 50 calls). ``Batcher`` gathers them:

* a call arriving while no batch is running runs at once, alone: a lone message is never delayed;
* calls arriving while a batch runs wait; when it ends, the first of them runs everything that has queued since
  (up to ``limit``) as the next batch, for itself and the others, and wakes them with their results.

No gather window, no extra thread: the batch is run by one of the callers (leader/follower), so the only cost for
a caller that finds the engine free is a lock. One exception, when the caller says others are on their way
(``companions``, set by the bot to the number of other handlers in flight): a leader that finds the engine free
while other handlers are running waits up to ``gather_seconds`` (6 ms), without the GIL, for them to queue, so
a burst of commands whose handlers started together is scanned in a few large batches instead of a lone scan
followed by small ones (a lone message, with no other handler running, still runs at once). Results are the same as one call each (``_detect_batch`` finds the
same spans in a batch as alone: ``tests/unit/redaction/test_batching.py``). When a batch raises, each of its items
is run again alone, so one bad text fails only its own caller.

Hand-written: this is a few lines of leader/follower hand-off around the engine's own batch call; the libraries that
batch inference requests (e.g. for model servers) run their own server threads and event loops.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class _Waiting(Generic[T, R]):
    __slots__ = ("error", "item", "lead", "ready", "result")

    def __init__(self, item: T) -> None:
        self.item = item
        self.ready = threading.Event()
        self.lead = False  # woken to run the next batch (for itself and those queued behind it)
        self.result: R | None = None
        self.error: BaseException | None = None


class Batcher(Generic[T, R]):
    """``batcher(item)`` returns ``run_many([..., item, ...])``'s result for ``item``, batching calls made from
    several threads at the same time (see the module docstring)."""

    def __init__(self, run_many: Callable[[list[T]], list[R]], limit: int) -> None:
        if limit < 1:
            raise ValueError("a batch holds at least one item")
        self._run_many = run_many
        self._limit = limit
        self._mutex = threading.Lock()
        self._queue: list[_Waiting[T, R]] = []
        self._running = False
        self._arrived = threading.Event()  # a call queued (wakes a gathering leader)
        #: How many other callers are on their way (None: never wait for them; see the module docstring).
        self.companions: Callable[[], int] | None = None
        self.gather_seconds = 0.006  # 2 ms: 4.8 scans per batch, 6 ms: 6.0 (docs/slack.md, session 10)
        #: Batches run and items in them (for the benchmark and tests; plain counters, no text).
        self.batches = 0
        self.items = 0

    def __call__(self, item: T) -> R:
        me: _Waiting[T, R] = _Waiting(item)
        with self._mutex:
            self._queue.append(me)
            lead = not self._running
            self._running = True
        if not lead:
            self._arrived.set()
            me.ready.wait()
            if not me.lead:
                return self._outcome(me)
        elif self.companions is not None:
            self._gather()
        # This thread runs the next batch: itself (first in the queue) and whoever queued behind it.
        with self._mutex:
            batch, self._queue = self._queue[: self._limit], self._queue[self._limit :]
        try:
            self._run(batch)
        finally:
            with self._mutex:
                if self._queue:
                    nxt = self._queue[0]
                    nxt.lead = True
                    nxt.ready.set()
                else:
                    self._running = False
            for waiting in batch:
                if waiting is not me:
                    waiting.ready.set()
        return self._outcome(me)

    def _gather(self) -> None:
        """Wait (up to ``gather_seconds``) until the callers ``companions`` announces have queued."""
        assert self.companions is not None
        deadline = time.monotonic() + self.gather_seconds
        while True:
            with self._mutex:
                queued = len(self._queue)
                self._arrived.clear()
            left = deadline - time.monotonic()
            if left <= 0 or queued >= min(self._limit, 1 + max(0, self.companions())):
                return
            self._arrived.wait(left)

    def _run(self, batch: list[_Waiting[T, R]]) -> None:
        self.batches += 1
        self.items += len(batch)
        try:
            results = self._run_many([w.item for w in batch])
            if len(results) != len(batch):
                raise RuntimeError("run_many returned a result count that differs from its items")
        except Exception:
            if len(batch) == 1:
                raise
            for waiting in batch:  # one failing item fails only its own caller
                try:
                    waiting.result = self._run_many([waiting.item])[0]
                except Exception as exc:
                    waiting.error = exc
            return
        except BaseException:  # the leader was interrupted: the others must not wait forever
            for waiting in batch:
                waiting.error = RuntimeError("the scan was interrupted")
            raise
        for waiting, result in zip(batch, results, strict=True):
            waiting.result = result

    @staticmethod
    def _outcome(waiting: _Waiting[T, R]) -> R:
        if waiting.error is not None:
            raise waiting.error
        return waiting.result  # type: ignore[return-value]
