"""delivery outcomes: unknown outcomes, resends, the email's Message-ID key, failure kind

Revision ID: 0011_delivery_outcomes
Revises: 0010_public_feeds
Create Date: 2026-11-26 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_delivery_outcomes'
down_revision = '0010_public_feeds'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_kind', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('outcome_unknown', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('resends', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('message_key', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('message_key')
        batch_op.drop_column('resends')
        batch_op.drop_column('outcome_unknown')
        batch_op.drop_column('error_kind')
