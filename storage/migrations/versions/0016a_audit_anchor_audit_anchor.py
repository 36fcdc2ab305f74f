"""audit_anchor: a signed audit head, created by the migration; checkpoint bookkeeping

Revision ID: 0016a_audit_anchor
Revises: 0001_core
Create Date: 2026-12-06 21:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0016a_audit_anchor'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_head') as batch:
        batch.add_column(sa.Column('head_mac', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('checkpoint_at', sa.DateTime(), nullable=True))
    # The head row always exists from here on: a log that has never been written has a head saying
    # 0 rows, so a missing head (both tables emptied) is a wiped log, not a new database. Only when
    # the log is empty: a log with rows and no head was tampered with and must stay detectable.
    op.execute(
        "INSERT INTO audit_head (id, last_id, last_hash) "
        "SELECT 1, 0, '" + "0" * 64 + "' "
        "WHERE NOT EXISTS (SELECT 1 FROM audit_head) AND NOT EXISTS (SELECT 1 FROM audit_log)"
    )


def downgrade() -> None:
    with op.batch_alter_table('audit_head') as batch:
        batch.drop_column('checkpoint_at')
        batch.drop_column('head_mac')
