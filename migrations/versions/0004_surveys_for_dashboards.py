"""satisfaction ratings (the Workers branch's table, so dashboards can be tested; the lead
replaces this file with the Workers migration when merging)

Revision ID: 0004_surveys_for_dashboards
Revises: 0002_open311
Create Date: 2026-11-24 23:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004_surveys_for_dashboards"
# The file 0003_open311.py declares revision "0002_open311".
down_revision = "0002_open311"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "satisfaction_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("ticket_channel", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "rating BETWEEN 1 AND 5", name=op.f("ck_satisfaction_ratings_rating_range")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_satisfaction_ratings_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_satisfaction_ratings")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_satisfaction_ratings_ticket_id")),
    )
    with op.batch_alter_table("satisfaction_ratings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_satisfaction_ratings_channel"), ["channel"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_satisfaction_ratings_ticket_channel"), ["ticket_channel"], unique=False
        )


def downgrade():
    with op.batch_alter_table("satisfaction_ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_satisfaction_ratings_ticket_channel"))
        batch_op.drop_index(batch_op.f("ix_satisfaction_ratings_channel"))
    op.drop_table("satisfaction_ratings")
