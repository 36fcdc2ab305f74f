"""Handlers run off the event loop: a bounded pool of worker threads, each with its own event loop.

Handlers are ``async`` but do their database work (SQLAlchemy, synchronous) and some CPU work inline.
On the adapter's event loop that work blocked every other event and every ack. ``HandlerPool`` runs a
whole handler (``App._handle``) on one of ``[bot] worker_threads`` worker threads instead; each
thread runs its own event loop and handles one event at a time, so a handler's sessions are opened,
used and closed in that one thread (never shared across threads). Platform calls a handler makes
(``ctx.reply``, ``post``, ``open_form`` ...) are marshalled back to the adapter's loop, where the
platform's HTTP sessions and sockets live (``LoopBoundPlatform``). Handlers stay unchanged.

Why hand-written: ``loop.run_in_executor`` runs plain functions, not coroutines that must call back
into the home loop; no well-kept library runs asyncio handlers on thread-local loops with calls
marshalled home (anyio's ``from_thread`` needs the whole program to run under anyio).

Ordering: events of one member (same platform user) are handled one after another, in arrival order
(``App`` keeps a lock per member), so a member's form dialogue and the edits of one message are
processed in order; events of different members run in parallel.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

#: On the home loop, inside a platform call marshalled from a worker: the task that dispatched the
#: event (adapters that track "this handler's own replies" by task compare against it).
_ACTING_FOR: contextvars.ContextVar[asyncio.Task[Any] | None] = contextvars.ContextVar(
    "ntk_acting_for", default=None
)
#: Set by ``App`` around a dispatch: the task that dispatched the event on the home loop.
DISPATCHING_TASK: contextvars.ContextVar[asyncio.Task[Any] | None] = contextvars.ContextVar(
    "ntk_dispatching_task", default=None
)


_THREAD = threading.local()


def on_handler_thread() -> bool:
    """True on one of the pool's worker threads (each handles one event at a time, so blocking
    work there holds up nothing else; on the adapter's loop it would hold up every ack)."""
    return bool(getattr(_THREAD, "handler", False))


def _serve(loop: asyncio.AbstractEventLoop) -> None:
    _THREAD.handler = True
    loop.run_forever()


def handler_task() -> asyncio.Task[Any] | None:
    """The task that stands for the current handler on the home loop: the current task, or — inside
    a platform call a worker thread marshalled home — the task that dispatched the event."""
    acting = _ACTING_FOR.get()
    return acting if acting is not None else asyncio.current_task()


class HandlerPool:
    """``size`` threads, each running an event loop; ``run`` executes a coroutine on an idle one."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("a handler pool needs at least one thread")
        self.size = size
        self.home: asyncio.AbstractEventLoop | None = None
        self._loops: list[asyncio.AbstractEventLoop] = []
        self._threads: list[threading.Thread] = []
        self._idle: asyncio.Queue[asyncio.AbstractEventLoop] | None = None
        #: Handlers running on the threads now (read from any thread: the PII scan's batching asks it).
        self.busy = 0

    def start(self) -> None:
        """Start the threads now, on the running (adapter's) loop, instead of at the first event: an
        adapter calls it before it accepts requests, so the first burst's acknowledgements do not
        share the event loop with starting 16 threads and their loops. Idempotent."""
        if self.home is None:
            self._start()

    def _start(self) -> None:
        self.home = asyncio.get_running_loop()
        self._idle = asyncio.Queue()
        for n in range(self.size):
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=_serve, args=(loop,), name=f"ntk-handler-{n}", daemon=True)
            thread.start()
            self._loops.append(loop)
            self._threads.append(thread)
            self._idle.put_nowait(loop)

    async def run(self, factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run ``factory()`` on an idle worker loop (waiting for one), in a copy of the caller's
        context; returns its result or raises its exception."""
        if self.home is None:
            self._start()
        elif self.home is not asyncio.get_running_loop():
            raise RuntimeError("HandlerPool.run is called from the loop it was started on only")
        assert self._idle is not None
        loop = await self._idle.get()
        self.busy += 1
        try:
            # The task on the worker loop starts in a copy of this task's context (contextvars).
            future = asyncio.run_coroutine_threadsafe(factory(), loop)
            return await asyncio.wrap_future(future)
        finally:
            self.busy -= 1
            self._idle.put_nowait(loop)

    def stop(self) -> None:
        for loop in self._loops:
            if not loop.is_closed():
                loop.call_soon_threadsafe(loop.stop)
        for thread in self._threads:
            thread.join(5)
        for loop in self._loops:
            if not loop.is_running() and not loop.is_closed():
                loop.close()
        self._loops.clear()
        self._threads.clear()
        self.home = None


async def call_home(home: asyncio.AbstractEventLoop, factory: Callable[[], Awaitable[T]]) -> T:
    """Await ``factory()`` on ``home``: directly when already there, else marshalled to it."""
    try:
        here = asyncio.get_running_loop()
    except RuntimeError:
        here = None
    if here is home:
        return await factory()
    acting = DISPATCHING_TASK.get()

    async def at_home() -> T:
        _ACTING_FOR.set(acting)
        return await factory()

    future = asyncio.run_coroutine_threadsafe(at_home(), home)
    return await asyncio.wrap_future(future)


class LoopBoundPlatform:
    """A ``ChatPlatform`` whose coroutine methods always run on the adapter's (home) loop.

    Plain attributes and synchronous methods pass through unchanged."""

    def __init__(self, platform: Any, home: Callable[[], asyncio.AbstractEventLoop | None]) -> None:
        self.wrapped = platform
        self._home = home

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.wrapped, name)
        if not inspect.iscoroutinefunction(value):
            return value

        @functools.wraps(value)
        async def marshalled(*args: Any, **kwargs: Any) -> Any:
            home = self._home()
            if home is None:
                return await value(*args, **kwargs)
            return await call_home(home, lambda: value(*args, **kwargs))

        return marshalled

    @property
    def name(self) -> str:
        return str(self.wrapped.name)

    @property
    def capabilities(self) -> Any:
        return self.wrapped.capabilities
