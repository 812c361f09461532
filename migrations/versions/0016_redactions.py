"""recorded redactions (anonymization) and the retention job's markers and indexes

``redactions`` records each anonymization (who, when, why, what); the append-only rows it
touched (ticket events, person changes) point at it through ``redaction_id``. ``anonymized_at``
(contacts, tickets) and ``redacted_at`` (inbound SMS, notifications) mark what is done, so the
retention job never reads it again: its partial indexes hold only rows still to look at.

Revision ID: 0016_redactions
Revises: 0015_person_blocks
Create Date: 2026-11-28 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016_redactions'
down_revision = '0015_person_blocks'
branch_labels = None
depends_on = None

RETENTION_CLOSED = (
    "anonymized_at IS NULL AND retention_held_until IS NULL AND closed_at IS NOT NULL"
)
RETENTION_HELD = "anonymized_at IS NULL AND retention_held_until IS NOT NULL"
NOT_REDACTED = "redacted_at IS NULL"
STAMP = sa.DateTime(timezone=True)


def _add(table, column, type_sql, sa_type, references=None):
    """A plain ADD COLUMN (no table copy on SQLite: the partial indexes stay as they are)."""
    if op.get_bind().dialect.name == 'sqlite':
        extra = f" REFERENCES {references} (id)" if references else ""
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} {type_sql}{extra}")
        return
    op.add_column(table, sa.Column(column, sa_type, nullable=True))
    if references:
        op.create_foreign_key(
            op.f(f'fk_{table}_{column}_{references}'), table, references, [column], ['id']
        )


def upgrade():
    op.create_table('redactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', STAMP, nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['staff_users.id'], name=op.f('fk_redactions_actor_id_staff_users')),
    sa.ForeignKeyConstraint(['person_id'], ['contacts.id'], name=op.f('fk_redactions_person_id_contacts')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_redactions_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_redactions'))
    )
    op.create_index(op.f('ix_redactions_person_id'), 'redactions', ['person_id'], unique=False)

    _add('ticket_events', 'redaction_id', 'INTEGER', sa.Integer(), 'redactions')
    _add('contact_changes', 'redaction_id', 'INTEGER', sa.Integer(), 'redactions')
    _add('contacts', 'anonymized_at', 'DATETIME', STAMP)
    _add('tickets', 'anonymized_at', 'DATETIME', STAMP)
    _add('tickets', 'retention_held_until', 'DATETIME', STAMP)
    _add('inbound_sms', 'redacted_at', 'DATETIME', STAMP)
    _add('notifications', 'redacted_at', 'DATETIME', STAMP)

    op.create_index(
        'ix_tickets_retention_closed', 'tickets', ['closed_at'], unique=False,
        postgresql_where=sa.text(RETENTION_CLOSED), sqlite_where=sa.text(RETENTION_CLOSED),
    )
    op.create_index(
        'ix_tickets_retention_held', 'tickets', ['retention_held_until'], unique=False,
        postgresql_where=sa.text(RETENTION_HELD), sqlite_where=sa.text(RETENTION_HELD),
    )
    op.create_index(
        'ix_inbound_sms_retention', 'inbound_sms', ['created_at'], unique=False,
        postgresql_where=sa.text(NOT_REDACTED), sqlite_where=sa.text(NOT_REDACTED),
    )
    op.create_index(
        'ix_notifications_retention', 'notifications', ['created_at'], unique=False,
        postgresql_where=sa.text(NOT_REDACTED), sqlite_where=sa.text(NOT_REDACTED),
    )


def downgrade():
    op.drop_index('ix_notifications_retention', table_name='notifications')
    op.drop_index('ix_inbound_sms_retention', table_name='inbound_sms')
    op.drop_index('ix_tickets_retention_held', table_name='tickets')
    op.drop_index('ix_tickets_retention_closed', table_name='tickets')
    for table, column in (
        ('notifications', 'redacted_at'),
        ('inbound_sms', 'redacted_at'),
        ('tickets', 'retention_held_until'),
        ('tickets', 'anonymized_at'),
        ('contacts', 'anonymized_at'),
    ):
        op.drop_column(table, column)
    for table in ('contact_changes', 'ticket_events'):
        if op.get_bind().dialect.name != 'sqlite':
            op.drop_constraint(f'fk_{table}_redaction_id_redactions', table, type_='foreignkey')
        op.drop_column(table, 'redaction_id')
    op.drop_index(op.f('ix_redactions_person_id'), table_name='redactions')
    op.drop_table('redactions')
