"""photos of tickets (web form, counter, MMS): kept in the photo storage, staff-only until
published

Revision ID: 0020_photos
Revises: 0017_directory_initiatives
Create Date: 2026-11-30 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0020_photos'
down_revision = '0017_directory_initiatives'
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade():
    op.create_table(
        'photos',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.Column('source', sa.String(length=8), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('width', sa.Integer(), nullable=True),
        sa.Column('height', sa.Integer(), nullable=True),
        sa.Column('size_bytes', sa.Integer(), nullable=True),
        sa.Column('source_url', sa.Text(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id']),
        sa.ForeignKeyConstraint(['published_by_id'], ['staff_users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token'),
    )
    op.create_index('ix_photos_ticket_id', 'photos', ['ticket_id'])
    op.create_index(
        'ix_photos_pending_next_attempt',
        'photos',
        ['next_attempt_at'],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    # Places: "reported nearby" reads open tickets of one category in a box of coordinates.
    op.create_index('ix_tickets_category_lat_lon', 'tickets', ['category_id', 'lat', 'lon'])


def downgrade():
    op.drop_index('ix_tickets_category_lat_lon', table_name='tickets')
    op.drop_index('ix_photos_pending_next_attempt', table_name='photos')
    op.drop_index('ix_photos_ticket_id', table_name='photos')
    op.drop_table('photos')
