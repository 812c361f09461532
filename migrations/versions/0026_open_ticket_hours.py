"""open tickets per unit, category and UTC hour (of filing; of the running due instant), kept
in the same flush as each change, backfilled from tickets: the dashboards' backlog, overdue
now and aging without reading every open ticket

Revision ID: 0026_open_ticket_hours
Revises: 0025_followers
Create Date: 2026-11-26 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0026_open_ticket_hours'
down_revision = '0025_followers'
branch_labels = None
depends_on = None

OPEN = "status IN ('new', 'in_progress', 'waiting_resident') AND NOT practice"


def upgrade():
    op.create_table(
        'open_ticket_hours',
        sa.Column('kind', sa.String(length=5), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
        sa.Column('tickets', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_open_ticket_hours_department_id_departments')),
        sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_open_ticket_hours_category_id_categories')),
        sa.PrimaryKeyConstraint('kind', 'department_id', 'category_id', 'hour', name=op.f('pk_open_ticket_hours')),
    )
    # The same rows as app/tickets/open_hours.py rebuild(): the hour as each dialect stores
    # the column (Postgres timestamptz; SQLite SQLAlchemy's text form of naive UTC).
    if op.get_bind().dialect.name == 'postgresql':
        def hour(column):
            return f"date_trunc('hour', {column}, 'UTC')"
    else:
        def hour(column):
            return f"strftime('%Y-%m-%d %H:00:00.000000', {column})"
    for kind, column, extra in (
        ('filed', 'created_at', ''),
        ('due', 'next_due_at', ' AND sla_paused_at IS NULL AND next_due_at IS NOT NULL'),
    ):
        op.execute(
            "INSERT INTO open_ticket_hours (kind, department_id, category_id, hour, tickets) "
            f"SELECT '{kind}', department_id, category_id, {hour(column)}, count(*) "
            f"FROM tickets WHERE {OPEN}{extra} "
            f"GROUP BY department_id, category_id, {hour(column)}"
        )


def downgrade():
    op.drop_table('open_ticket_hours')
