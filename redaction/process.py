"""The PII engine in a process of its own (``[bot] engine_process``).

A bot process's handlers are Python under one GIL; the engine (spaCy, the tagger, the rules) was about half of
the GIL's time per command, so one process could not use a second core. ``RemoteRedactor`` is a ``Redactor``
whose scans run in a child process (``python -m redaction.process``, spawned with the parent's interpreter, fed
over a socket pair with ``multiprocessing.connection``): the calling thread waits on the socket without the GIL,
so the handlers' database and Web API work run meanwhile. Batching is unchanged (the ``Batcher`` lives in the
parent; a batch is one request to the child), and so are the findings: the child runs the same ``Redactor``
with the same settings, allow-list and keyed hash.

Fails closed, nothing lost:

* the child is started and warmed (model loaded, one scan, the filters' word lists) before ``start()`` returns:
  ``App.warm_up`` calls it before an adapter listens and before ``/readyz`` turns ready;
* a child that dies or stops answering (``timeout``) is killed and reaped; the scans of that request raise
  ``EngineUnavailable`` (the batch is re-run item by item by the ``Batcher``, which starts a fresh child), and a
  scan that still cannot be made raises it to the handler: ``App`` treats it like a database outage (nothing is
  posted unscanned; the event is reported not handled, so the platform or the inbox delivers it again);
* the child reports an exception inside a scan by its type name only (never the text), as the engine would
  raise it in process.

Texts and findings cross a local socket pair between two processes of the same user; nothing is logged.
"""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from redaction.batching import Batcher
from redaction.findings import Finding
from redaction.settings import RedactionSettings

#: Allow-lists (one per directory change) a child keeps built; past this it forgets them all and is sent anew.
_ALLOW_LISTS_KEPT = 16


class EngineUnavailable(RuntimeError):
    """The engine process died, or did not answer in time, and no fresh one could finish the scan."""


class _Gone(Exception):
    pass


class EngineProcess:
    """One child process running the engine; ``scan`` is thread-safe (one request at a time)."""

    def __init__(self, settings: RedactionSettings, keyed_hash: Any, *, timeout: float = 60.0,
                 start_timeout: float = 300.0) -> None:
        self._settings = replace(settings, allow_terms=())
        self._keyed_hash = keyed_hash
        self.timeout = timeout
        self.start_timeout = start_timeout
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._allow_ids: dict[tuple[str, ...], int] = {}
        self._next_id = 0
        self._closed = False
        self.model_name = ""
        #: Children started (the first included) and restarted after a death or timeout: for tests and metrics.
        self.starts = 0

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self) -> None:
        """Start (and warm) the child if none is running. Blocking: seconds."""
        with self._lock:
            if self._conn is None:
                self._spawn()

    def scan(self, allow_terms: tuple[str, ...], texts: Sequence[str]) -> list[list[Finding]]:
        with self._lock:
            if self._closed:
                raise EngineUnavailable("the engine process was closed")
            if self._conn is None:
                self._spawn()
            conn = self._conn
            assert conn is not None
            known = self._allow_ids.get(allow_terms)
            terms: tuple[str, ...] | None = None
            forget = False
            if known is None:  # an allow-list the child has not seen (a directory change): sent once
                forget = len(self._allow_ids) >= _ALLOW_LISTS_KEPT
                if forget:
                    self._allow_ids = {}
                self._next_id += 1
                known, terms = self._next_id, allow_terms
            try:
                conn.send(("scan", known, terms, forget, list(texts)))
                if not conn.poll(self.timeout):
                    raise _Gone("no answer in time")
                reply = conn.recv()
            except (_Gone, OSError, EOFError) as exc:
                self._reap()
                raise EngineUnavailable(f"the engine process stopped answering ({type(exc).__name__})") from None
            self._allow_ids[allow_terms] = known
            kind, payload = reply
            if kind == "error":
                raise RuntimeError(f"the engine process failed on this scan ({payload})")
            return payload  # type: ignore[no-any-return]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._conn is not None:
                try:
                    self._conn.send(("stop",))
                except OSError:
                    pass
            proc = self._proc
            self._reap(wait=5.0)
            if proc is not None and proc.poll() is None:  # pragma: no cover - reaped above
                proc.kill()

    # -- internals ------------------------------------------------------------------------------------------------

    def _spawn(self) -> None:
        parent_sock, child_sock = socket.socketpair()
        root = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([root, *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])])
        try:
            proc = subprocess.Popen(  # noqa: S603 - this interpreter running our own module
                [sys.executable, "-m", "redaction.process", str(child_sock.fileno())],
                pass_fds=(child_sock.fileno(),),
                env=env,
                stdin=subprocess.DEVNULL,
                close_fds=True,
                # Its own process group: a Ctrl-C or signal to the bot's group must not kill the engine while the
                # bot drains its handlers (the child ends when the bot closes the socket, or dies).
                process_group=0,
            )
        finally:
            child_sock.close()
        conn = Connection(parent_sock.detach())
        self.starts += 1
        try:
            conn.send(("init", self._settings, self._keyed_hash))
            if not conn.poll(self.start_timeout):
                raise _Gone("not ready in time")
            kind, payload = conn.recv()
            if kind != "ready":
                raise _Gone(str(payload))
        except (_Gone, OSError, EOFError) as exc:
            conn.close()
            proc.kill()
            proc.wait()
            raise EngineUnavailable(f"the engine process did not start ({type(exc).__name__}: {exc})") from None
        self._proc, self._conn = proc, conn
        self._allow_ids = {}
        self.model_name = str(payload)

    def _reap(self, wait: float = 0.0) -> None:
        conn, proc = self._conn, self._proc
        self._conn = self._proc = None
        self._allow_ids = {}
        if conn is not None:
            conn.close()
        if proc is not None:
            if wait:
                try:
                    proc.wait(wait)
                    return
                except subprocess.TimeoutExpired:
                    pass
            proc.kill()
            proc.wait()


class RemoteRedactor:
    """A ``Redactor`` (same methods, same findings) whose scans run in an ``EngineProcess``."""

    def __init__(self, settings: RedactionSettings, *, keyed_hash: Any = None,
                 process: EngineProcess | None = None) -> None:
        from redaction.engine import Redactor

        self.settings = settings
        self._process = process or EngineProcess(settings, keyed_hash)
        self._allow_terms = tuple(settings.allow_terms)
        self._batcher: Batcher[str, list[Finding]] = Batcher(self._detect_batch, settings.batch_size)
        # The masking is the engine's own (pure Python, no model): borrowed, not copied.
        self._masked = Redactor._masked.__get__(self)

    @property
    def process(self) -> EngineProcess:
        return self._process

    @property
    def model_name(self) -> str:
        return self._process.model_name

    def with_allow_terms(self, terms: Iterable[str]) -> RemoteRedactor:
        return RemoteRedactor(replace(self.settings, allow_terms=tuple(terms)), process=self._process)

    allow = with_allow_terms

    def scan_together(self, companions: Any) -> None:
        self._batcher.companions = companions

    def scan_ahead(self, texts: Iterable[str]) -> None:
        from redaction.engine import _SHORT_SEGMENT

        self._batcher.ahead([text for text in texts if text and len(text) <= _SHORT_SEGMENT])

    def warm_up(self) -> None:
        """Start the child (it loads and warms the engine before it answers) and scan once through it."""
        self._process.start()
        self.redact("Warm-up: call 312-555-0100 about the meeting.")

    def detect(self, text: str) -> list[Finding]:
        from redaction.engine import _SHORT_SEGMENT

        if len(text) > _SHORT_SEGMENT:
            return self._detect_batch([text])[0]
        return self._batcher(text)

    def redact(self, text: str) -> Any:
        return self._masked(text, self.detect(text))

    def redact_many(self, texts: Iterable[str]) -> list[Any]:
        items = list(texts)
        out: list[Any] = []
        size = self.settings.batch_size
        for i in range(0, len(items), size):
            chunk = items[i : i + size]
            out.extend(self._masked(t, f) for t, f in zip(chunk, self._detect_batch(chunk), strict=True))
        return out

    def looks_like(self, text: str, labels: set[str]) -> bool:
        return any(finding.label in labels for finding in self.detect(text))

    def close(self) -> None:
        self._process.close()

    def _detect_batch(self, texts: Sequence[str]) -> list[list[Finding]]:
        return self._process.scan(self._allow_terms, texts)


def _serve(fd: int) -> None:
    """The child: build the engine from the parent's settings, warm it, then answer scans until told to stop."""
    conn = Connection(fd)
    try:
        message = conn.recv()
    except EOFError:
        return
    _, settings, keyed_hash = message
    try:
        from redaction.engine import Redactor

        base = Redactor(settings, keyed_hash=keyed_hash)
        base.warm_up()
        gc.collect()
        gc.freeze()  # full collections never walk the loaded model again (bot.app.freeze_the_heap)
    except Exception as exc:
        conn.send(("failed", type(exc).__name__))
        return
    conn.send(("ready", base.model_name))
    engines: dict[int, Redactor] = {}
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if message[0] == "stop":
            return
        _, allow_id, terms, forget, texts = message
        try:
            if forget:
                engines.clear()
            engine = engines.get(allow_id)
            if engine is None:
                if terms is None:
                    raise KeyError("an allow-list this process was never sent")
                engine = base.allow(terms) if terms else base
                engines[allow_id] = engine
            reply: tuple[str, Any] = ("ok", engine._detect_batch(texts))
        except Exception as exc:  # the type only: an exception's message can quote the text
            reply = ("error", type(exc).__name__)
        conn.send(reply)


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
