"""one-time codes that prove a resident's channel

Revision ID: 0012_resident_access_codes
Revises: 0011_delivery_outcomes
Create Date: 2026-11-27 00:00:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0012_resident_access_codes"
down_revision = '0011_delivery_outcomes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "resident_access_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_resident_access_codes_ticket_id_tickets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_access_codes")),
    )
    op.create_index(
        "ix_resident_access_codes_ticket_created",
        "resident_access_codes",
        ["ticket_id", "created_at"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_resident_access_codes_ticket_created", table_name="resident_access_codes")
    op.drop_table("resident_access_codes")
