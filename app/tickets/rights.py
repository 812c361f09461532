"""Residents' data rights (Ley 21.719) are requests like any other: a ticket of a rights
category in the "Protección de datos" unit, with a target of 15 business days that its staff may
extend once by 15 more, with a public note saying why.

This module holds the catalogue (the migration that creates it keeps its own copy, so it never
changes when this file does) and the rules a rights request adds to filing. Extending the
target is ``app.tickets.extension``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Category, Department, Ticket, utcnow
from app.tickets import lifecycle
from app.tickets.errors import N_, ValidationFailed

UNIT_CODE = "PROTECCION_DATOS"
UNIT_NAME = "Protección de datos personales"
UNIT_DESCRIPTION = (
    "Solicitudes sobre sus datos personales (Ley 21.719): acceso, rectificación, supresión, "
    "oposición, portabilidad y bloqueo."
)
TARGET_DAYS = 15  # business days to answer
FIRST_RESPONSE_DAYS = 2
EXTENSION_DAYS = 15  # once, with a public note saying why


@dataclass(frozen=True)
class Right:
    code: str  # the category code (Open311 service_code, API category)
    slug: str  # the anchor on /privacidad
    name: str
    description: str
    keywords: str


RIGHTS = (
    Right(
        "datos_acceso",
        "acceso",
        "Acceso a mis datos personales",
        "Saber qué datos personales suyos tiene la Municipalidad, para qué los usa y a quién "
        "los ha comunicado, y recibir una copia.",
        "acceso a mis datos,que datos tienen,mis datos personales",
    ),
    Right(
        "datos_rectificacion",
        "rectificacion",
        "Rectificación de mis datos personales",
        "Corregir o completar datos personales suyos que estén equivocados, desactualizados o "
        "incompletos.",
        "rectificar mis datos,corregir mis datos,rectificacion",
    ),
    Right(
        "datos_supresion",
        "supresion",
        "Supresión (eliminación) de mis datos personales",
        "Pedir que se eliminen sus datos personales cuando ya no se necesitan para atender "
        "sus solicitudes o se usaron sin base legal.",
        "eliminar mis datos,borrar mis datos,suprimir mis datos,cancelacion de datos",
    ),
    Right(
        "datos_oposicion",
        "oposicion",
        "Oposición al uso de mis datos personales",
        "Pedir que la Municipalidad deje de usar sus datos personales para un fin determinado.",
        "oposicion al uso de mis datos,oposicion al tratamiento",
    ),
    Right(
        "datos_portabilidad",
        "portabilidad",
        "Portabilidad de mis datos personales",
        "Recibir sus datos personales en un archivo de formato común que pueda llevar a otra "
        "institución.",
        "portabilidad,copia de mis datos",
    ),
    Right(
        "datos_bloqueo",
        "bloqueo",
        "Bloqueo de mis datos personales",
        "Pedir que sus datos se guarden sin usarse (por ejemplo, mientras se revisa una "
        "rectificación o una oposición).",
        "bloquear mis datos,bloqueo de datos",
    ),
)
RIGHT_CODES = frozenset(right.code for right in RIGHTS)

NEEDS_A_WAY_TO_ANSWER = N_(
    "Para responder una solicitud sobre sus datos personales necesitamos su correo o su celular."
)
NEEDS_ATTESTED_RUT = N_(
    "Una solicitud sobre datos personales en el mesón requiere verificar la identidad: escriba "
    "el RUT y marque que vio la cédula de identidad."
)


def is_rights_category(category: Category) -> bool:
    return category.code in RIGHT_CODES


def is_rights_request(ticket: Ticket) -> bool:
    return is_rights_category(ticket.category)


def check_intake(
    category: Category,
    channel: str,
    *,
    mobile: str | None,
    email: str | None,
    rut_attested: bool,
) -> None:
    """What a rights request needs besides any request's fields: a way to send the answer
    (a mobile or an email) when the person files it themself; at the counter, the identity seen
    on the ID card. On the phone nobody sees the card: the unit checks identity before
    answering, as it does for the web."""
    if not is_rights_category(category):
        return
    if channel == "counter":
        if not rut_attested:
            raise ValidationFailed(NEEDS_ATTESTED_RUT, field="rut_attested")
        return
    if channel != "phone" and not (mobile or email):
        raise ValidationFailed(NEEDS_A_WAY_TO_ANSWER, field="email")


def ensure_catalog(session: Session, minutes_per_day: int) -> dict[str, Category]:
    """The unit and one category per right, sensitive (never in public feeds); found by code,
    created when missing (the demo and the tests use it; the migration does the same)."""
    unit = session.scalar(select(Department).where(Department.code == UNIT_CODE))
    if unit is None:
        unit = Department(code=UNIT_CODE, name=UNIT_NAME, description=UNIT_DESCRIPTION)
        session.add(unit)
        session.flush()
    found = {}
    for right in RIGHTS:
        category = session.scalar(select(Category).where(Category.code == right.code))
        if category is None:
            category = Category(
                code=right.code,
                department=unit,
                name=right.name,
                description=right.description,
                keywords=right.keywords,
                first_response_minutes=FIRST_RESPONSE_DAYS * minutes_per_day,
                resolution_minutes=TARGET_DAYS * minutes_per_day,
                sensitive=True,
            )
            session.add(category)
        found[right.code] = category
    session.flush()
    return found


def rights_categories(session: Session) -> dict[str, Category]:
    """The active rights categories by code (for /privacidad's links)."""
    return {
        category.code: category
        for category in session.scalars(
            select(Category).where(Category.code.in_(RIGHT_CODES), Category.active.is_(True))
        )
    }


# --- extending the target once (app/tickets/extension.py) ------------------------------------

NOT_A_RIGHTS_REQUEST = N_(
    "Solo las solicitudes sobre datos personales (Protección de datos) admiten prórroga."
)
ALREADY_EXTENDED = N_(
    "El plazo de esta solicitud ya se prorrogó una vez; la ley permite una sola prórroga."
)
NOT_OPEN = N_("Solo se prorroga el plazo de una solicitud que sigue abierta.")
TOO_LATE = N_("El plazo ya venció: la prórroga debe decidirse antes del vencimiento.")


def extension_refusal(ticket: Ticket, now: datetime | None = None) -> str | None:
    """Why the target cannot be extended now (a message for people), or None if it can."""
    if not is_rights_request(ticket):
        return NOT_A_RIGHTS_REQUEST
    if ticket.resolution_extended_at is not None:
        return ALREADY_EXTENDED
    if ticket.status not in lifecycle.OPEN_STATUSES:
        return NOT_OPEN
    running = ticket.sla_paused_at is None
    if running and (now or utcnow()) > ticket.resolution_due_at:
        return TOO_LATE
    return None
