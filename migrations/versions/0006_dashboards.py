"""dashboards: indexes for period aggregates (by creation per department, by resolution,
by first response)

Revision ID: 0006_dashboards
Revises: 0005_workers
Create Date: 2026-11-24 23:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0006_dashboards"
down_revision = "0005_workers"
branch_labels = None
depends_on = None


RESOLUTION = [
    "category_id",
    "channel",
    "resolution_business_minutes",
    "resolution_calendar_minutes",
    "id",
]


def upgrade():
    # Covering indexes: the period column first (or the department, then the period), then the
    # columns the figures group and measure by, so Postgres can answer from the index alone.
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tickets_department_created",
            ["department_id", "created_at", "category_id", "channel"],
            unique=False,
        )
        batch_op.create_index(
            "ix_tickets_resolved_at", ["resolved_at", "department_id", *RESOLUTION], unique=False
        )
        batch_op.create_index(
            "ix_tickets_department_resolved",
            ["department_id", "resolved_at", *RESOLUTION],
            unique=False,
        )
        batch_op.create_index(
            "ix_tickets_first_responded_at",
            [
                "first_responded_at",
                "department_id",
                "category_id",
                "channel",
                "first_response_business_minutes",
                "first_response_calendar_minutes",
            ],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_first_responded_at")
        batch_op.drop_index("ix_tickets_department_resolved")
        batch_op.drop_index("ix_tickets_resolved_at")
        batch_op.drop_index("ix_tickets_department_created")
