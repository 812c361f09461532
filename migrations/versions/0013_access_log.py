"""access trail (who saw, searched, changed or exported personal data; admin changes); who
filed each ticket

``tickets.filed_by_id`` is the staff member who filed a ticket (counter, phone, a staff API
session): the need-to-know rule lets them see its contact details again. Existing tickets take
it from their ``created`` event.

Revision ID: 0013_access_log
Revises: 0012_resident_access_codes
Create Date: 2026-11-27 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013_access_log'
down_revision = '0012_resident_access_codes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('query_kind', sa.String(length=8), nullable=True),
    sa.Column('query_digest', sa.String(length=64), nullable=True),
    sa.Column('page', sa.String(length=80), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('target', sa.String(length=200), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['staff_users.id'], name=op.f('fk_access_log_actor_id_staff_users')),
    sa.ForeignKeyConstraint(['person_id'], ['contacts.id'], name=op.f('fk_access_log_person_id_contacts')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_access_log_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_log'))
    )
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index('ix_access_log_actor_id_id', ['actor_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_log_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_access_log_person_id_id', ['person_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_log_query_digest'), ['query_digest'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_log_ticket_id'), ['ticket_id'], unique=False)

    # A plain ADD COLUMN (no table copy: the partial indexes of ``tickets`` stay as they are).
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE tickets ADD COLUMN filed_by_id INTEGER REFERENCES staff_users (id)")
    else:
        op.add_column('tickets', sa.Column('filed_by_id', sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f('fk_tickets_filed_by_id_staff_users'), 'tickets', 'staff_users',
            ['filed_by_id'], ['id'],
        )
    op.execute(
        "UPDATE tickets SET filed_by_id = (SELECT e.actor_id FROM ticket_events e "
        "WHERE e.ticket_id = tickets.id AND e.kind = 'created' AND e.actor_kind = 'staff') "
        "WHERE channel IN ('counter', 'phone', 'api')"
    )


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE tickets DROP COLUMN filed_by_id")
    else:
        op.drop_constraint(op.f('fk_tickets_filed_by_id_staff_users'), 'tickets', type_='foreignkey')
        op.drop_column('tickets', 'filed_by_id')
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_log_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_access_log_query_digest'))
        batch_op.drop_index('ix_access_log_person_id_id')
        batch_op.drop_index(batch_op.f('ix_access_log_created_at'))
        batch_op.drop_index('ix_access_log_actor_id_id')
    op.drop_table('access_log')
