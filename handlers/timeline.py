"""Coarse timeline phrases for NGO notices: "end of next week", never a date or a time.

Guide (task-force-information-sharing, "Explaining need to know"): the NGO "requested a general
timeline (end of next week vs. an exact date or time)" so it could pre-plan shelter, language and
needs specific to minors. These functions are pure: the planned instant, "now" and the task
force's time zone in, a phrase out.

Calendar weeks run Monday to Sunday in the task force's time zone. With ``d`` the number of
calendar days between today and the operation's day, and ``w`` the number of calendar weeks
between this week and the operation's week:

=====================================  =========================
condition (first match wins)           phrase
=====================================  =========================
the planned time is not ahead          "very soon"
d == 0                                 "later today"
d == 1                                 "tomorrow"
w == 0                                 "later this week"
w == 1, Monday to Wednesday            "early next week"
w == 1, Thursday to Sunday             "end of next week"
w == 2                                 "in about two weeks"
w == 3                                 "in about three weeks"
w == 4 or 5                            "in about a month"
w >= 6                                 "in more than a month"
=====================================  =========================

Buckets never narrow to a single weekday beyond "today"/"tomorrow" (which the NGO needs to act
on): "early next week" spans three days, "end of next week" four. Day arithmetic is on local
calendar dates, so DST changes (a 23- or 25-hour day) never shift a phrase.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

PHRASES = (
    "very soon",
    "later today",
    "tomorrow",
    "later this week",
    "early next week",
    "end of next week",
    "in about two weeks",
    "in about three weeks",
    "in about a month",
    "in more than a month",
)


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def coarsen_timeline(planned: datetime, now: datetime, tz: ZoneInfo) -> str:
    """The phrase an NGO may see for an operation at ``planned`` seen from ``now`` (both aware)."""
    if planned.tzinfo is None or now.tzinfo is None:
        raise ValueError("coarsen_timeline needs aware datetimes")
    if planned <= now:
        return "very soon"
    p = planned.astimezone(tz).date()
    n = now.astimezone(tz).date()
    days = (p - n).days
    weeks = (_monday(p) - _monday(n)).days // 7
    if days == 0:
        return "later today"
    if days == 1:
        return "tomorrow"
    if weeks == 0:
        return "later this week"
    if weeks == 1:
        return "early next week" if p.weekday() <= 2 else "end of next week"
    if weeks == 2:
        return "in about two weeks"
    if weeks == 3:
        return "in about three weeks"
    if weeks <= 5:
        return "in about a month"
    return "in more than a month"


BUCKET_HOURS = (1, 2, 3, 4, 6, 8, 12, 24)


def _wall_to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def alert_bucket(planned: datetime, tz: ZoneInfo, hours: int) -> tuple[datetime, datetime]:
    """The ``[start, end)`` slice of the task force's local day that holds ``planned``: days cut
    into ``hours``-long pieces from local midnight (12 -> midnight to noon, noon to midnight).

    Everything about an operation that the database keeps in clear (alert due times, when alerts
    were sent and audited, which alerts are pending, whether it was short notice) is computed from
    this bucket, never from the exact time: two operations planned in the same bucket leave the same
    clear traces (docs/operations.md, "What the database reveals")."""
    if hours not in BUCKET_HOURS:
        raise ValueError(f"bucket hours must divide a day: one of {BUCKET_HOURS}")
    wall = planned.astimezone(tz).replace(tzinfo=None)
    start = wall.replace(hour=wall.hour // hours * hours, minute=0, second=0, microsecond=0)
    return _wall_to_utc(start, tz), _wall_to_utc(start + timedelta(hours=hours), tz)


def lead_time_phrase(hours: int) -> str:
    """The phrase for an alert sent ``hours`` before an operation: whole days from 48 hours on
    ("within the next 3 days"), hours below ("within the next 24 hours")."""
    if hours <= 0:
        raise ValueError("hours must be positive")
    if hours >= 48 and hours % 24 == 0:
        return f"within the next {hours // 24} days"
    return f"within the next {hours} hours"
