"""The Slack adapter (slack-bolt, async). Entry point: ``create_slack_platform(settings)``.

``needtoknow run`` with ``platform = "slack"`` does, in effect::

    settings = SlackSettings.from_mapping(config.platform_table("slack"), os.environ)
    platform = create_slack_platform(settings, database_url=config.database_url)
    app = build_app(config, platform)
    await platform.run(app)
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bot.platform import CoreApp
from bot.slack.platform import SlackPlatform
from bot.slack.settings import DEFAULT_COMMAND_NAMES, SlackSettings

__all__ = [
    "DEFAULT_COMMAND_NAMES",
    "CoreApp",
    "SlackPlatform",
    "SlackSettings",
    "create_slack_platform",
]

log = logging.getLogger(__name__)


def create_slack_platform(
    settings: SlackSettings,
    *,
    database_url: str | None = None,
    database: Any = None,
) -> SlackPlatform:
    """Build the adapter. Both keyword arguments are optional: by default the inbox
    (``bot/slack/inbox.py``, the ``inbox`` table) and the OAuth installation store use the core's
    database, found when ``run(app)`` starts."""
    settings.check()
    installation_store = state_store = None
    url = database_url or getattr(database, "url", None)
    if settings.oauth and url:
        installation_store, state_store = oauth_stores(settings, url)
    # Without a URL here, OAuth stores are created in start(app) on the core's database.
    return SlackPlatform(
        settings, installation_store=installation_store, oauth_state_store=state_store, database=database
    )


def oauth_stores(settings: SlackSettings, database_url: str) -> tuple[Any, Any]:
    """slack-sdk's SQLAlchemy installation and state stores on the project's database, wrapped for
    asyncio (their sync API runs in a worker thread, so no async database driver is needed)."""
    import sqlalchemy
    from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    try:
        from storage.db import normalise_url

        database_url = normalise_url(database_url)
    except ImportError:  # pragma: no cover - storage is part of the same distribution
        pass
    engine = sqlalchemy.create_engine(database_url, hide_parameters=True)
    from bot.slack.installations import EncryptedInstallationStore

    # Tokens encrypted at rest (bot/slack/installations.py); the rest is slack-sdk's store as is.
    installations: SQLAlchemyInstallationStore = EncryptedInstallationStore(
        client_id=settings.client_id or "", engine=engine
    )
    states = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine)
    installations.create_tables()  # type: ignore[no-untyped-call]
    states.metadata.create_all(engine)

    class ThreadedInstallationStore(AsyncInstallationStore):
        @property
        def logger(self) -> logging.Logger:
            return log

        async def async_save(self, installation: Any) -> None:
            await asyncio.to_thread(installations.save, installation)

        async def async_save_bot(self, bot: Any) -> None:
            await asyncio.to_thread(installations.save_bot, bot)

        async def async_find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                                 is_enterprise_install: bool | None = False) -> Any:
            return await asyncio.to_thread(
                installations.find_bot, enterprise_id=enterprise_id, team_id=team_id,
                is_enterprise_install=is_enterprise_install,
            )

        async def async_find_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                          user_id: str | None = None,
                                          is_enterprise_install: bool | None = False) -> Any:
            return await asyncio.to_thread(
                installations.find_installation, enterprise_id=enterprise_id, team_id=team_id,
                user_id=user_id, is_enterprise_install=is_enterprise_install,
            )

        async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
            await asyncio.to_thread(installations.delete_bot, enterprise_id=enterprise_id, team_id=team_id)

        async def async_delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                            user_id: str | None = None) -> None:
            await asyncio.to_thread(
                installations.delete_installation, enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
            )

    class ThreadedStateStore(AsyncOAuthStateStore):
        @property
        def logger(self) -> logging.Logger:
            return log

        async def async_issue(self, *args: Any, **kwargs: Any) -> str:
            return await asyncio.to_thread(states.issue)

        async def async_consume(self, state: str) -> bool:
            return await asyncio.to_thread(states.consume, state)

    return ThreadedInstallationStore(), ThreadedStateStore()
