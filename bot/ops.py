"""Health, readiness and metrics for ``needtoknow run`` (``[ops] listen = "127.0.0.1:9464"``).

* ``GET /healthz`` — 200 while the process and its event loop are alive.
* ``GET /readyz`` — 200 when every named check passes, else 503 with the failing names:
  ``engine`` (PII engine loaded and run once), ``database`` (reachable, and its schema is exactly the
  code's migration heads), ``platform`` (Slack listening / Socket Mode connected, Matrix synced),
  ``scheduler`` (running, and no periodic job more than 15 s behind its next run time — a blocked
  event loop or a dead scheduler shows here); after SIGTERM also ``accepting`` (false while draining).
* ``GET /metrics`` — Prometheus text format (``prometheus-client``), see ``bot/metrics.py``.

The server is aiohttp on the bot's own event loop (aiohttp is already a dependency, and a separate
thread would report a healthy process while the loop that does the work is stuck). Everything that
blocks — database queries for readiness and for the outbox/scheduler gauges — runs in a worker
thread and is cached for a few seconds, so scraping never stalls message handling.

It listens only where ``listen`` says and is off when unset; it serves no message content, so it
needs no authentication, but keep it on a private interface (``docs/operating.md``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from bot import metrics
from bot.errors import safe_exception_summary
from bot.events import CommandInvoked, Event

log = logging.getLogger(__name__)

#: A periodic job whose next run time is this far in the past means the loop or the scheduler is stuck.
SCHEDULER_GRACE = timedelta(seconds=15)
#: How long a database readiness answer is reused (``/readyz`` may be polled every second).
DATABASE_CHECK_SECONDS = 2.0
_WARM_TEXT = "Warm-up: call 312-555-0100 about the meeting on Friday."


@dataclass(frozen=True)
class OpsSettings:
    """The ``[ops]`` table."""

    host: str | None = None
    port: int | None = None
    metrics_cache_seconds: float = 5.0

    @property
    def enabled(self) -> bool:
        return self.host is not None and self.port is not None

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any]) -> OpsSettings:
        unknown = sorted(set(table) - {"listen", "metrics_cache_seconds"})
        if unknown:
            raise ValueError(f"ops.{unknown[0]}: unknown key (known: listen, metrics_cache_seconds)")
        cache = table.get("metrics_cache_seconds", 5.0)
        if not isinstance(cache, int | float) or isinstance(cache, bool) or not 0 <= cache <= 300:
            raise ValueError("ops.metrics_cache_seconds: must be a number of seconds between 0 and 300")
        listen = table.get("listen")
        if listen is None or listen == "":
            return cls(metrics_cache_seconds=float(cache))
        if not isinstance(listen, str) or ":" not in listen:
            raise ValueError('ops.listen: must be "host:port", e.g. "127.0.0.1:9464"')
        host, _, port_text = listen.rpartition(":")
        host = host.strip("[]")
        if not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError('ops.listen: must be "host:port" with a port from 1 to 65535, e.g. "127.0.0.1:9464"')
        return cls(host=host, port=int(port_text), metrics_cache_seconds=float(cache))


def platform_connected(platform: Any) -> bool:
    """An adapter that connects somewhere exposes ``connected``; the console is always connected."""
    connected = getattr(platform, "connected", None)
    if connected is None:
        return True
    return bool(connected() if callable(connected) else connected)


class Readiness:
    """The named readiness checks. ``checks()`` never blocks: the database answer is refreshed by
    ``refresh_database()`` in a worker thread and reused for ``DATABASE_CHECK_SECONDS``."""

    def __init__(self, app: Any, platform: Any) -> None:
        self._app = app
        self._platform = platform
        self.engine_warm = False
        self._db_ok = False
        self._db_at = 0.0
        self._db_lock = threading.Lock()
        self._heads: set[str] | None = None

    def _expected_heads(self) -> set[str]:
        if self._heads is None:
            from alembic.script import ScriptDirectory

            from storage.db import alembic_config

            self._heads = set(ScriptDirectory.from_config(alembic_config(self._app.services.db.url)).get_heads())
        return self._heads

    def refresh_database(self, *, force: bool = False) -> bool:
        """Blocking: reachable, and migrated to exactly the code's heads (not older, not newer)."""
        with self._db_lock:
            if not force and self._db_at and time.monotonic() - self._db_at < DATABASE_CHECK_SECONDS:
                return self._db_ok
            try:
                from alembic.runtime.migration import MigrationContext

                expected = self._expected_heads()
                with self._app.services.db.engine.connect() as conn:
                    current = set(MigrationContext.configure(conn).get_current_heads())
                self._db_ok = current == expected
            except Exception as exc:  # reported as the failing check "database"; the text may quote data
                log.warning("readiness: database check failed (%s)", safe_exception_summary(exc))
                self._db_ok = False
            self._db_at = time.monotonic()
            return self._db_ok

    def scheduler_ticking(self) -> bool:
        scheduler = getattr(self._app, "scheduler", None)
        if scheduler is None or not getattr(scheduler, "running", False):
            return False
        late = datetime.now(UTC) - SCHEDULER_GRACE
        for job in scheduler.get_jobs():
            if job.next_run_time is not None and job.next_run_time < late:
                return False
        return True

    def checks(self) -> dict[str, bool]:
        checks = {
            "engine": self.engine_warm,
            "database": self._db_ok,
            "platform": platform_connected(self._platform),
            "scheduler": self.scheduler_ticking(),
        }
        if getattr(self._app, "stopping", False):
            checks["accepting"] = False  # shutting down: a load balancer should send traffic elsewhere
        return checks

    def warm_engine(self) -> None:
        """Blocking (seconds): load the PII engine with the directory's allow-list and run it once, so
        the first member's message is handled as fast as any other."""
        warm_up = getattr(self._app, "warm_up", None)
        if callable(warm_up):
            warm_up()
        else:
            self._app.services.redactor_loader().redact(_WARM_TEXT)
        self.engine_warm = True


class MeasuredCore:
    """The app as adapters see it, with each event's handling time recorded.

    Labels are the event's class name and, for commands and forms, the registered command name or
    form id (``other`` for anything not registered: an unknown command word is member text)."""

    def __init__(self, app: Any) -> None:
        self._app = app

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)

    def _name(self, event: Event) -> str:
        if isinstance(event, CommandInvoked):
            return event.name if event.name in self._app.router.commands else "other"
        return ""

    async def dispatch(self, event: Event) -> Any:
        started = time.perf_counter()
        try:
            result = await self._app.dispatch(event)
        finally:
            metrics.HANDLER_SECONDS.labels(type(event).__name__, self._name(event)).observe(
                time.perf_counter() - started
            )
        if result is not None and not result:  # core's Dispatched.NOT_HANDLED is falsy
            metrics.NOT_HANDLED.labels(type(event).__name__).inc()
        return result

    async def submit_form(self, user: Any, form_id: str, raw: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await self._app.submit_form(user, form_id, raw, **kwargs)
        finally:
            name = form_id if form_id in self._app.router.forms else "other"
            metrics.HANDLER_SECONDS.labels("FormSubmitted", name).observe(time.perf_counter() - started)


class OpsServer:
    """``/healthz``, ``/readyz`` and ``/metrics`` on the bot's event loop."""

    def __init__(self, settings: OpsSettings, app: Any, readiness: Readiness) -> None:
        from prometheus_client import CollectorRegistry
        from prometheus_client.process_collector import ProcessCollector

        self.settings = settings
        self.readiness = readiness
        self.registry = CollectorRegistry()
        for collector in metrics.PROCESS_METRICS:
            self.registry.register(collector)
        self.database_gauges = metrics.DatabaseGauges(
            app.services.db, app.services.clock.now, cache_seconds=settings.metrics_cache_seconds
        )
        self.registry.register(self.database_gauges)
        self.registry.register(metrics.StateGauges(readiness.checks))
        ProcessCollector(registry=self.registry)
        self._runner: web.AppRunner | None = None
        self._render_lock = asyncio.Lock()
        self.port: int | None = None

    def web_app(self) -> web.Application:
        application = web.Application()
        application.router.add_get("/healthz", self._healthz)
        application.router.add_get("/readyz", self._readyz)
        application.router.add_get("/metrics", self._metrics)
        return application

    async def start(self) -> None:
        runner = web.AppRunner(self.web_app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.settings.host, self.settings.port)
        try:
            await site.start()
        except OSError as exc:  # a port in use or an address not on this machine: one line, not a traceback
            await runner.cleanup()
            from bot.cli import CliError

            reason = os.strerror(exc.errno) if exc.errno else type(exc).__name__
            raise CliError(
                f"ops.listen: cannot listen on {self.settings.host}:{self.settings.port} ({reason}); "
                "stop what uses it or choose another port"
            ) from None
        self._runner = runner
        sockets = getattr(getattr(site, "_server", None), "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.settings.port
        log.info("ops: /healthz, /readyz and /metrics on %s:%s", self.settings.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, _: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def _readyz(self, _: web.Request) -> web.Response:
        await asyncio.to_thread(self.readiness.refresh_database)
        checks = self.readiness.checks()
        failing = [name for name, ok in checks.items() if not ok]
        body = {"ready": not failing, "failing": failing, "checks": checks}
        return web.Response(
            status=200 if not failing else 503, text=json.dumps(body) + "\n", content_type="application/json"
        )

    async def _metrics(self, _: web.Request) -> web.Response:
        from prometheus_client import CONTENT_TYPE_LATEST

        async with self._render_lock:  # one refresh at a time; concurrent scrapes share the cache
            body = await asyncio.to_thread(self._render)
        response = web.Response(body=body)
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    def _render(self) -> bytes:
        from prometheus_client import generate_latest

        self.readiness.refresh_database()
        self.database_gauges.refresh()
        return generate_latest(self.registry)


@asynccontextmanager
async def operations(config: Any, app: Any, platform: Any) -> AsyncIterator[MeasuredCore]:
    """Around ``needtoknow run``: start the ops server (when ``[ops] listen`` is set), warm the PII
    engine before the platform accepts anything, and hand the adapter the measured app."""
    settings = OpsSettings.from_mapping(config.section("ops"))
    readiness = Readiness(app, platform)
    server = OpsServer(settings, app, readiness) if settings.enabled else None
    if server is not None:
        await server.start()
    try:
        started = time.perf_counter()
        log.info("warming the PII engine before the platform starts")
        await asyncio.to_thread(readiness.warm_engine)
        log.info("PII engine ready in %.1f s", time.perf_counter() - started)
        yield MeasuredCore(app)
    finally:
        if server is not None:
            await server.stop()
