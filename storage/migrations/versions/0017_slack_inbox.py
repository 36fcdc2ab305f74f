"""inbox: inbound platform requests stored before they are acknowledged (Slack events, commands,
interactions), handled from the row under a claim token and lease, purged after a retention window

Revision ID: 0017_inbox
Revises: 0001_core
Create Date: 2026-12-06 23:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0017_inbox"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("first_failed_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox")),
        sa.UniqueConstraint("platform", "key", name="uq_inbox_platform_key"),
    )
    op.create_index("ix_inbox_due", "inbox", ["status", "next_attempt_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_inbox_due", table_name="inbox")
    op.drop_table("inbox")
