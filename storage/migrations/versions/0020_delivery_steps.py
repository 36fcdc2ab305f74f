"""delivery_steps: the write steps an inbound delivery's handler finished and the answer it gave, so a
delivery handled again (a Slack inbox row taken over, a Matrix event re-handled after a crash) stores
nothing twice and answers as the first run did (storage/deliveries.py)

Revision ID: 0020_delivery_steps
Revises: 0001_core
Create Date: 2026-12-07 06:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0020_delivery_steps"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery", sa.String(length=255), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_steps")),
        sa.UniqueConstraint("delivery", "step", name="uq_delivery_steps_delivery_step"),
    )
    op.create_index("ix_delivery_steps_created_at", "delivery_steps", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_delivery_steps_created_at", table_name="delivery_steps")
    op.drop_table("delivery_steps")
