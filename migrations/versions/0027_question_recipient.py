"""an index of the questions texted to each number (notifications.recipient where the template
is info_requested): an SMS finds the ticket it answers without reading every waiting ticket

Revision ID: 0027_question_recipient
Revises: 0026_open_ticket_hours
Create Date: 2026-11-26 14:35:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0027_question_recipient'
down_revision = '0026_open_ticket_hours'
branch_labels = None
depends_on = None

QUESTION = "template = 'info_requested'"


def upgrade():
    op.create_index(
        'ix_notifications_question_recipient',
        'notifications',
        ['recipient'],
        unique=False,
        postgresql_where=sa.text(QUESTION),
        sqlite_where=sa.text(QUESTION),
    )


def downgrade():
    op.drop_index('ix_notifications_question_recipient', table_name='notifications')
