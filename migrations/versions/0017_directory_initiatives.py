"""the unit directory's texts and contact details; Transparencia Focalizada initiatives,
milestones, progress updates and their change history

Revision ID: 0017_directory_initiatives
Revises: 0016_redactions
Create Date: 2026-11-29 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017_directory_initiatives'
down_revision = '0016_redactions'
branch_labels = None
depends_on = None

DEPARTMENT_COLUMNS = (
    ('description_en', sa.Text()),
    ('functions', sa.Text()),
    ('functions_en', sa.Text()),
    ('address', sa.String(length=300)),
    ('opening_hours', sa.String(length=300)),
    ('opening_hours_en', sa.String(length=300)),
    ('phone', sa.String(length=40)),
    ('email', sa.String(length=254)),
)


def upgrade():
    # Plain ADD COLUMNs with a default (SQLite: no table copy).
    for name, type_ in DEPARTMENT_COLUMNS:
        op.add_column(
            'departments',
            sa.Column(name, type_, nullable=False, server_default=''),
        )
    op.create_table(
        'initiatives',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('title_en', sa.String(length=200), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('summary_en', sa.Text(), nullable=False),
        sa.Column('objective', sa.Text(), nullable=False),
        sa.Column('objective_en', sa.Text(), nullable=False),
        sa.Column('responsible', sa.String(length=200), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('planned_end_date', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('status_reason', sa.Text(), nullable=False),
        sa.Column('status_reason_en', sa.Text(), nullable=False),
        sa.Column('budget_clp', sa.BigInteger(), nullable=True),
        sa.Column('progress_mode', sa.String(length=16), nullable=False),
        sa.Column('progress_manual', sa.Integer(), nullable=True),
        sa.Column('progress_justification', sa.Text(), nullable=False),
        sa.Column('progress_justification_en', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['department_id'], ['departments.id'],
            name=op.f('fk_initiatives_department_id_departments'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_initiatives')),
    )
    op.create_index(
        op.f('ix_initiatives_department_id'), 'initiatives', ['department_id'], unique=False
    )
    op.create_table(
        'initiative_milestones',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('initiative_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('title_en', sa.String(length=200), nullable=False),
        sa.Column('planned_date', sa.Date(), nullable=False),
        sa.Column('done_date', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ['initiative_id'], ['initiatives.id'],
            name=op.f('fk_initiative_milestones_initiative_id_initiatives'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_initiative_milestones')),
    )
    op.create_index(
        op.f('ix_initiative_milestones_initiative_id'),
        'initiative_milestones', ['initiative_id'], unique=False,
    )
    op.create_table(
        'initiative_updates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('initiative_id', sa.Integer(), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('body_en', sa.Text(), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=True),
        sa.Column('link', sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ['initiative_id'], ['initiatives.id'],
            name=op.f('fk_initiative_updates_initiative_id_initiatives'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_initiative_updates')),
    )
    op.create_index(
        op.f('ix_initiative_updates_initiative_id'),
        'initiative_updates', ['initiative_id'], unique=False,
    )
    op.create_index(
        op.f('ix_initiative_updates_published_at'),
        'initiative_updates', ['published_at'], unique=False,
    )
    op.create_table(
        'initiative_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('initiative_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('target', sa.String(length=200), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ['actor_id'], ['staff_users.id'],
            name=op.f('fk_initiative_changes_actor_id_staff_users'),
        ),
        sa.ForeignKeyConstraint(
            ['initiative_id'], ['initiatives.id'],
            name=op.f('fk_initiative_changes_initiative_id_initiatives'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_initiative_changes')),
    )
    op.create_index(
        op.f('ix_initiative_changes_initiative_id'),
        'initiative_changes', ['initiative_id'], unique=False,
    )


def downgrade():
    op.drop_table('initiative_changes')
    op.drop_table('initiative_updates')
    op.drop_table('initiative_milestones')
    op.drop_table('initiatives')
    with op.batch_alter_table('departments') as batch:
        for name, _type in reversed(DEPARTMENT_COLUMNS):
            batch.drop_column(name)
