"""diagnoses: attention survey answers and themes (external), staff questionnaires with anonymous answers and who answered (internal)

Revision ID: 0023_diagnoses
Revises: 0022_rollups
Create Date: 2026-11-26 10:00:13.824349

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0023_diagnoses'
down_revision = '0022_rollups'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_questionnaires',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_questionnaires'))
    )
    op.create_table('survey_themes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_themes')),
    sa.UniqueConstraint('name', name=op.f('uq_survey_themes_name'))
    )
    op.create_table('staff_answers',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_staff_answers_department_id_departments')),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['staff_questionnaires.id'], name=op.f('fk_staff_answers_questionnaire_id_staff_questionnaires')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_answers'))
    )
    with op.batch_alter_table('staff_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_answers_questionnaire_id'), ['questionnaire_id'], unique=False)

    op.create_table('staff_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['staff_questionnaires.id'], name=op.f('fk_staff_questions_questionnaire_id_staff_questionnaires')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_questions'))
    )
    with op.batch_alter_table('staff_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_questions_questionnaire_id'), ['questionnaire_id'], unique=False)

    op.create_table('staff_answer_items',
    sa.Column('answer_id', sa.String(length=32), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.SmallInteger(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.CheckConstraint('score IS NULL OR score BETWEEN 1 AND 5', name=op.f('ck_staff_answer_items_score_range')),
    sa.ForeignKeyConstraint(['answer_id'], ['staff_answers.id'], name=op.f('fk_staff_answer_items_answer_id_staff_answers')),
    sa.ForeignKeyConstraint(['question_id'], ['staff_questions.id'], name=op.f('fk_staff_answer_items_question_id_staff_questions')),
    sa.PrimaryKeyConstraint('answer_id', 'question_id', name=op.f('pk_staff_answer_items'))
    )
    op.create_table('staff_respondents',
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('staff_user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['staff_questionnaires.id'], name=op.f('fk_staff_respondents_questionnaire_id_staff_questionnaires')),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_users.id'], name=op.f('fk_staff_respondents_staff_user_id_staff_users')),
    sa.PrimaryKeyConstraint('questionnaire_id', 'staff_user_id', name=op.f('pk_staff_respondents'))
    )
    op.create_table('attention_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('via', sa.String(length=8), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('answered_on', sa.Date(), nullable=False),
    sa.Column('overall', sa.SmallInteger(), nullable=False),
    sa.Column('kindness', sa.SmallInteger(), nullable=True),
    sa.Column('clarity', sa.SmallInteger(), nullable=True),
    sa.Column('timeliness', sa.SmallInteger(), nullable=True),
    sa.Column('improve', sa.Text(), nullable=True),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('clarity IS NULL OR clarity BETWEEN 1 AND 5', name=op.f('ck_attention_answers_clarity_range')),
    sa.CheckConstraint('kindness IS NULL OR kindness BETWEEN 1 AND 5', name=op.f('ck_attention_answers_kindness_range')),
    sa.CheckConstraint('overall IS NULL OR overall BETWEEN 1 AND 5', name=op.f('ck_attention_answers_overall_range')),
    sa.CheckConstraint('timeliness IS NULL OR timeliness BETWEEN 1 AND 5', name=op.f('ck_attention_answers_timeliness_range')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_attention_answers_category_id_categories')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_attention_answers_department_id_departments')),
    sa.ForeignKeyConstraint(['theme_id'], ['survey_themes.id'], name=op.f('fk_attention_answers_theme_id_survey_themes')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_attention_answers_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attention_answers')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_attention_answers_ticket_id'))
    )
    with op.batch_alter_table('attention_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attention_answers_answered_on'), ['answered_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_attention_answers_channel'), ['channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_attention_answers_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attention_answers_theme_id'), ['theme_id'], unique=False)



def downgrade():
    with op.batch_alter_table('attention_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attention_answers_theme_id'))
        batch_op.drop_index(batch_op.f('ix_attention_answers_department_id'))
        batch_op.drop_index(batch_op.f('ix_attention_answers_channel'))
        batch_op.drop_index(batch_op.f('ix_attention_answers_answered_on'))

    op.drop_table('attention_answers')
    op.drop_table('staff_respondents')
    op.drop_table('staff_answer_items')
    with op.batch_alter_table('staff_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_questions_questionnaire_id'))

    op.drop_table('staff_questions')
    with op.batch_alter_table('staff_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_answers_questionnaire_id'))

    op.drop_table('staff_answers')
    op.drop_table('survey_themes')
    op.drop_table('staff_questionnaires')
