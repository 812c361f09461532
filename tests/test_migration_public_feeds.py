"""Migration 0010 on a database that already holds tickets (SQLite locally, Postgres in CI):
every ticket gets its own random public id, Open311 tickets are linked to the key that filed
them, the demo's sensitive categories are marked; and it goes down and up again."""

from __future__ import annotations

import json
import re

from sqlalchemy import text

BEFORE = "0009_staff_session_token"
NOW = "2026-11-24 13:00:00"


def _rows_before(conn) -> None:
    conn.execute(
        text(
            "INSERT INTO departments (id, code, name, description, highlighted, active, created_at)"
            " VALUES (1, 'DOP', 'Operaciones', '', false, true, :now)"
        ),
        {"now": NOW},
    )
    for category_id, code in ((1, "luminaria"), (2, "asistencia_social"), (3, "reclamo")):
        conn.execute(
            text(
                "INSERT INTO categories (id, code, department_id, name, description, keywords,"
                " first_response_minutes, resolution_minutes, is_triage, active, created_at)"
                " VALUES (:id, :code, 1, :code, '', '', 540, 2700, false, true, :now)"
            ),
            {"id": category_id, "code": code, "now": NOW},
        )
    conn.execute(
        text(
            "INSERT INTO api_keys (id, name, prefix, key_hash, created_at)"
            " VALUES (7, 'app-311', 'cnd_app311', :hash, :now)"
        ),
        {"hash": "0" * 64, "now": NOW},
    )
    tickets = [
        (1, "AAAAAAAA0", "web", None),
        (2, "BBBBBBBB0", "open311", {"api_key": "app-311", "device_id": "d"}),
        (3, "CCCCCCCC0", "open311", {"api_key": "deleted-key"}),
    ] + [(n, f"{n:08d}0", "sms", None) for n in range(4, 40)]
    for ticket_id, code, channel, channel_data in tickets:
        conn.execute(
            text(
                "INSERT INTO tickets (id, code, channel, category_id, department_id, status,"
                " description, channel_data, created_at, updated_at, first_response_due_at,"
                " resolution_due_at, paused_business_minutes, version)"
                " VALUES (:id, :code, :channel, 1, 1, 'new', 'texto', :data, :now, :now, :now,"
                " :now, 0, 1)"
            ),
            {
                "id": ticket_id,
                "code": code,
                "channel": channel,
                "data": json.dumps(channel_data) if channel_data else None,
                "now": NOW,
            },
        )


def test_existing_tickets_get_random_public_ids_and_keys(scratch_app):
    from flask_migrate import downgrade, upgrade

    from app.extensions import db

    with scratch_app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            _rows_before(conn)
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, code, public_id, api_key_id FROM tickets ORDER BY id")
            ).all()
            # (0014 adds the data-rights categories, sensitive too: not this migration's.)
            sensitive = set(
                conn.scalars(
                    text(
                        "SELECT code FROM categories WHERE sensitive = true"
                        " AND code NOT LIKE 'datos%'"
                    )
                )
            )
            scopes = set(conn.scalars(text("SELECT staff_integration FROM api_keys")))
        public_ids = [row.public_id for row in rows]
        assert len(rows) == 39
        assert all(re.fullmatch(r"[0-9a-hjkmnp-tv-z]{12}", p) for p in public_ids)
        assert len(set(public_ids)) == len(public_ids)
        assert all(row.public_id.upper() != row.code for row in rows)
        assert [row.api_key_id for row in rows[:3]] == [None, 7, None]
        assert sensitive == {"asistencia_social", "reclamo"}
        assert scopes == {False}

        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM tickets")) == 39
        upgrade()
        with db.engine.connect() as conn:
            again = conn.scalars(text("SELECT public_id FROM tickets ORDER BY id")).all()
        assert None not in again and again != public_ids  # drawn anew, at random
