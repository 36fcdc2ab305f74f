"""A platform outage is not a database outage: what was stored stays handled (never stored twice)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select

from bot.app import Dispatched
from bot.events import CommandInvoked
from bot.platform import ChannelRef, PlatformError, UserRef
from storage.db import database_unavailable
from storage.tips import Tip
from tests.harness import Harness


def _platform_error_from_refused_connection() -> PlatformError:
    try:
        try:
            raise ConnectionRefusedError(111, "Connect call failed")
        except ConnectionRefusedError as inner:
            raise PlatformError("homeserver unreachable") from inner
    except PlatformError as exc:
        return exc


def test_a_refused_connection_to_the_platform_is_not_a_database_outage() -> None:
    assert not database_unavailable(_platform_error_from_refused_connection())
    wrapped = sa_exc.OperationalError("SELECT 1", None, ConnectionError("connection terminated"))
    assert database_unavailable(wrapped)


async def test_a_tip_stored_before_the_platform_failed_is_handled_once(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    platform = h.app.services.platform
    original = platform.ephemeral

    async def down(*args: object, **kwargs: object) -> None:
        raise _platform_error_from_refused_connection()

    platform.ephemeral = down  # type: ignore[method-assign]
    event = CommandInvoked(
        user=UserRef("console", "nina"),
        channel=ChannelRef("console", "dm:nina", is_direct=True),
        name="tip",
        args="name=Someone observed=two women at a motel on the highway, white van",
    )
    result = await h.app.dispatch(event)
    platform.ephemeral = original  # type: ignore[method-assign]
    assert result is Dispatched.HANDLED  # not redelivered: the tip is stored
    with h.app.services.db.session() as s:
        assert s.execute(select(func.count()).select_from(Tip)).scalar_one() == 1
    await h.close()
