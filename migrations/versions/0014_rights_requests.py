"""rights requests (Ley 21.719): the "Protección de datos" unit and a category per right;
target extensions; consent per ticket with its instant, wording version and withdrawal

The unit and its six categories (sensitive: never in public feeds; 15 business days) are
created when missing, found by code, so running this on a desk that already has them (or a
part of them) changes nothing. Consent given before versions were kept takes its instant from
when the details were given, with no wording version.

Revision ID: 0014_rights_requests
Revises: 0013_access_log
Create Date: 2026-11-27 12:00:00

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0014_rights_requests"
down_revision = "0013_access_log"
branch_labels = None
depends_on = None

# Kept here (not imported) so the migration does not change when the application does.
DAY = 540  # business minutes of the default working day (08:30-17:30)
UNIT = (
    "PROTECCION_DATOS",
    "Protección de datos personales",
    "Solicitudes sobre sus datos personales (Ley 21.719): acceso, rectificación, supresión, "
    "oposición, portabilidad y bloqueo.",
)
RIGHTS = [
    (
        "datos_acceso",
        "Acceso a mis datos personales",
        "Saber qué datos personales suyos tiene la Municipalidad, para qué los usa y a quién "
        "los ha comunicado, y recibir una copia.",
        "acceso a mis datos,que datos tienen,mis datos personales",
    ),
    (
        "datos_rectificacion",
        "Rectificación de mis datos personales",
        "Corregir o completar datos personales suyos que estén equivocados, desactualizados o "
        "incompletos.",
        "rectificar mis datos,corregir mis datos,rectificacion",
    ),
    (
        "datos_supresion",
        "Supresión (eliminación) de mis datos personales",
        "Pedir que se eliminen sus datos personales cuando ya no se necesitan para atender "
        "sus solicitudes o se usaron sin base legal.",
        "eliminar mis datos,borrar mis datos,suprimir mis datos,cancelacion de datos",
    ),
    (
        "datos_oposicion",
        "Oposición al uso de mis datos personales",
        "Pedir que la Municipalidad deje de usar sus datos personales para un fin determinado.",
        "oposicion al uso de mis datos,oposicion al tratamiento",
    ),
    (
        "datos_portabilidad",
        "Portabilidad de mis datos personales",
        "Recibir sus datos personales en un archivo de formato común que pueda llevar a otra "
        "institución.",
        "portabilidad,copia de mis datos",
    ),
    (
        "datos_bloqueo",
        "Bloqueo de mis datos personales",
        "Pedir que sus datos se guarden sin usarse (por ejemplo, mientras se revisa una "
        "rectificación o una oposición).",
        "bloquear mis datos,bloqueo de datos",
    ),
]

departments = sa.table(
    "departments",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("description", sa.Text),
    sa.column("highlighted", sa.Boolean),
    sa.column("active", sa.Boolean),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
categories = sa.table(
    "categories",
    sa.column("code", sa.String),
    sa.column("department_id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("description", sa.Text),
    sa.column("keywords", sa.Text),
    sa.column("first_response_minutes", sa.Integer),
    sa.column("resolution_minutes", sa.Integer),
    sa.column("is_triage", sa.Boolean),
    sa.column("sensitive", sa.Boolean),
    sa.column("active", sa.Boolean),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
ticket_contacts = sa.table(
    "ticket_contacts",
    sa.column("consent_notify", sa.Boolean),
    sa.column("consent_at", sa.DateTime(timezone=True)),
    sa.column("given_at", sa.DateTime(timezone=True)),
)


def _sync_sequences(connection) -> None:
    """Postgres: rows inserted with explicit ids (a restore, a hand-made fixture) leave the id
    sequence behind; move it past the highest id, or the inserts below would collide."""
    if connection.dialect.name != "postgresql":
        return
    for table in ("departments", "categories"):
        connection.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - ours
                f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
            )
        )


def _ensure_catalog(connection) -> None:
    _sync_sequences(connection)
    now = datetime.now(UTC)
    code, name, description = UNIT
    unit_id = connection.scalar(sa.select(departments.c.id).where(departments.c.code == code))
    if unit_id is None:
        connection.execute(
            departments.insert().values(
                code=code,
                name=name,
                description=description,
                highlighted=False,
                active=True,
                created_at=now,
            )
        )
        unit_id = connection.scalar(sa.select(departments.c.id).where(departments.c.code == code))
    existing = set(connection.scalars(sa.select(categories.c.code)))
    rows = [
        {
            "code": right,
            "department_id": unit_id,
            "name": label,
            "description": text,
            "keywords": keywords,
            "first_response_minutes": 2 * DAY,
            "resolution_minutes": 15 * DAY,
            "is_triage": False,
            "sensitive": True,
            "active": True,
            "created_at": now,
        }
        for right, label, text, keywords in RIGHTS
        if right not in existing
    ]
    if rows:
        connection.execute(categories.insert(), rows)


def upgrade():
    # Plain ADD COLUMNs (no table copy on SQLite: the partial indexes of ``tickets`` stay).
    op.add_column(
        "tickets",
        sa.Column(
            "resolution_extension_minutes", sa.Integer(), nullable=False, server_default="0"
        ),
    )
    op.add_column(
        "tickets", sa.Column("resolution_extended_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "ticket_contacts", sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "ticket_contacts", sa.Column("consent_wording", sa.String(length=32), nullable=True)
    )
    op.add_column(
        "ticket_contacts",
        sa.Column("consent_withdrawn_at", sa.DateTime(timezone=True), nullable=True),
    )
    connection = op.get_bind()
    connection.execute(
        ticket_contacts.update()
        .where(ticket_contacts.c.consent_notify.is_(True))
        .values(consent_at=ticket_contacts.c.given_at)
    )
    _ensure_catalog(connection)


def downgrade():
    # The unit and its categories stay: tickets may name them. Plain DROP COLUMNs (no table
    # copy on SQLite, whose partial indexes a copy would lose).
    columns = [
        ("ticket_contacts", "consent_withdrawn_at"),
        ("ticket_contacts", "consent_wording"),
        ("ticket_contacts", "consent_at"),
        ("tickets", "resolution_extended_at"),
        ("tickets", "resolution_extension_minutes"),
    ]
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column in columns:
        if sqlite:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        else:
            op.drop_column(table, column)
