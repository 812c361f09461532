"""per-ticket contact details; person records joined only by proof; person change log

Each ticket gets its own ``ticket_contacts`` row, copied from the contact it pointed to (its
current values: nothing is lost). A ticket texted in keeps the number the SMS came from (from
``inbound_sms``), marked verified. ``tickets.contact_id`` becomes ``person_id``; links that an
unproved channel made (web, API, Open311: a typed email or mobile) are removed, since nothing
proved them; the ticket keeps the details as copied. Links made by SMS and at the counter stay.
A person's mobile counts as verified when one of their tickets was texted in from it.

Revision ID: 0008_ticket_contacts
Revises: 0007_queue_indexes
Create Date: 2026-11-26 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008_ticket_contacts'
down_revision = '0007_queue_indexes'
branch_labels = None
depends_on = None

UNPROVED_CHANNELS = "('web', 'api', 'open311')"


def upgrade():
    op.create_table('ticket_contacts',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('rut', sa.String(length=12), nullable=True),
    sa.Column('mobile', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('consent_notify', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mobile_verified', sa.Boolean(), nullable=False),
    sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rut_attested_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['rut_attested_by_id'], ['staff_users.id'], name=op.f('fk_ticket_contacts_rut_attested_by_id_staff_users')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_contacts_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_ticket_contacts'))
    )
    with op.batch_alter_table('ticket_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_contacts_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_contacts_mobile'), ['mobile'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_contacts_rut'), ['rut'], unique=False)

    op.create_table('contact_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=24), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['staff_users.id'], name=op.f('fk_contact_changes_actor_id_staff_users')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_changes_contact_id_contacts')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_contact_changes_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_changes'))
    )
    with op.batch_alter_table('contact_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_changes_contact_id'), ['contact_id'], unique=False)

    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rut_verified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('mobile_verified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True))

    # Rename in place (SQLite >= 3.25 and Postgres alike): no table copy, the partial indexes
    # of ``tickets`` stay as they are.
    op.execute("ALTER TABLE tickets RENAME COLUMN contact_id TO person_id")
    op.drop_index('ix_tickets_contact_id', table_name='tickets')
    op.create_index('ix_tickets_person_id', 'tickets', ['person_id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "ALTER TABLE tickets RENAME CONSTRAINT fk_tickets_contact_id_contacts "
            "TO fk_tickets_person_id_contacts"
        )

    _copy_contacts()


def _copy_contacts():
    # Every ticket's current contact, as its own details (TRUE/FALSE: SQLite >= 3.23, Postgres).
    op.execute(
        "INSERT INTO ticket_contacts (ticket_id, name, rut, mobile, email, consent_notify, "
        "channel, given_at, mobile_verified) "
        "SELECT t.id, c.name, c.rut, c.mobile, c.email, c.consent_notify, t.channel, "
        "t.created_at, FALSE "
        "FROM tickets t JOIN contacts c ON c.id = t.person_id"
    )
    # A ticket texted in: the number it came from (Twilio proved it), whatever the contact
    # holds today.
    sender = (
        "SELECT s.sender FROM inbound_sms s JOIN tickets t ON t.id = s.ticket_id "
        "WHERE t.id = ticket_contacts.ticket_id AND t.channel = 'sms' "
        "AND s.message_sid = t.source_ref"
    )
    op.execute(
        f"UPDATE ticket_contacts SET mobile = ({sender}), "  # noqa: S608 - our own SQL
        "mobile_verified = TRUE "
        f"WHERE EXISTS ({sender})"
    )
    # A person's mobile is verified when one of their tickets was texted in from it.
    op.execute(
        "UPDATE contacts SET mobile_verified_at = ("
        "SELECT min(t.created_at) FROM tickets t "
        "JOIN ticket_contacts g ON g.ticket_id = t.id "
        "WHERE t.person_id = contacts.id AND g.mobile_verified AND g.mobile = contacts.mobile)"
    )
    # Links made from a typed email or mobile proved nothing: the ticket keeps its details.
    op.execute(f"UPDATE tickets SET person_id = NULL WHERE channel IN {UNPROVED_CHANNELS}")


def downgrade():
    # Back to one contact per ticket through ``contact_id``: the tickets unjoined above are
    # joined again to the person with the email, mobile or RUT they were given (if any).
    op.drop_index('ix_tickets_person_id', table_name='tickets')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "ALTER TABLE tickets RENAME CONSTRAINT fk_tickets_person_id_contacts "
            "TO fk_tickets_contact_id_contacts"
        )
    op.execute("ALTER TABLE tickets RENAME COLUMN person_id TO contact_id")
    op.create_index('ix_tickets_contact_id', 'tickets', ['contact_id'], unique=False)
    for identifier in ("rut", "mobile", "email"):
        op.execute(
            "UPDATE tickets SET contact_id = (SELECT c.id FROM contacts c "  # noqa: S608
            f"JOIN ticket_contacts g ON g.{identifier} = c.{identifier} "
            "WHERE g.ticket_id = tickets.id) "
            f"WHERE contact_id IS NULL AND EXISTS (SELECT 1 FROM contacts c "
            f"JOIN ticket_contacts g ON g.{identifier} = c.{identifier} "
            "WHERE g.ticket_id = tickets.id)"
        )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')
        batch_op.drop_column('mobile_verified_at')
        batch_op.drop_column('rut_verified_at')
    with op.batch_alter_table('contact_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_changes_contact_id'))
    op.drop_table('contact_changes')
    with op.batch_alter_table('ticket_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_contacts_rut'))
        batch_op.drop_index(batch_op.f('ix_ticket_contacts_mobile'))
        batch_op.drop_index(batch_op.f('ix_ticket_contacts_email'))
    op.drop_table('ticket_contacts')
