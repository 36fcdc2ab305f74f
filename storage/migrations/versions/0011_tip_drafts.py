"""tips: one-line tip drafts awaiting their writer's confirmation (encrypted, expiring)

Revision ID: 0011_tip_drafts
Revises: 0002_tips
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_tip_drafts'
down_revision = '0002_tips'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tip_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('submitter_id', sa.Integer(), nullable=False),
    sa.Column('answers', sa.Text(), nullable=False),
    sa.Column('warned', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['submitter_id'], ['members.id'], name=op.f('fk_tip_drafts_submitter_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tip_drafts')),
    sa.UniqueConstraint('token', name=op.f('uq_tip_drafts_token'))
    )


def downgrade() -> None:
    op.drop_table('tip_drafts')
