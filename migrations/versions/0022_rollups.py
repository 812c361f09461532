"""ticket counts per department and status (the queue's counters), backfilled from tickets;
daily rollups and duration histograms for the dashboards (filled by the periodic job on its first run)

Revision ID: 0022_rollups
Revises: 0020_photos
Create Date: 2026-11-26 07:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0022_rollups'
down_revision = '0020_photos'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ticket_counts',
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('tickets', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_ticket_counts_department_id_departments')),
        sa.PrimaryKeyConstraint('department_id', 'status', name=op.f('pk_ticket_counts')),
    )
    op.execute(
        "INSERT INTO ticket_counts (department_id, status, tickets) "
        "SELECT department_id, status, count(*) FROM tickets GROUP BY department_id, status"
    )
    counts = [
        sa.Column(name, sa.Integer(), nullable=False)
        for name in ('received', 'duplicates', 'resolved', 'resolved_within', 'resolved_breached')
    ] + [
        sa.Column(name, sa.BigInteger(), nullable=False)
        for name in ('resolution_business_sum', 'resolution_calendar_sum')
    ] + [
        sa.Column(name, sa.Integer(), nullable=False)
        for name in ('first_responded', 'first_within', 'first_breached')
    ] + [
        sa.Column(name, sa.BigInteger(), nullable=False)
        for name in ('first_business_sum', 'first_calendar_sum')
    ] + [
        sa.Column(name, sa.Integer(), nullable=False) for name in ('rated', 'rating_sum')
    ]
    op.create_table(
        'daily_rollups',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        *counts,
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_daily_rollups_department_id_departments')),
        sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_daily_rollups_category_id_categories')),
        sa.PrimaryKeyConstraint('day', 'department_id', 'category_id', 'channel', name=op.f('pk_daily_rollups')),
    )
    op.create_table(
        'daily_histograms',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('measure', sa.String(length=2), nullable=False),
        sa.Column('bucket', sa.SmallInteger(), nullable=False),
        sa.Column('tickets', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_daily_histograms_department_id_departments')),
        sa.PrimaryKeyConstraint('day', 'department_id', 'measure', 'bucket', name=op.f('pk_daily_histograms')),
    )
    op.create_table(
        'rollup_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint('day', 'kind', name=op.f('pk_rollup_days')),
    )


def downgrade():
    op.drop_table('rollup_days')
    op.drop_table('daily_histograms')
    op.drop_table('daily_rollups')
    op.drop_table('ticket_counts')
