"""tips: the delivery a tip was submitted by (``submission_key``, unique), so a submission handled
again after a takeover finds its tip instead of storing a second one

Revision ID: 0019_tip_submission_key
Revises: 0011_tip_drafts
Create Date: 2026-12-07 03:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0019_tip_submission_key"
down_revision = "0011_tip_drafts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tips") as batch:
        batch.add_column(sa.Column("submission_key", sa.String(length=255), nullable=True))
    op.create_index("ix_tips_submission_key", "tips", ["submission_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_tips_submission_key", table_name="tips")
    with op.batch_alter_table("tips") as batch:
        batch.drop_column("submission_key")
