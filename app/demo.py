"""Demo data with the real shape of Peñalolén's service desk (``flask --app app seed-demo``).

Idempotent: departments, categories and users are found by code/email; demo tickets carry
``source_ref = demo-N`` and are skipped when present. Histories go through the domain functions,
so they obey the same lifecycle, permissions and SLA rules as real tickets.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from app import protocols
from app.diagnoses.demo import seed_attention, seed_staff_questionnaire
from app.initiatives.demo import seed_directory, seed_initiatives
from app.models import Category, Department, Notification, ResponseTemplate, StaffUser, Ticket
from app.tickets import (
    RESIDENT,
    SYSTEM,
    Actor,
    TicketIntake,
    add_comment,
    alerts,
    assign,
    mark_duplicate,
    open_ticket,
    resident_reply,
    rights,
    transition,
)
from app.tickets.lifecycle import RESOLVED
from app.tickets.proof import VIA_LINK, ResidentProof

DEMO_PASSWORD = "conectados-demo"  # noqa: S105 - printed on purpose: demo logins only
DAY = 540  # business minutes in a default working day (08:30-17:30)
HOUR = 60

DEPARTMENTS = [
    ("DOP", "Dirección de Operaciones", "Alumbrado público, pavimentos y veredas.", False),
    (
        "DIMAO",
        "Dirección de Medio Ambiente, Aseo y Ornato",
        "Recolección de residuos, áreas verdes y arbolado.",
        True,
    ),
    ("TRANSITO", "Dirección de Tránsito", "Señalética, semáforos y demarcación vial.", False),
    ("SEGURIDAD", "Dirección de Seguridad Humana", "Ruidos molestos y seguridad vecinal.", False),
    ("DIDECO", "Dirección de Desarrollo Comunitario (DIDECO)", "Asistencia social.", True),
    (
        "DISCAPACIDAD",
        "Unidad de Discapacidad",
        "Apoyo a personas en situación de discapacidad y a sus familias.",
        False,
    ),
    (
        "GOBIERNO_ABIERTO",
        "Dirección de Control y Gobierno Abierto",
        "Solicitudes de acceso a la información pública (Ley 20.285).",
        True,
    ),
    (
        "OIRS",
        "Oficina de Informaciones, Reclamos y Sugerencias (OIRS)",
        "Consultas generales, reclamos y sugerencias.",
        False,
    ),
]

# code, department, name, plain description, keywords, first response, resolution, triage
CATEGORIES = [
    (
        "luminaria",
        "DOP",
        "Luminaria apagada o dañada",
        "Un poste de alumbrado público que no enciende, parpadea o está dañado.",
        "luminaria,poste,luz,alumbrado,foco,ampolleta,oscuro",
        DAY,
        5 * DAY,
        False,
    ),
    (
        "bache",
        "DOP",
        "Baches y pavimento",
        "Hoyos en la calzada, pavimento hundido o veredas quebradas.",
        "bache,hoyo,pavimento,calle,vereda,asfalto",
        2 * DAY,
        15 * DAY,
        False,
    ),
    (
        "basura",
        "DIMAO",
        "Retiro de basura domiciliaria",
        "El camión recolector no pasó o dejó basura en la calle.",
        "basura,camion,recoleccion,residuos,bolsas",
        4 * HOUR,
        2 * DAY,
        False,
    ),
    (
        "microbasural",
        "DIMAO",
        "Microbasural o escombros",
        "Acumulación de basura, escombros o voluminosos en un sitio o pasaje.",
        "microbasural,escombros,colchon,voluminoso,sitio eriazo",
        DAY,
        5 * DAY,
        False,
    ),
    (
        "arbolado",
        "DIMAO",
        "Poda y árboles",
        "Poda, ramas peligrosas o árboles caídos en el espacio público.",
        "arbol,rama,poda,tronco,raiz",
        2 * DAY,
        20 * DAY,
        False,
    ),
    (
        "areas_verdes",
        "DIMAO",
        "Plazas y áreas verdes",
        "Mantención de plazas, pasto, riego y juegos infantiles.",
        "plaza,pasto,riego,juegos,area verde,parque",
        2 * DAY,
        10 * DAY,
        False,
    ),
    (
        "senaletica",
        "TRANSITO",
        "Señalética dañada",
        "Señales de tránsito caídas, rayadas o que faltan; demarcación borrada.",
        "señal,senal,pare,letrero,demarcacion,lomo de toro",
        DAY,
        10 * DAY,
        False,
    ),
    (
        "semaforo",
        "TRANSITO",
        "Semáforo con falla",
        "Un semáforo apagado, intermitente o con la luz quemada.",
        "semaforo,intermitente,cruce",
        2 * HOUR,
        DAY,
        False,
    ),
    (
        "ruidos",
        "SEGURIDAD",
        "Ruidos molestos",
        "Fiestas, música fuerte, alarmas o ruidos de obras fuera de horario.",
        "ruido,musica,fiesta,alarma,bulla",
        4 * HOUR,
        3 * DAY,
        False,
    ),
    (
        "seguridad",
        "SEGURIDAD",
        "Seguridad vecinal",
        "Situaciones de inseguridad en su barrio; para emergencias llame al 133.",
        "seguridad,robo,sospechoso,patrullaje,camara",
        4 * HOUR,
        5 * DAY,
        False,
    ),
    (
        "asistencia_social",
        "DIDECO",
        "Asistencia social",
        "Orientación y apoyo social: beneficios, Registro Social de Hogares, ayudas.",
        "ayuda,beneficio,registro social,subsidio,asistente social",
        2 * DAY,
        10 * DAY,
        False,
    ),
    (
        "discapacidad",
        "DISCAPACIDAD",
        "Apoyo a personas con discapacidad",
        "Ayudas técnicas, credencial de discapacidad, accesibilidad y cuidadores.",
        "discapacidad,silla de ruedas,credencial,cuidador,accesibilidad,rampa",
        DAY,
        10 * DAY,
        False,
    ),
    (
        "transparencia",
        "GOBIERNO_ABIERTO",
        "Acceso a la información (Ley 20.285)",
        "Solicite información pública de la Municipalidad; plazo legal de 20 días hábiles.",
        "transparencia,informacion publica,ley 20.285,documento",
        2 * DAY,
        20 * DAY,
        False,
    ),
    (
        "consulta",
        "OIRS",
        "Consulta general",
        "Preguntas sobre trámites, horarios y servicios municipales.",
        "consulta,pregunta,horario,tramite,informacion",
        DAY,
        5 * DAY,
        False,
    ),
    (
        "reclamo",
        "OIRS",
        "Reclamo o sugerencia",
        "Un reclamo sobre la atención recibida o una sugerencia para mejorar.",
        "reclamo,sugerencia,felicitacion,atencion",
        DAY,
        10 * DAY,
        False,
    ),
    (
        "mascotas",
        "DIMAO",
        "Mascotas y perros abandonados",
        "Perros o gatos abandonados, sueltos o heridos; esterilización y chip.",
        "perro,gato,mascota,animal,quiltro,esterilizacion,chip,veterinario",
        2 * DAY,
        10 * DAY,
        False,
    ),
    (
        "becas",
        "DIDECO",
        "Becas municipales",
        "Becas de estudio para estudiantes de la comuna: postulación y pagos.",
        "beca,estudio,estudiante,universidad,colegio,escolar",
        2 * DAY,
        15 * DAY,
        False,
    ),
    (
        "por_clasificar",
        "OIRS",
        "Por clasificar",
        "Solicitudes que aún no tienen categoría; la OIRS las deriva.",
        "",
        DAY,
        10 * DAY,
        True,
    ),
]

# Their tickets never appear in public feeds: social assistance, disability, complaints about
# people and about neighbours' safety, and what nobody has classified yet (it may be any of them).
SENSITIVE = {"becas", "asistencia_social", "discapacidad", "reclamo", "seguridad", "por_clasificar"}

# category (None = any), kind, title, body
TEMPLATES = [
    (
        "luminaria",
        "resolve",
        "Luminaria reparada",
        "La cuadrilla de alumbrado reparó la luminaria. Gracias por avisarnos.",
    ),
    (
        "luminaria",
        "ask",
        "Pedir número del poste",
        "Para ubicar la luminaria, ¿nos indica el número pintado en el poste o una "
        "dirección cercana?",
    ),
    ("bache", "resolve", "Bache reparado", "Reparamos el pavimento en el lugar indicado."),
    ("basura", "resolve", "Retiro realizado", "El camión pasó a retirar los residuos."),
    (
        None,
        "reply",
        "En programación",
        "Su solicitud está en la programación de trabajos de esta semana.",
    ),
    (
        None,
        "reject",
        "No es competencia municipal",
        "Esta materia no es competencia municipal. Derivamos su solicitud al organismo "
        "responsable.",
    ),
]

ROLE_LOGINS = [
    ("meson@demo.penalolen.cl", "Camila Rojas (mesón OIRS)", "counter", "OIRS"),
    ("agente@demo.penalolen.cl", "Jorge Muñoz (agente, Operaciones)", "agent", "DOP"),
    ("jefatura@demo.penalolen.cl", "Patricia Soto (jefa, Operaciones)", "head", "DOP"),
    ("admin@demo.penalolen.cl", "Administración Conectados", "admin", None),
]

STREETS = [
    "Av. Grecia",
    "Av. José Arrieta",
    "Av. Tobalaba",
    "Av. Departamental",
    "Av. Consistorial",
    "Av. Quilín",
    "Los Presidentes",
    "Av. Las Parcelas",
    "Av. Larraín",
    "Diagonal Las Torres",
    "Av. Sánchez Fontecilla",
    "Antupirén",
    "Av. Egaña",
    "Valle Hermoso",
    "Lo Hermida",
]
DESCRIPTIONS = {
    "luminaria": [
        "El poste frente al {n} está apagado hace una semana.",
        "La luminaria parpadea toda la noche y la esquina queda oscura.",
    ],
    "bache": [
        "Hay un hoyo grande en la calzada, los autos lo esquivan por la pista contraria.",
        "La vereda está levantada por raíces y una vecina mayor se cayó.",
    ],
    "basura": [
        "El camión no pasó el martes y las bolsas siguen en la calle.",
        "Quedó basura botada después del retiro.",
    ],
    "microbasural": [
        "Están botando escombros y colchones en el sitio eriazo.",
        "Se formó un microbasural en la esquina del pasaje.",
    ],
    "arbolado": [
        "Una rama grande está a punto de caer sobre los cables.",
        "Solicito poda del árbol que tapa la luminaria.",
    ],
    "areas_verdes": [
        "Los juegos de la plaza están rotos y es peligroso para los niños.",
        "El pasto de la plaza no se riega hace semanas.",
    ],
    "senaletica": [
        "Se cayó el disco PARE de la esquina.",
        "La demarcación del paso de cebra está borrada.",
    ],
    "semaforo": [
        "El semáforo quedó en intermitente desde la mañana.",
        "La luz roja del semáforo peatonal está quemada.",
    ],
    "ruidos": [
        "Música muy fuerte todas las noches hasta las 4 de la mañana.",
        "Una alarma suena hace horas en una casa vacía.",
    ],
    "seguridad": [
        "Piden más patrullaje en la plaza por las noches.",
        "Hay personas consumiendo alcohol en el pasaje y los vecinos tienen miedo.",
    ],
    "asistencia_social": [
        "Necesito orientación para actualizar el Registro Social de Hogares.",
        "Mi familia quedó sin trabajo y quisiera saber qué ayudas existen.",
    ],
    "discapacidad": [
        "Necesito información para obtener una silla de ruedas para mi madre.",
        "La rampa de acceso del consultorio está bloqueada.",
    ],
    "transparencia": [
        "Solicito copia del contrato de recolección de residuos vigente.",
        "Solicito el presupuesto ejecutado en áreas verdes durante el último año.",
    ],
    "mascotas": [
        "Hay un perro abandonado y herido en la plaza, lleva varios días ahí.",
        "Quisiera inscribir a mi gata en el próximo operativo de esterilización.",
    ],
    "becas": [
        "Postulé a la beca municipal y quiero saber cuándo se publican los resultados.",
        "¿Cuándo se paga la segunda cuota de la beca de educación superior?",
    ],
    "consulta": [
        "¿Cuál es el horario de atención de la Dirección de Tránsito?",
        "¿Qué documentos necesito para la patente de mi almacén?",
    ],
    "reclamo": [
        "Me atendieron mal en el mesón y no me dieron respuesta.",
        "Sugiero instalar más bancas en la plaza.",
    ],
    "por_clasificar": ["Quisiera hablar con alguien por un problema en mi pasaje."],
}
NAMES = [
    "María González",
    "Juan Pérez",
    "Rosa Contreras",
    "Luis Sepúlveda",
    "Carmen Díaz",
    "Pedro Morales",
    "Ana Fuentes",
    "José Araya",
    "Claudia Reyes",
    "Héctor Vargas",
]
CHANNEL_WEIGHTS = [("web", 45), ("sms", 25), ("counter", 20), ("phone", 7), ("api", 3)]


@dataclass
class DemoSummary:
    departments: int = 0
    categories: int = 0
    users: int = 0
    tickets: int = 0


def _ensure_departments(session: Session, summary: DemoSummary) -> dict[str, Department]:
    result = {}
    for code, name, description, highlighted in DEPARTMENTS:
        department = session.scalar(select(Department).where(Department.code == code))
        if department is None:
            department = Department(
                code=code, name=name, description=description, highlighted=highlighted
            )
            session.add(department)
            summary.departments += 1
        result[code] = department
    session.flush()
    return result


# Extra questions of some categories (Open311 service attributes; see app/open311/attributes.py).
QUESTIONS = {
    "luminaria": [
        {
            "code": "poste",
            "datatype": "string",
            "required": False,
            "description": "Número del poste (está pintado en el poste)",
        },
        {
            "code": "falla",
            "datatype": "singlevaluelist",
            "required": False,
            "description": "¿Qué le pasa a la luminaria?",
            "values": [
                {"key": "apagada", "name": "No enciende"},
                {"key": "parpadea", "name": "Parpadea"},
                {"key": "encendida_dia", "name": "Queda encendida de día"},
                {"key": "danada", "name": "Está dañada o colgando"},
            ],
        },
    ],
}


def _ensure_categories(
    session: Session, departments: dict[str, Department], summary: DemoSummary
) -> dict[str, Category]:
    result = {}
    for code, dept, name, description, keywords, first, resolution, triage in CATEGORIES:
        category = session.scalar(select(Category).where(Category.code == code))
        if category is None:
            category = Category(
                code=code,
                department=departments[dept],
                name=name,
                description=description,
                keywords=keywords,
                first_response_minutes=first,
                resolution_minutes=resolution,
                is_triage=triage,
                sensitive=code in SENSITIVE,
                attributes=QUESTIONS.get(code),
            )
            session.add(category)
            summary.categories += 1
        result[code] = category
    session.flush()
    return result


@cache
def _demo_password_hash() -> str:
    return generate_password_hash(DEMO_PASSWORD)  # hashing is slow on purpose: do it once


def _ensure_user(session, email, name, role, department, summary) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.email == email))
    if user is None:
        user = StaffUser(email=email, name=name, role=role, department=department)
        user.password_hash = _demo_password_hash()
        session.add(user)
        summary.users += 1
    return user


# Attention protocols (app/protocols.py): what to ask, check and tell, per category.
PROTOCOLS = {
    "luminaria": """**Pregunte**

- El **número del poste** (placa metálica) o la dirección exacta con un punto de referencia.
- Si la luz está *apagada*, *parpadea* o el poste está dañado (cables expuestos: es urgente).

**Revise** si ya hay una solicitud abierta para el mismo poste (busque en el mapa).

**Diga sobre los plazos:** respondemos en 1 día hábil y la reparación toma hasta 5 días
hábiles; si hay cables expuestos, pida que no se acerquen y márquela como urgente.""",
    "bache": """**Pregunte**

1. La dirección y, si puede, una foto del bache.
2. Si está en la **calzada** o en la **vereda**, y su tamaño aproximado.

**Revise** que la calle sea comunal: las autopistas y avenidas concesionadas no son municipales.

**Diga sobre los plazos:** la respuesta llega en 2 días hábiles; la reparación se programa por
sector y puede tomar hasta 15 días hábiles.""",
    "basura": """**Pregunte** qué día debía pasar el camión y si la basura quedó en la calle.

**Revise** el calendario de recolección del sector antes de registrar.

**Diga sobre los plazos:** respondemos en 4 horas hábiles y el retiro se hace en 2 días
hábiles como máximo. Pida que *no* saquen más bolsas hasta el retiro.""",
    "microbasural": """**Pregunte**

- El lugar exacto (pasaje, sitio eriazo, esquina) y qué hay: basura, escombros o voluminosos.
- Si hay riesgo (bloquea el paso, hay fuego o animales).

**Diga sobre los plazos:** una cuadrilla evalúa el punto; el retiro puede tomar varios días.
Si ve a alguien botando escombros, puede denunciarlo a Inspección.""",
}


def _ensure_protocols(session: Session, categories: dict[str, Category], admin: StaffUser) -> None:
    for code, body in PROTOCOLS.items():
        category = categories.get(code)
        if category is not None and protocols.current(session, category.id) is None:
            protocols.save(session, category, body, admin)


def _ensure_templates(session: Session, categories: dict[str, Category]) -> None:
    for code, kind, title, body in TEMPLATES:
        category = categories[code] if code else None
        same_category = (
            ResponseTemplate.category_id == category.id
            if category
            else ResponseTemplate.category_id.is_(None)
        )
        exists = session.scalar(
            select(ResponseTemplate.id).where(ResponseTemplate.title == title, same_category)
        )
        if exists is None:
            session.add(ResponseTemplate(category=category, kind=kind, title=title, body=body))


def _ensure_users(session, departments, summary) -> dict[str, StaffUser]:
    """The four printed role logins, plus one agent per department (who work its tickets)."""
    users = {}
    for email, name, role, dept in ROLE_LOGINS:
        users[role] = _ensure_user(
            session, email, name, role, departments[dept] if dept else None, summary
        )
    for code, department in departments.items():
        users[f"agent:{code}"] = (
            users["agent"]
            if code == "DOP"
            else _ensure_user(
                session,
                f"agente.{code.lower()}@demo.penalolen.cl",
                f"Agente {department.name}",
                "agent",
                department,
                summary,
            )
        )
    session.flush()
    return users


def _weighted(rng: random.Random, pairs):
    items, weights = zip(*pairs, strict=True)
    return rng.choices(items, weights=weights)[0]


def _working_instant(rng: random.Random, now: datetime, days_ago: int) -> datetime:
    """A believable filing time: mostly daytime in Santiago (UTC-3/-4), any day of the week."""
    day = now - timedelta(days=days_ago)
    local_hour = rng.choices(range(24), weights=[1] * 7 + [4] * 3 + [8] * 9 + [4] * 3 + [2] * 2)[0]
    return day.replace(
        hour=(local_hour + 3) % 24, minute=rng.randrange(60), second=0, microsecond=0
    )


# Places of the demo desk, well inside the comuna: a few busy corners (so "posibles duplicados
# cerca" and the staff map have something to show), each ticket within about 80 m of one.
HOT_SPOTS = [
    (-33.4853, -70.5361),
    (-33.4790, -70.5480),
    (-33.4920, -70.5300),
    (-33.4700, -70.5250),
    (-33.5000, -70.5450),
    (-33.4880, -70.5150),
    (-33.4650, -70.5500),
    (-33.4960, -70.5580),
]


def _place(index: int, channel: str) -> tuple[float | None, float | None]:
    """A point for most web, counter, API and Open311 requests (SMS and calls carry none); its own
    generator, so the rest of the demo draws what it always drew."""
    local = random.Random(-index)  # noqa: S311 - demo data, reproducible per ticket
    if channel in {"sms", "phone"} or local.random() < 0.3:
        return None, None
    lat, lon = local.choice(HOT_SPOTS)
    return (
        round(lat + local.uniform(-0.0007, 0.0007), 6),
        round(lon + local.uniform(-0.0008, 0.0008), 6),
    )


def _intake(rng: random.Random, index: int, category: Category, channel: str) -> TicketIntake:
    template = rng.choice(DESCRIPTIONS[category.code])
    street = rng.choice(STREETS)
    number = rng.randrange(100, 9000)
    identified = channel in {"sms", "counter", "phone"} or rng.random() < 0.6
    name = rng.choice(NAMES) if identified else None
    mobile = f"+5699{index:07d}" if identified and channel != "web" or rng.random() < 0.3 else None
    email = f"vecino{index}@example.cl" if identified and channel in {"web", "api"} else None
    return TicketIntake(
        channel=channel,
        category_id=category.id,
        description=template.format(n=number),
        address=f"{street} {number}, Peñalolén" if rng.random() < 0.85 else None,
        lat=(place := _place(index, channel))[0],
        lon=place[1],
        name=name if channel != "sms" else None,
        mobile=mobile if identified else None,
        email=email,
        consent_notify=identified and rng.random() < 0.8,
        source_ref=f"demo-{index}",
    )


def _history(session, rng, ticket, users, admin, now) -> None:  # noqa: C901 - a story, told once
    """Walk the ticket through a believable life, never past ``now``."""
    agent = Actor.staff(users[f"agent:{ticket.department.code}"])
    age = now - ticket.created_at
    clock = ticket.created_at

    def later(min_hours: float, max_hours: float) -> datetime | None:
        nonlocal clock
        candidate = clock + timedelta(hours=rng.uniform(min_hours, max_hours))
        if candidate >= now:
            return None
        clock = candidate
        return clock

    fate = rng.random()
    if age < timedelta(hours=6) or fate < 0.08:
        return  # still new
    if (t := later(1, 40)) is None:
        return
    assign(session, ticket, agent.user, agent, now=t)
    if fate < 0.14:
        transition(
            session,
            ticket,
            "rejected",
            agent,
            now=t,
            body="No es competencia municipal: derivamos su solicitud a la empresa "
            "distribuidora, que es la responsable.",
        )
        return
    if fate < 0.18:
        original = session.scalar(
            select(Ticket)
            .where(
                Ticket.category_id == ticket.category_id,
                Ticket.id < ticket.id,
                Ticket.status.in_(["new", "in_progress"]),
            )
            .limit(1)
        )
        if original is not None:
            mark_duplicate(session, ticket, original, agent, now=t)
            return
    transition(session, ticket, "in_progress", agent, now=t)
    add_comment(
        session,
        ticket,
        agent,
        "Revisión en terreno programada; el equipo lo visitará.",
        public=False,
        now=t + timedelta(minutes=5),
    )
    clock = t + timedelta(minutes=5)
    if fate < 0.35:
        if (t := later(2, 30)) is None:
            return
        transition(
            session,
            ticket,
            "waiting_resident",
            agent,
            now=t,
            body="Para ubicar el lugar, ¿nos indica un número de casa o una referencia cercana?",
        )
        if rng.random() < 0.6 and (t := later(1, 48)) is not None:
            resident_reply(
                session,
                ticket,
                "Es frente a la sede de la junta de vecinos.",
                proof=ResidentProof(ticket.code, VIA_LINK),  # as if through the emailed link
                now=t,
            )
        else:
            return
    if fate < 0.55 and age < timedelta(days=20):
        return  # in progress now
    if (t := later(4, 24 * 12)) is None:
        return
    add_comment(
        session, ticket, agent, "Su solicitud está en la programación de esta semana.", now=t
    )
    if (t := later(2, 24 * 6)) is None:
        return
    transition(
        session, ticket, RESOLVED, agent, now=t, body="Trabajo realizado. Gracias por avisarnos."
    )
    if rng.random() < 0.05 and (t := later(2, 48)) is not None:
        transition(session, ticket, "in_progress", Actor.staff(admin), now=t)
        return
    if (t := later(24 * 5, 24 * 7)) is not None:
        transition(session, ticket, "closed", SYSTEM, now=t)


def seed(
    session: Session,
    *,
    tickets: int = 200,
    now: datetime | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> DemoSummary:
    """Load the demo desk and ``tickets`` demo tickets (those already there are kept);
    ``progress(done, total)`` is told after each ticket."""
    summary = DemoSummary()
    now = now or datetime.now(UTC)
    departments = _ensure_departments(session, summary)
    categories = _ensure_categories(session, departments, summary)
    # The data-rights unit and its categories (Ley 21.719), with an agent of its own; no
    # random demo tickets go there.
    unit = next(iter(rights.ensure_catalog(session, DAY).values())).department
    users = _ensure_users(session, {**departments, rights.UNIT_CODE: unit}, summary)
    _ensure_templates(session, categories)
    _ensure_protocols(session, categories, users["admin"])
    seed_directory(session, departments)
    seed_initiatives(session, departments, users["admin"], now)
    category_weights = [(c, 1 if c.is_triage else 6) for c in categories.values()]
    existing = set(
        session.scalars(select(Ticket.source_ref).where(Ticket.source_ref.like("demo-%")))
    )
    for index in range(1, tickets + 1):
        if f"demo-{index}" in existing:
            continue
        rng = random.Random(index)  # noqa: S311 - demo data, reproducible per ticket
        channel = _weighted(rng, CHANNEL_WEIGHTS)
        category = _weighted(rng, category_weights)
        created_at = _working_instant(rng, now, rng.randrange(0, 90))
        intake = _intake(rng, index, category, channel)
        actor = Actor.staff(users["counter"]) if channel in {"counter", "phone"} else RESIDENT
        ticket = open_ticket(session, intake, actor, now=min(created_at, now))
        _history(session, rng, ticket, users, users["admin"], now)
        summary.tickets += 1
        if progress is not None:
            progress(index, tickets)
    session.flush()
    _settle_history(session, now)
    if tickets:  # the diagnoses' demo (a bare desk, as the tests load it, stays bare)
        seed_attention(session, departments, now)
        seed_staff_questionnaire(session, departments, now)
    return summary


def _settle_history(session: Session, now: datetime) -> None:
    """The demo's past already happened: raise the SLA alerts it crossed, and count the
    notifications its history wrote as sent long ago (nothing is delivered for demo data)."""
    alerts.sweep(session, now, limit=100_000)
    session.execute(
        update(Notification)
        .where(Notification.status == "pending")
        .values(status="sent", provider_status="demo", sent_at=Notification.created_at)
        .execution_options(synchronize_session=False)
    )
