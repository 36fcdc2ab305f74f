"""inbox: the platform side effects a request's handler already made (``effects``), so a re-run of the
row after a takeover repeats none of them (bot/slack/platform.py, ``_Effects``)

Revision ID: 0018_inbox_effects
Revises: 0017_inbox
Create Date: 2026-12-07 03:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0018_inbox_effects"
down_revision = "0017_inbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.add_column(sa.Column("effects", sa.String(length=2000), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.drop_column("effects")
