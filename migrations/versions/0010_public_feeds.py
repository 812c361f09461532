"""public feeds: ticket public ids, public summaries, sensitive categories, key scopes

Revision ID: 0010_public_feeds
Revises: 0009_staff_session_token
Create Date: 2026-11-27 10:00:00

Every existing ticket gets a random public id (unrelated to its tracking code). Open311
tickets are linked to the key that filed them (found by the key name the channel recorded).
The demo desk's sensitive categories are marked; other deployments mark theirs in the admin.
"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_public_feeds"
down_revision = "0009_staff_session_token"
branch_labels = None
depends_on = None

# Kept here (not imported) so the migration does not change when the application does.
PUBLIC_ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
PUBLIC_ID_LENGTH = 12
SENSITIVE_DEMO_CODES = ("asistencia_social", "discapacidad", "reclamo", "seguridad", "por_clasificar")
BATCH = 5000

tickets = sa.table(
    "tickets",
    sa.column("id", sa.Integer),
    sa.column("public_id", sa.String),
    sa.column("channel", sa.String),
    sa.column("channel_data", sa.JSON),
    sa.column("api_key_id", sa.Integer),
)
api_keys = sa.table("api_keys", sa.column("id", sa.Integer), sa.column("name", sa.String))
categories = sa.table(
    "categories", sa.column("code", sa.String), sa.column("sensitive", sa.Boolean)
)


def _public_id() -> str:
    return "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))


def _backfill_public_ids(connection) -> None:
    update = (
        tickets.update().where(tickets.c.id == sa.bindparam("ticket_id")).values(public_id=sa.bindparam("new_id"))
    )
    last = 0
    while True:
        ids = connection.scalars(
            sa.select(tickets.c.id).where(tickets.c.id > last).order_by(tickets.c.id).limit(BATCH)
        ).all()
        if not ids:
            return
        connection.execute(update, [{"ticket_id": i, "new_id": _public_id()} for i in ids])
        last = ids[-1]


def _backfill_open311_keys(connection) -> None:
    keys = dict(connection.execute(sa.select(api_keys.c.name, api_keys.c.id)).all())
    if not keys:
        return
    rows = connection.execute(
        sa.select(tickets.c.id, tickets.c.channel_data).where(tickets.c.channel == "open311")
    ).all()
    links = [
        {"ticket_id": ticket_id, "key_id": keys[data["api_key"]]}
        for ticket_id, data in rows
        if data and data.get("api_key") in keys
    ]
    if links:
        connection.execute(
            tickets.update()
            .where(tickets.c.id == sa.bindparam("ticket_id"))
            .values(api_key_id=sa.bindparam("key_id")),
            links,
        )


def upgrade():
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("staff_integration", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sensitive", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_id", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("api_key_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("public_summary", sa.Text(), nullable=True))

    connection = op.get_bind()
    _backfill_public_ids(connection)
    _backfill_open311_keys(connection)
    connection.execute(
        categories.update().where(categories.c.code.in_(SENSITIVE_DEMO_CODES)).values(sensitive=True)
    )

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.alter_column("public_id", existing_type=sa.String(length=16), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_tickets_public_id"), ["public_id"])
        batch_op.create_index(batch_op.f("ix_tickets_api_key_id"), ["api_key_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_tickets_api_key_id_api_keys"), "api_keys", ["api_key_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_tickets_api_key_id_api_keys"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_tickets_api_key_id"))
        batch_op.drop_constraint(batch_op.f("uq_tickets_public_id"), type_="unique")
        batch_op.drop_column("public_summary")
        batch_op.drop_column("api_key_id")
        batch_op.drop_column("public_id")
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_column("sensitive")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("staff_integration")
