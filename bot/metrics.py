"""Prometheus metrics: counts and times only, never text or the ids of people.

Every label value comes from a closed set written in code (an event's class name, a registered
command name, an engine label such as ``PHONE``, an audit action such as ``pii.warned``); anything
else is reported as ``other``. Nothing a member typed, no user, channel or message id, ever becomes
a label or a value (``tests/integration/test_ops_server.py`` checks a live process).

The metric objects live here, unregistered; each ops server (``bot/ops.py``) registers them in its
own ``CollectorRegistry`` together with the database gauges of its app (``DatabaseGauges``), so tests
that build several apps in one process never collide on the global registry.

Adapters report through the small hooks below (``matrix_synced``, ``gate_verdict``); they cost a
dictionary update and never block.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

_LABEL = re.compile(r"[A-Z][A-Z0-9_]{0,31}")
_ACTION = re.compile(r"[a-z][a-z0-9_.]{0,63}")

MESSAGES_SCANNED = Counter(
    "needtoknow_messages_scanned",
    "Messages and edits in group channels checked by the PII guard.",
    registry=None,
)
FINDINGS = Counter(
    "needtoknow_pii_findings",
    "PII found in scanned messages, by kind (PERSON, PHONE, ...).",
    ["label"],
    registry=None,
)
WARNINGS = Counter(
    "needtoknow_pii_warnings",
    "Private PII warnings recorded (committed pii.warned audit rows).",
    registry=None,
)
REDACTIONS = Counter(
    "needtoknow_pii_redactions",
    "Messages removed and reposted masked (committed pii.redacted audit rows).",
    registry=None,
)
AUDIT_EVENTS = Counter(
    "needtoknow_audit_events",
    "Committed audit rows by action (pii.warned, tip.routed, release.checked, ...).",
    ["action"],
    registry=None,
)
GATE_VERDICTS = Counter(
    "needtoknow_gate_verdicts",
    "Verdicts of the Matrix pre-store PII gate: allow, block (refused for PII), timeout (answered per fail_open).",
    ["verdict"],
    registry=None,
)
HANDLER_SECONDS = Histogram(
    "needtoknow_handler_seconds",
    "Time to handle one platform event, by event type and (for commands) command name.",
    ["event", "command"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=None,
)
NOT_HANDLED = Counter(
    "needtoknow_events_not_handled",
    "Events the core could not store (database unavailable, shutting down); the platform redelivers them.",
    ["event"],
    registry=None,
)

PROCESS_METRICS: tuple[Collector, ...] = (
    MESSAGES_SCANNED,
    FINDINGS,
    WARNINGS,
    REDACTIONS,
    AUDIT_EVENTS,
    GATE_VERDICTS,
    HANDLER_SECONDS,
    NOT_HANDLED,
)

_DEDICATED = {"pii.warned": WARNINGS, "pii.redacted": REDACTIONS}
_PENDING = "needtoknow.metrics.audit"

_sync_lock = threading.Lock()
_last_sync: dict[str, float] = {}


def safe_label(value: str) -> str:
    """An engine label (``PHONE``) or ``OTHER``."""
    return value if _LABEL.fullmatch(value) else "OTHER"


def safe_action(value: str) -> str:
    """An audit action (``pii.warned``) or ``other``."""
    return value if _ACTION.fullmatch(value) else "other"


def record_scan(label_counts: Mapping[str, int]) -> None:
    """One message (or edit) checked by the PII guard, with how many findings of each kind."""
    MESSAGES_SCANNED.inc()
    for label, count in label_counts.items():
        if count > 0:
            FINDINGS.labels(safe_label(str(label))).inc(count)


def record_audit(session: Session, action: str) -> None:
    """Count an audit action once its transaction commits (a rolled-back warning was never sent).

    Rows written inside a savepoint that is later rolled back while the outer transaction commits
    (a failing scheduled job) are still counted: rare, and the audit log itself is the exact record."""
    session.info.setdefault(_PENDING, []).append(safe_action(action))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    for action in session.info.pop(_PENDING, ()):
        AUDIT_EVENTS.labels(action).inc()
        dedicated = _DEDICATED.get(action)
        if dedicated is not None:
            dedicated.inc()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def gate_verdict(verdict: str) -> None:
    """The Matrix pre-store gate answered (``allow``, ``block``, ``timeout``)."""
    GATE_VERDICTS.labels(verdict if verdict in ("allow", "block", "error", "timeout") else "other").inc()


def matrix_synced(at: float | None = None) -> None:
    """The Matrix adapter finished a sync: ``needtoknow_matrix_sync_lag_seconds`` restarts from zero."""
    with _sync_lock:
        _last_sync["matrix"] = time.monotonic() if at is None else at


def sync_lag(platform: str = "matrix") -> float | None:
    """Seconds since the platform's last successful sync, or None if it never synced."""
    with _sync_lock:
        last = _last_sync.get(platform)
    return None if last is None else max(0.0, time.monotonic() - last)


class DatabaseGauges(Collector):
    """Outbox backlog, failed deliveries and overdue scheduled items, read from the database.

    ``refresh()`` runs the queries (blocking: the ops server calls it in a worker thread, at most
    once per ``cache_seconds``); ``collect()`` only returns the cached numbers, so a scrape never
    waits on the database from the event loop. The numbers cover every replica sharing the database.
    """

    def __init__(self, db: Any, now: Any, *, overdue_after: timedelta = timedelta(minutes=5),
                 cache_seconds: float = 5.0) -> None:
        self._db = db
        self._now = now
        self._overdue_after = overdue_after
        self._cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._values: dict[str, float] = {}
        self._reachable = False
        self._at = 0.0

    def refresh(self) -> None:
        with self._lock:
            if self._at and time.monotonic() - self._at < self._cache_seconds:
                return
            try:
                self._values = self._query(self._now())
                self._reachable = True
            except Exception:  # reported as needtoknow_database_up 0; the error text may quote data
                self._values = {}
                self._reachable = False
            self._at = time.monotonic()

    def _query(self, now: datetime) -> dict[str, float]:
        from storage.inbox import backlog as inbox_backlog
        from storage.models import OutboxMessage, ScheduledItem

        with self._db.session() as s:
            backlog, oldest = s.execute(
                select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at)).where(
                    OutboxMessage.status.in_(("pending", "sending"))
                )
            ).one()
            retrying = s.execute(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.status.in_(("pending", "sending")), OutboxMessage.attempts > 0
                )
            ).scalar_one()
            failed = s.execute(
                select(func.count(OutboxMessage.id)).where(OutboxMessage.status == "failed")
            ).scalar_one()
            overdue = s.execute(
                select(func.count(ScheduledItem.id)).where(
                    ScheduledItem.status.in_(("pending", "claimed")),
                    ScheduledItem.due_at < now - self._overdue_after,
                )
            ).scalar_one()
            inbox_count, inbox_oldest, inbox_failed = inbox_backlog(s)
        inbox_age = 0.0
        if inbox_oldest is not None:
            inbox_age = max(0.0, (_naive(now) - _naive(inbox_oldest)).total_seconds())
        oldest_age = 0.0
        if oldest is not None:
            oldest_age = max(0.0, (_naive(now) - _naive(oldest)).total_seconds())
        return {
            "backlog": float(backlog),
            "oldest": oldest_age,
            "retrying": float(retrying),
            "failed": float(failed),
            "overdue": float(overdue),
            "inbox_backlog": float(inbox_count),
            "inbox_oldest": inbox_age,
            "inbox_failed": float(inbox_failed),
        }

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._lock:
            values, reachable = dict(self._values), self._reachable
        yield _gauge("needtoknow_database_up", "1 if the last metrics query reached the database.",
                     1.0 if reachable else 0.0)
        if not reachable:
            return
        yield _gauge("needtoknow_outbox_backlog", "Messages waiting to be delivered (pending or sending).",
                     values["backlog"])
        yield _gauge("needtoknow_outbox_oldest_pending_age_seconds",
                     "Age of the oldest undelivered outbox message (0 when the outbox is empty).",
                     values["oldest"])
        yield _gauge("needtoknow_outbox_retrying", "Undelivered messages that failed at least once.",
                     values["retrying"])
        yield _gauge("needtoknow_deliveries_failed",
                     "Outbox messages given up after all retries (coordinators were alerted).",
                     values["failed"])
        yield _gauge("needtoknow_scheduled_overdue",
                     "Reminders, alerts and escalations due more than 5 minutes ago and not yet run.",
                     values["overdue"])
        yield _gauge("needtoknow_inbox_backlog",
                     "Acknowledged inbound requests (Slack events, commands, interactions) not yet handled.",
                     values["inbox_backlog"])
        yield _gauge("needtoknow_inbox_oldest_age_seconds",
                     "Age of the oldest acknowledged request not yet handled (0 when none).",
                     values["inbox_oldest"])
        yield _gauge("needtoknow_inbox_failed",
                     "Inbound requests given up on after retrying (coordinators were told), kept until purged.",
                     values["inbox_failed"])


class StateGauges(Collector):
    """Gauges computed at scrape time from in-process state: readiness checks and sync lag."""

    def __init__(self, checks: Any) -> None:
        self._checks = checks  # () -> Mapping[str, bool], cached values only (never blocks)

    def collect(self) -> Iterable[GaugeMetricFamily]:
        checks: Mapping[str, bool] = self._checks()
        ready = GaugeMetricFamily("needtoknow_ready", "1 when every readiness check passes.",
                                  value=1.0 if checks and all(checks.values()) else 0.0)
        yield ready
        per_check = GaugeMetricFamily("needtoknow_ready_check", "Each readiness check (1 = passing).",
                                      labels=["check"])
        for name, ok in checks.items():
            per_check.add_metric([name], 1.0 if ok else 0.0)
        yield per_check
        lag = sync_lag("matrix")
        if lag is not None:
            yield _gauge("needtoknow_matrix_sync_lag_seconds",
                         "Seconds since the Matrix adapter's last successful sync.", lag)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _naive(value: datetime) -> datetime:
    """Stored times are UTC; SQLite returns them naive, PostgreSQL aware."""
    return value.replace(tzinfo=None) if value.tzinfo is not None else value
