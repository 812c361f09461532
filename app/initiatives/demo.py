"""Demo texts for the directory and the Transparencia Focalizada pilot (called by app/demo.py):
each demo unit's functions, address and hours (institutional contacts only), and 2-4
initiatives for each of the three focused units, with milestones (some late) and updates."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.initiatives.service import (
    InitiativeDetails,
    add_milestone,
    add_update,
    save_initiative,
)
from app.models import Department, Initiative, StaffUser

CITY_HALL = "Av. Grecia 8735, Peñalolén"
HOURS = "Lunes a viernes, de 8:30 a 14:00"
HOURS_EN = "Monday to Friday, 8:30 am to 2:00 pm"

# code: (functions, functions in English, address, phone, email)
UNIT_TEXTS = {
    "DOP": (
        "Mantiene el alumbrado público, los pavimentos y las veredas de la comuna.\n\n"
        "Repara luminarias apagadas, tapa baches y programa la reparación de veredas.",
        "Maintains street lighting, pavements and sidewalks.",
        CITY_HALL,
        "+56 2 2486 8000",
        "operaciones@penalolen.cl",
    ),
    "DIMAO": (
        "Se encarga del retiro de basura domiciliaria, la limpieza de microbasurales, las "
        "plazas, las áreas verdes y el arbolado.\n\n"
        "También promueve la tenencia responsable de mascotas y el reciclaje.",
        "Household waste collection, illegal dumps, parks, green areas and trees; responsible "
        "pet ownership and recycling.",
        "Av. Las Parcelas 5950, Peñalolén",
        "+56 2 2486 8300",
        "medioambiente@penalolen.cl",
    ),
    "TRANSITO": (
        "Instala y repara la señalética, los semáforos y la demarcación de calles. Entrega "
        "licencias de conducir y permisos de circulación.",
        "Road signs, traffic lights and road markings; driving licences and vehicle permits.",
        CITY_HALL,
        "+56 2 2486 8100",
        "transito@penalolen.cl",
    ),
    "SEGURIDAD": (
        "Atiende ruidos molestos y situaciones de inseguridad en los barrios, con patrullaje "
        "preventivo y cámaras de televigilancia. En una emergencia llame al 133.",
        "Noise complaints and neighbourhood safety; preventive patrols and cameras. In an "
        "emergency call 133.",
        CITY_HALL,
        "1414",
        "seguridad@penalolen.cl",
    ),
    "DIDECO": (
        "Orienta y apoya a las familias: Registro Social de Hogares, subsidios, ayudas "
        "sociales y becas municipales de estudio.",
        "Supports families: social registry, subsidies, social aid and municipal study grants.",
        "Av. José Arrieta 8155, Peñalolén",
        "+56 2 2486 8200",
        "dideco@penalolen.cl",
    ),
    "DISCAPACIDAD": (
        "Apoya a las personas en situación de discapacidad y a sus cuidadores: ayudas "
        "técnicas, credencial de discapacidad y accesibilidad, con atención por macrosector.",
        "Supports people with disabilities and their carers.",
        "Av. José Arrieta 8155, Peñalolén",
        "+56 2 2486 8250",
        "discapacidad@penalolen.cl",
    ),
    "GOBIERNO_ABIERTO": (
        "Responde las solicitudes de acceso a la información pública (Ley 20.285), publica la "
        "transparencia activa y coordina el plan de Gobierno Abierto de la comuna.",
        "Answers freedom-of-information requests (Law 20,285) and leads the open government plan.",
        CITY_HALL,
        "+56 2 2486 8050",
        "transparencia@penalolen.cl",
    ),
    "OIRS": (
        "Recibe consultas, reclamos y sugerencias por cualquier canal y las deriva a la unidad "
        "que corresponde. Si no sabe a quién recurrir, empiece aquí.",
        "Receives questions, complaints and suggestions and routes them; start here.",
        CITY_HALL,
        "+56 2 2486 8000",
        "oirs@penalolen.cl",
    ),
}

# unit, title, summary, objective, responsible, start (days ago), length (days), status,
# reason, budget, milestones [(title, planned days from start, done days from start | None)],
# updates [(days ago, text, progress)]
INITIATIVES = [
    (
        "DIMAO",
        "Puntos limpios en cada macrosector",
        "Instalación de cinco puntos limpios para reciclar vidrio, papel, plásticos y latas.",
        "Que cada familia tenga un punto de reciclaje a menos de 15 minutos a pie.",
        "Departamento de Aseo y Ornato",
        200,
        330,
        "in_progress",
        "",
        180_000_000,
        [
            ("Diseño y ubicación de los puntos", 30, 28),
            ("Licitación adjudicada", 90, 110),
            ("Primeros dos puntos instalados", 160, None),
            ("Cinco puntos operando", 330, None),
        ],
        [
            (120, "Se adjudicó la licitación de construcción de los puntos limpios.", None),
            (20, "Avanzan las obras del primer punto limpio en el macrosector La Faena.", 45),
        ],
    ),
    (
        "DIMAO",
        "Plan de arbolado urbano",
        "Plantación de 2.000 árboles nativos en calles y plazas con menos sombra.",
        "Aumentar la sombra y las áreas verdes en los barrios con menos árboles.",
        "Sección de Arbolado",
        120,
        365,
        "in_progress",
        "",
        95_000_000,
        [
            ("Catastro de calles priorizadas", 40, 35),
            ("Plantación de otoño (800 árboles)", 100, None),
            ("Plantación de primavera (1.200 árboles)", 300, None),
        ],
        [
            (
                60,
                "Terminó el catastro: 42 calles priorizadas con la participación de las juntas de "
                "vecinos.",
                None,
            )
        ],
    ),
    (
        "DIMAO",
        "Campaña de tenencia responsable de mascotas",
        "Operativos gratuitos de esterilización y chip para perros y gatos.",
        "Esterilizar 3.000 mascotas en el año.",
        "Centro Veterinario Municipal",
        300,
        365,
        "in_progress",
        "",
        None,
        [
            ("Primer semestre: 1.500 mascotas", 180, 190),
            ("Segundo semestre: 1.500 mascotas", 365, None),
        ],
        [(100, "Se cumplió la meta del primer semestre con 1.540 mascotas atendidas.", 55)],
    ),
    (
        "DIDECO",
        "Becas municipales de educación superior",
        "Apoyo económico para estudiantes de la comuna que ingresan a la educación superior.",
        "Entregar 400 becas en el año académico.",
        "Departamento Social",
        150,
        240,
        "in_progress",
        "",
        240_000_000,
        [
            ("Postulación abierta", 20, 20),
            ("Evaluación de antecedentes", 60, 75),
            ("Publicación de resultados", 90, 100),
            ("Pago de la primera cuota", 120, None),
        ],
        [
            (110, "Cerró la postulación con 1.120 estudiantes postulantes.", None),
            (50, "Se publicaron los resultados: 400 becas asignadas.", 75),
        ],
    ),
    (
        "DIDECO",
        "Atención social en terreno",
        "Oficinas móviles que acercan los trámites sociales a las juntas de vecinos.",
        "Visitar las 5 macrozonas cada mes.",
        "Departamento Social",
        90,
        270,
        "suspended",
        "Suspendida mientras se repara el vehículo de la oficina móvil; "
        "se retoma en el próximo trimestre.",
        30_000_000,
        [("Ruta mensual definida", 15, 14), ("Primera ronda completa", 60, None)],
        [(30, "La oficina móvil dejó de circular por una falla mecánica.", None)],
    ),
    (
        "GOBIERNO_ABIERTO",
        "Transparencia Focalizada (plan piloto)",
        "Publicar los avances e iniciativas de tres unidades municipales de interés.",
        "Facilitar la información de la Municipalidad hacia la comunidad.",
        "Dirección de Control y Gobierno Abierto",
        100,
        300,
        "in_progress",
        "",
        None,
        [
            ("Elección de las tres unidades", 20, 18),
            ("Publicación en el sitio", 60, 58),
            ("Evaluación con la comunidad", 250, None),
        ],
        [(40, "Se publicaron las primeras iniciativas de las unidades del piloto.", 40)],
    ),
    (
        "GOBIERNO_ABIERTO",
        "Capacitación en atención a la comunidad",
        "Talleres para funcionarias y funcionarios sobre los nuevos canales y protocolos.",
        "Capacitar a 300 funcionarios en el año.",
        "Dirección de Control y Gobierno Abierto",
        240,
        300,
        "done",
        "",
        12_000_000,
        [("Diagnóstico interno", 40, 45), ("Talleres", 200, 230), ("Informe final", 280, 285)],
        [(15, "Terminó el programa: 312 funcionarios capacitados.", 100)],
    ),
]


def _local(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(11, 0), tzinfo=ZoneInfo(timezone))


def seed_directory(session: Session, departments: dict[str, Department]) -> None:
    """Fill in the directory texts a demo unit does not have yet."""
    for code, (functions, functions_en, address, phone, email) in UNIT_TEXTS.items():
        unit = departments.get(code)
        if unit is None or unit.functions:
            continue
        unit.functions, unit.functions_en = functions, functions_en
        unit.address, unit.phone, unit.email = address, phone, email
        unit.opening_hours, unit.opening_hours_en = HOURS, HOURS_EN


def seed_initiatives(
    session: Session,
    departments: dict[str, Department],
    admin: StaffUser,
    now: datetime,
    timezone: str = "America/Santiago",
) -> int:
    """The pilot's initiatives, written through the domain (so their history is real)."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    made = 0
    for (code, title, summary, objective, responsible, ago, length, status, reason, budget,
         milestones, updates) in INITIATIVES:  # fmt: skip
        unit = departments[code]
        if not unit.highlighted or session.scalar(
            select(Initiative.id).where(Initiative.title == title)
        ):
            continue
        start = today - timedelta(days=ago)
        created = _local(start, timezone)
        details = InitiativeDetails(
            title=title, summary=summary, objective=objective, responsible=responsible,
            start_date=start, planned_end_date=start + timedelta(days=length), status=status,
            status_reason=reason, budget_clp=budget,
        )  # fmt: skip
        initiative = save_initiative(session, admin, unit, None, details, now=created)
        for name, planned, done in milestones:
            add_milestone(
                session, admin, initiative, name, start + timedelta(days=planned),
                done_date=start + timedelta(days=done) if done is not None else None,
                now=created,
            )  # fmt: skip
        for days_ago, text, progress in updates:
            moment = _local(today - timedelta(days=days_ago), timezone)
            add_update(session, admin, initiative, text, progress=progress, now=min(moment, now))
        made += 1
    return made
