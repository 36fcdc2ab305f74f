"""Alembic environment: runs on the connection the app hands over, or on the URL in the config.

Every feature module's models are imported so autogenerate and the drift test see them all.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

import storage.all_models  # noqa: F401 - registers every table on Base.metadata
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def _render_item(type_, obj, autogen_context):  # type: ignore[no-untyped-def]
    """Render our TypeDecorators as their plain storage types so migrations never import app code."""
    from storage.crypto import EncryptedText
    from storage.models import UTCDateTime

    if type_ == "type" and isinstance(obj, EncryptedText):
        return "sa.Text()"
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section) or {}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with engine.begin() as conn:
        _run(conn)


run_migrations_online()
