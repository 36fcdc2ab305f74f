"""directory: agency types and identity change requests

Agency types get their current names (ngo -> victim_services, healthcare -> health,
coordination -> other), and a table holds identity changes awaiting a second admin.

Revision ID: 0010_directory
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_directory'
down_revision = '0001_core'
branch_labels = ('directory',)
depends_on = None

_RENAMED = {"ngo": "victim_services", "healthcare": "health", "coordination": "other"}


def upgrade() -> None:
    op.create_table('identity_change_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['members.id'], name=op.f('fk_identity_change_requests_decided_by_id_members')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_identity_change_requests_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['members.id'], name=op.f('fk_identity_change_requests_requested_by_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_change_requests'))
    )
    agencies = sa.table('agencies', sa.column('kind', sa.String))
    for old, new in _RENAMED.items():
        op.execute(agencies.update().where(agencies.c.kind == old).values(kind=new))


def downgrade() -> None:
    op.drop_table('identity_change_requests')
