"""practice mode (tickets.practice, staff_users.practice_mode); attention protocols per
category, versioned, with who read which version

Revision ID: 0024_practice_protocols
Revises: 0023_diagnoses
Create Date: 2026-11-26 10:10:00

"""

from alembic import op
import sqlalchemy as sa


revision = "0024_practice_protocols"
down_revision = "0023_diagnoses"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "tickets", sa.Column("practice", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column(
        "staff_users",
        sa.Column("practice_mode", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "category_protocols",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_category_protocols_category_id_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_users.id"],
            name=op.f("fk_category_protocols_created_by_id_staff_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category_protocols")),
        sa.UniqueConstraint(
            "category_id", "version", name=op.f("uq_category_protocols_category_id_version")
        ),
    )
    op.create_index(
        op.f("ix_category_protocols_category_id"),
        "category_protocols",
        ["category_id"],
        unique=False,
    )
    op.create_table(
        "protocol_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("protocol_id", sa.Integer(), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["protocol_id"],
            ["category_protocols.id"],
            name=op.f("fk_protocol_reads_protocol_id_category_protocols"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_users.id"],
            name=op.f("fk_protocol_reads_staff_user_id_staff_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protocol_reads")),
        sa.UniqueConstraint(
            "protocol_id", "staff_user_id", name=op.f("uq_protocol_reads_protocol_id_staff_user_id")
        ),
    )
    op.create_index(
        op.f("ix_protocol_reads_protocol_id"), "protocol_reads", ["protocol_id"], unique=False
    )
    op.create_index(
        op.f("ix_protocol_reads_staff_user_id"), "protocol_reads", ["staff_user_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_protocol_reads_staff_user_id"), table_name="protocol_reads")
    op.drop_index(op.f("ix_protocol_reads_protocol_id"), table_name="protocol_reads")
    op.drop_table("protocol_reads")
    op.drop_index(op.f("ix_category_protocols_category_id"), table_name="category_protocols")
    op.drop_table("category_protocols")
    op.drop_column("staff_users", "practice_mode")
    op.drop_column("tickets", "practice")
