"""ticket counts per department and status (the queue's counters), backfilled from tickets

Revision ID: 0022_rollups
Revises: 0020_photos
Create Date: 2026-11-26 07:15:00

"""

from alembic import op
import sqlalchemy as sa


revision = "0022_rollups"
down_revision = "0020_photos"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ticket_counts",
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_ticket_counts_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("department_id", "status", name=op.f("pk_ticket_counts")),
    )
    op.execute(
        "INSERT INTO ticket_counts (department_id, status, tickets) "
        "SELECT department_id, status, count(*) FROM tickets GROUP BY department_id, status"
    )


def downgrade():
    op.drop_table("ticket_counts")
