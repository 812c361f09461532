"""ticket followers: residents who follow a ticket someone else filed, told when it is
resolved

Revision ID: 0025_followers
Revises: 0024_practice_protocols
Create Date: 2026-11-26 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0025_followers'
down_revision = '0024_practice_protocols'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ticket_followers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('mobile', sa.String(length=20), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('consent_wording', sa.String(length=32), nullable=False),
        sa.Column('token', sa.String(length=48), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('unsubscribed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('redacted_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token'),
    )
    op.create_index('ix_ticket_followers_ticket_id', 'ticket_followers', ['ticket_id'])
    op.create_index('ix_ticket_followers_mobile', 'ticket_followers', ['mobile'])
    op.create_index('ix_ticket_followers_email', 'ticket_followers', ['email'])


def downgrade():
    op.drop_index('ix_ticket_followers_email', table_name='ticket_followers')
    op.drop_index('ix_ticket_followers_mobile', table_name='ticket_followers')
    op.drop_index('ix_ticket_followers_ticket_id', table_name='ticket_followers')
    op.drop_table('ticket_followers')
