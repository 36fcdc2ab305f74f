"""Time, injectable: the real clock in production, a fake one in tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC now."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock tests move by hand: ``clock.advance(days=3)``."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)

    def advance(self, **kwargs: float) -> datetime:
        self._now += timedelta(**kwargs)
        return self._now


class ConsoleClock:
    """The console's clock: real time plus an offset that ``/clock`` moves forward, so someone trying
    the bot can watch reminders, lead-time alerts and escalations happen without waiting days."""

    def __init__(self) -> None:
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("ConsoleClock needs an aware datetime")
        self._offset = when.astimezone(UTC) - datetime.now(UTC)

    def advance(self, **kwargs: float) -> datetime:
        self._offset += timedelta(**kwargs)
        return self.now()
