"""a person may be blocked (Ley 21.719): kept, not processed; when, who and why

Revision ID: 0015_person_blocks
Revises: 0014_rights_requests
Create Date: 2026-11-28 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015_person_blocks'
down_revision = '0014_rights_requests'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs (SQLite: no table copy).
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE contacts ADD COLUMN blocked_at DATETIME")
        op.execute(
            "ALTER TABLE contacts ADD COLUMN blocked_by_id INTEGER REFERENCES staff_users (id)"
        )
        op.execute("ALTER TABLE contacts ADD COLUMN blocked_reason VARCHAR(300)")
        return
    op.add_column('contacts', sa.Column('blocked_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('contacts', sa.Column('blocked_by_id', sa.Integer(), nullable=True))
    op.add_column('contacts', sa.Column('blocked_reason', sa.String(length=300), nullable=True))
    op.create_foreign_key(
        op.f('fk_contacts_blocked_by_id_staff_users'), 'contacts', 'staff_users',
        ['blocked_by_id'], ['id'],
    )


def downgrade():
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(
            op.f('fk_contacts_blocked_by_id_staff_users'), 'contacts', type_='foreignkey'
        )
    for column in ('blocked_reason', 'blocked_by_id', 'blocked_at'):
        if op.get_bind().dialect.name == 'sqlite':
            op.execute(f"ALTER TABLE contacts DROP COLUMN {column}")
        else:
            op.drop_column('contacts', column)
