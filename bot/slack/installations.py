"""slack-sdk's SQLAlchemy installation store with every token encrypted at rest.

The stock store keeps bot and user tokens (and refresh tokens) in plain ``VARCHAR(200)`` columns: anyone
with a copy of the database — a backup, a replica — could act as the bot in every installed workspace.
Here those columns use the project's ``EncryptedText`` (AES-256-GCM with the key file's keys, the column
name as associated data), like tip text and operation details. Lookups never filter on a token, so
nothing else changes. Tokens are ``TEXT`` here because their ciphertext outgrows 200 characters.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

from storage.crypto import EncryptedText

TOKEN_COLUMNS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")


def _encrypt_tokens(table: Any) -> Any:
    for name in TOKEN_COLUMNS:
        if name in table.c:
            table.c[name].type = EncryptedText(f"slack.{table.name}.{name}")
    return table


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    @classmethod
    def build_installations_table(cls, metadata: Any, table_name: str) -> Any:
        return _encrypt_tokens(super().build_installations_table(metadata, table_name))

    @classmethod
    def build_bots_table(cls, metadata: Any, table_name: str) -> Any:
        return _encrypt_tokens(super().build_bots_table(metadata, table_name))
