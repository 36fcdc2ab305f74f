"""core reliability: key check, outbox claim tokens and retry horizon, late scheduled items

Revision ID: 0007_core_reliability
Revises: 0001_core
Create Date: 2026-12-06 20:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_core_reliability'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('key_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sealed', sa.Text(), nullable=False),
    sa.Column('keyed_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_check'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('first_failed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('tell_on_failure', sa.String(length=255), nullable=True))
    with op.batch_alter_table('scheduled_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_due_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('scheduled_items', schema=None) as batch_op:
        batch_op.drop_column('first_due_at')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('tell_on_failure')
        batch_op.drop_column('first_failed_at')
        batch_op.drop_column('claim_token')
    op.drop_table('key_check')
