"""staff session token: every session cookie carries it; a new one ends all sessions

Revision ID: 0009_staff_session_token
Revises: 0008_ticket_contacts
Create Date: 2026-11-26 10:00:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_staff_session_token'
down_revision = '0008_ticket_contacts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=32), nullable=True))
    # Each existing person gets their own token (sessions issued before this keep no token:
    # they end, and people log in again once).
    staff = sa.table('staff_users', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(staff.c.id)).all():
        connection.execute(
            staff.update().where(staff.c.id == user_id).values(session_token=secrets.token_hex(16))
        )
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=32), nullable=False)


def downgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('session_token')
