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

**Scanning ahead** (``ahead(items)``): a caller that knows which texts will be asked for soon (the Slack
adapter, for a burst of acknowledged ``/preview`` commands waiting for a handler thread) announces them; the next
batch that runs takes them along (up to ``ahead_limit``, 16), so a burst of 50 is scanned in batches of about 16
instead of the 4-6 handlers that happen to scan at the same time (about 0.6x the CPU per text: ``docs/slack.md``,
session 14). A caller whose text is in a batch running ahead waits for that batch; one whose
text was scanned ahead gets the result at once, without a scan. Same findings (the batch call is the same). A
result or announcement nobody asked for within ``ahead_seconds`` (30 s) is dropped (the text is not kept longer).

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
    __slots__ = ("claimed", "error", "item", "lead", "ready", "result")

    def __init__(self, item: T) -> None:
        self.item = item
        self.ready = threading.Event()
        self.lead = False  # woken to run the next batch (for itself and those queued behind it)
        self.result: R | None = None
        self.error: BaseException | None = None
        self.claimed = False  # an item scanned ahead: a caller is waiting for it (its result is not kept)


class Batcher(Generic[T, R]):
    """``batcher(item)`` returns ``run_many([..., item, ...])``'s result for ``item``, batching calls made from
    several threads at the same time (see the module docstring)."""

    #: At most this many items announced ahead join one batch (None: up to the batch's limit). 16: a batch of 16
    #: costs about 0.6x the CPU per text of batches of 5 (50: 0.5x), while a batch of 50 would hold the GIL for
    #: 60-90 ms on a free core, as long as an ack may wait (docs/slack.md, session 14).
    ahead_limit: int | None = 16

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
        # Scanning ahead (see the module docstring): announced items not yet run, (item, when announced); items of
        # the running batch that were announced, by item; results of announced items no caller has taken yet.
        self.ahead_seconds = 30.0
        self._ahead: list[tuple[T, float]] = []
        self._running_ahead: dict[T, list[_Waiting[T, R]]] = {}
        self._done_ahead: dict[T, list[tuple[R, float]]] = {}
        #: Callers served from a batch that ran ahead of them (for the benchmark and tests).
        self.served_ahead = 0

    def ahead(self, items: list[T]) -> None:
        """Announce items that callers will ask for soon: the next batch takes them along (module docstring)."""
        now = time.monotonic()
        with self._mutex:
            self._forget_stale(now)
            self._ahead.extend((item, now) for item in items)
        if items:
            self._arrived.set()  # a gathering leader need not wait for its companions: they are here

    def _forget_stale(self, now: float) -> None:
        """Drop announcements and results older than ``ahead_seconds`` (under the mutex)."""
        oldest = now - self.ahead_seconds
        if self._ahead and self._ahead[0][1] < oldest:
            self._ahead = [(item, when) for item, when in self._ahead if when >= oldest]
        for item in [k for k, v in self._done_ahead.items() if v[0][1] < oldest]:
            kept = [(r, when) for r, when in self._done_ahead[item] if when >= oldest]
            if kept:
                self._done_ahead[item] = kept
            else:
                del self._done_ahead[item]

    def _take_ahead(self, item: T) -> tuple[bool, R | None, _Waiting[T, R] | None]:
        """Under the mutex: (True, result, None) when ``item`` was scanned ahead; (True, None, waiting) when it is in
        the batch running ahead (wait for ``waiting``); (False, None, None) otherwise -- an announcement of it is
        withdrawn, since the caller now scans it itself."""
        done = self._done_ahead.get(item)
        if done:
            result, _ = done.pop(0)
            if not done:
                del self._done_ahead[item]
            return True, result, None
        for waiting in self._running_ahead.get(item, ()):
            if not waiting.claimed:
                waiting.claimed = True
                return True, None, waiting
        for i, (announced, _) in enumerate(self._ahead):
            if announced == item:
                del self._ahead[i]
                break
        return False, None, None

    def __call__(self, item: T) -> R:
        me: _Waiting[T, R] = _Waiting(item)
        running: _Waiting[T, R] | None = None
        with self._mutex:
            if self._ahead or self._running_ahead or self._done_ahead:
                self._forget_stale(time.monotonic())
                found, result, running = self._take_ahead(item)
                if found and running is None:
                    self.served_ahead += 1
                    return result  # type: ignore[return-value]
            if running is None:
                self._queue.append(me)
                lead = not self._running
                self._running = True
        if running is not None:  # in the batch running ahead of this call: its result, or scan it here
            running.ready.wait()
            if running.error is None:
                with self._mutex:
                    self.served_ahead += 1
                return running.result  # type: ignore[return-value]
            return self(item)
        if not lead:
            self._arrived.set()
            me.ready.wait()
            if not me.lead:
                return self._outcome(me)
        elif self.companions is not None:
            self._gather()
        # This thread runs the next batch: itself (first in the queue), whoever queued behind it, and items
        # announced ahead (up to the limit).
        with self._mutex:
            batch, self._queue = self._queue[: self._limit], self._queue[self._limit :]
            extra = self._ahead_batch(self._limit - len(batch))
        try:
            self._run(batch, extra)
        finally:
            with self._mutex:
                self._settle_ahead(extra)
                if self._queue:
                    nxt = self._queue[0]
                    nxt.lead = True
                    nxt.ready.set()
                else:
                    self._running = False
            for waiting in batch + extra:
                if waiting is not me:
                    waiting.ready.set()
        return self._outcome(me)

    def _ahead_batch(self, room: int) -> list[_Waiting[T, R]]:
        """Under the mutex: up to ``room`` announced items (at most ``ahead_limit``) for the batch about to run
        (registered as running)."""
        if self.ahead_limit is not None:
            room = min(room, self.ahead_limit)
        if room <= 0 or not self._ahead:
            return []
        taken, self._ahead = self._ahead[:room], self._ahead[room:]
        extra: list[_Waiting[T, R]] = []
        for item, _ in taken:
            waiting: _Waiting[T, R] = _Waiting(item)
            self._running_ahead.setdefault(item, []).append(waiting)
            extra.append(waiting)
        return extra

    def _settle_ahead(self, extra: list[_Waiting[T, R]]) -> None:
        """Under the mutex, after the batch: results of announced items no caller waits for are kept for them (a
        failed one is not: its caller scans it itself)."""
        now = time.monotonic()
        for waiting in extra:
            running = self._running_ahead.get(waiting.item, [])
            if waiting in running:
                running.remove(waiting)
            if not running:
                self._running_ahead.pop(waiting.item, None)
            if not waiting.claimed and waiting.error is None and len(self._done_ahead) < 2 * self._limit:
                self._done_ahead.setdefault(waiting.item, []).append((waiting.result, now))  # type: ignore[arg-type]

    def _gather(self) -> None:
        """Wait (up to ``gather_seconds``) until the callers ``companions`` announces have queued (or been announced
        ahead)."""
        assert self.companions is not None
        deadline = time.monotonic() + self.gather_seconds
        while True:
            with self._mutex:
                queued = len(self._queue) + len(self._ahead)
                self._arrived.clear()
            left = deadline - time.monotonic()
            if left <= 0 or queued >= min(self._limit, 1 + max(0, self.companions())):
                return
            self._arrived.wait(left)

    def _run(self, batch: list[_Waiting[T, R]], ahead: list[_Waiting[T, R]] | None = None) -> None:
        ahead = ahead or []
        together = batch + ahead
        self.batches += 1
        self.items += len(together)
        try:
            results = self._run_many([w.item for w in together])
            if len(results) != len(together):
                raise RuntimeError("run_many returned a result count that differs from its items")
        except Exception as exc:
            # Items scanned ahead are not run again here: a caller who asks for one scans it itself (as before
            # scanning ahead; with the engine's process down, a re-run of each would try to start it again).
            for waiting in ahead:
                waiting.error = exc
            if len(batch) == 1 and not ahead:
                raise
            for waiting in batch:  # one failing item fails only its own caller
                try:
                    waiting.result = self._run_many([waiting.item])[0]
                except Exception as exc:
                    waiting.error = exc
            return
        except BaseException:  # the leader was interrupted: the others must not wait forever
            for waiting in together:
                waiting.error = RuntimeError("the scan was interrupted")
            raise
        for waiting, result in zip(together, results, strict=True):
            waiting.result = result

    @staticmethod
    def _outcome(waiting: _Waiting[T, R]) -> R:
        if waiting.error is not None:
            raise waiting.error
        return waiting.result  # type: ignore[return-value]
