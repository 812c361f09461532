"""The migrated schema is exactly the models' schema (no drift), on SQLite and on Postgres."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.models.base import render_item


def test_migrations_match_the_models(app):
    from app.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_item": render_item}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_every_table_is_there(app):
    from app.extensions import db

    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert {
        "departments",
        "categories",
        "closed_days",
        "contacts",
        "staff_users",
        "tickets",
        "ticket_events",
        "notifications",
        "sms_suppressions",
        "api_keys",
        "alembic_version",
    } <= tables


def test_overdue_is_an_indexed_range_query(app):
    from app.extensions import db

    with app.app_context():
        indexed = {
            tuple(index["column_names"]) for index in inspect(db.engine).get_indexes("tickets")
        }
    assert ("first_response_due_at",) in indexed
    assert ("resolution_due_at",) in indexed
    assert ("department_id", "status") in indexed
