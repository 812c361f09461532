"""Places (issue 19): the service area at every door, nearby reports by distance, following a
ticket someone else filed (no personal data of others shown; told on resolution; unsubscribe),
and the counter's duplicate warning. Everything through the real HTTP surface."""

from __future__ import annotations

import json
import math
import re

import pytest
from sqlalchemy import select

from app.models import Category, Notification, StaffUser, Ticket, TicketFollower
from app.tickets.area import load_area
from app.tickets.codes import display
from app.tickets.nearby import EARTH_RADIUS_M, distance_m, nearby_open
from tests.test_web import file_request

# Av. Grecia 8735, inside the default (simplified) Peñalolén boundary.
HERE = (-33.4853, -70.5361)
OUTSIDE = (-33.4372, -70.6506)  # Santiago centro: another comuna
# A metre north is 1/111,195 of a degree of latitude on the haversine sphere (R = 6,371 km).
METERS_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180


def north_of(point, meters):
    return (point[0] + meters / METERS_PER_DEGREE, point[1])


def east_of(point, meters):
    return (point[0], point[1] + meters / (METERS_PER_DEGREE * math.cos(math.radians(point[0]))))


def staff(demo, email):
    return demo.scalar(select(StaffUser).where(StaffUser.email == email))


def lamp(demo):
    return demo.scalar(select(Category).where(Category.code == "luminaria"))


def comma(value: float) -> str:
    return f"{value:.6f}".replace(".", ",")


# --- the service area ---------------------------------------------------------------------------


def test_the_default_area_is_penalolen_and_the_edge_counts_as_inside():
    area = load_area(str(__import__("config").PROJECT_ROOT / "app/geo/penalolen.geojson"))
    assert area.contains(*HERE)
    assert not area.contains(*OUTSIDE)
    assert not area.contains(-33.60, -70.54)  # La Florida / Puente Alto, south
    # A point exactly on an edge (the midpoint of the first side) and on a vertex: inside.
    (x1, y1), (x2, y2) = area.polygons[0].outer[0], area.polygons[0].outer[1]
    assert area.contains((y1 + y2) / 2, (x1 + x2) / 2)
    assert area.contains(y1, x1)
    south, west, north, east = area.bounds()
    assert -33.54 < south < north < -33.42 and -70.59 < west < east < -70.46


def test_an_inline_area_with_a_hole_and_off():
    square = {
        "type": "Polygon",
        "coordinates": [
            [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
            [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]],
        ],
    }
    area = load_area(json.dumps(square))
    assert area.contains(1, 1) and not area.contains(5, 5) and not area.contains(11, 5)
    assert area.contains(4, 5)  # on the hole's edge: inside the area
    assert load_area("off") is None


def test_the_web_form_refuses_a_point_outside_and_keeps_what_was_typed(client, demo):
    response = file_request(client, demo, lat=comma(OUTSIDE[0]), lon=comma(OUTSIDE[1]))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "El punto está fuera de la comuna de Peñalolén" in html
    assert comma(OUTSIDE[0]) in html  # as typed
    assert demo.scalar(select(Ticket)) is None
    assert file_request(client, demo, lat=comma(HERE[0]), lon=comma(HERE[1])).status_code == 303


def test_the_counter_refuses_a_point_outside(client, demo, login):
    login(staff(demo, "meson@demo.penalolen.cl"))
    data = {
        "source": "counter",
        "category": str(lamp(demo).id),
        "description": "Luminaria apagada en la esquina",
        "lat": comma(OUTSIDE[0]),
        "lon": comma(OUTSIDE[1]),
    }
    response = client.post("/staff/counter", data=data)
    assert response.status_code == 422
    assert "El punto está fuera de la comuna de Peñalolén" in response.get_data(as_text=True)
    assert demo.scalar(select(Ticket)) is None
    inside = client.post("/staff/counter", data={**data, "lat": "-33,4853", "lon": "-70,5361"})
    assert inside.status_code == 303
    assert demo.scalar(select(Ticket)).lat == pytest.approx(-33.4853)


def test_the_api_refuses_a_point_outside(client, demo, api_key):
    body = {
        "category": "luminaria",
        "description": "Luminaria apagada en la esquina",
        "lat": OUTSIDE[0],
        "lon": OUTSIDE[1],
        "consent_notify": False,
    }
    response = client.post("/api/v1/tickets", json=body, headers={"X-API-Key": api_key})
    assert response.status_code == 422, response.get_json()
    assert "fuera de la comuna de Peñalolén" in json.dumps(response.get_json(), ensure_ascii=False)
    assert demo.scalar(select(Ticket)) is None
    body.update(lat=HERE[0], lon=HERE[1])
    assert (
        client.post("/api/v1/tickets", json=body, headers={"X-API-Key": api_key}).status_code == 201
    )


def test_open311_refuses_a_point_outside(client, demo, api_key):
    form = {
        "api_key": api_key,
        "jurisdiction_id": "penalolen.cl",
        "service_code": "luminaria",
        "description": "Luminaria apagada en la esquina",
        "lat": str(OUTSIDE[0]),
        "long": str(OUTSIDE[1]),
    }
    response = client.post("/open311/v2/requests.json", data=form)
    assert response.status_code == 400
    [error] = response.get_json()
    assert error["description"].startswith("lat: El punto está fuera de la comuna de Peñalolén")
    assert demo.scalar(select(Ticket)) is None
    inside = client.post(
        "/open311/v2/requests.json", data={**form, "lat": "-33.4853", "long": "-70.5361"}
    )
    assert inside.status_code == 200


def test_a_point_is_not_checked_when_the_area_is_off(app, client, demo, monkeypatch):
    monkeypatch.setitem(app.config, "SERVICE_AREA", "off")
    response = file_request(client, demo, lat=comma(OUTSIDE[0]), lon=comma(OUTSIDE[1]))
    assert response.status_code == 303


def test_the_area_is_served_for_the_map(client):
    collection = client.get("/mapa/area.geojson").get_json()
    ring = collection["features"][0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) > 8


# --- nearby by distance ---------------------------------------------------------------------------


def test_hand_computed_distances():
    # 100 m north: 100 / 111,194.93 = 0.00089932 degrees of latitude.
    assert pytest.approx(0.00089932, abs=1e-8) == 100 / METERS_PER_DEGREE
    assert distance_m(*HERE, *north_of(HERE, 100)) == pytest.approx(100, abs=0.01)
    # 200 m east at latitude -33.4853: 200 / (111,194.93 × cos 33.4853°) = 0.0021574 degrees.
    assert east_of(HERE, 200)[1] - HERE[1] == pytest.approx(0.0021574, abs=1e-6)
    assert distance_m(*HERE, *east_of(HERE, 200)) == pytest.approx(200, abs=0.05)


def test_nearby_finds_open_tickets_of_the_topic_within_the_radius(demo, make_ticket):
    light = lamp(demo)
    other = demo.scalar(
        select(Category).where(Category.id != light.id, Category.sensitive.is_(False))
    )
    at_100 = make_ticket(light, lat=north_of(HERE, 100)[0], lon=HERE[1])
    at_140 = make_ticket(light, lat=HERE[0], lon=east_of(HERE, 140)[1])
    at_200 = make_ticket(light, lat=north_of(HERE, 200)[0], lon=HERE[1])
    corner = north_of(east_of(HERE, 120), 120)  # inside the box, 170 m away: left out
    make_ticket(light, lat=corner[0], lon=corner[1])
    make_ticket(other, lat=HERE[0], lon=HERE[1])  # another topic
    demo.commit()
    found = nearby_open(demo, light.id, *HERE, 150)
    assert [n.ticket.id for n in found] == [at_100.id, at_140.id]  # nearest first
    assert [round(n.distance_m) for n in found] == [100, 140]
    wider = nearby_open(demo, light.id, *HERE, 250)
    assert [round(n.distance_m) for n in wider] == [100, 140, 170, 200]
    assert wider[-1].ticket.id == at_200.id


# --- the form: review, follow, told on resolution, unsubscribe ------------------------------------


def _filed_by_someone_else(client, demo):
    """Another resident's report 100 m away, with their contact and text (never shown)."""
    spot = north_of(HERE, 100)
    response = file_request(
        client,
        demo,
        name="Rosa Secreta",
        email="rosa@example.cl",
        mobile="9 8123 4567",
        consent="y",
        address="Av. Grecia 8800, frente al almacén",
        description="Texto privado de Rosa sobre la luminaria",
        lat=comma(spot[0]),
        lon=comma(spot[1]),
    )
    assert response.status_code == 303
    return demo.scalar(select(Ticket))


def test_reviewing_lists_nearby_reports_with_public_facts_only(client, demo):
    original = _filed_by_someone_else(client, demo)
    review = client.post(
        "/solicitudes/nueva",
        data={
            "category": str(original.category_id),
            "lat": comma(HERE[0]),
            "lon": comma(HERE[1]),
            "revisar": "1",
        },
    )
    assert review.status_code == 200
    html = review.get_data(as_text=True)
    assert "Hay 1 solicitud abierta del mismo tema a menos de 150 metros" in html
    assert "Es el mismo: seguir ese" in html and "a 100 m" in html
    assert "Av. Grecia" in html and "8800" not in html
    for private in (
        display(original.code),
        original.code,
        "Rosa",
        "rosa@example.cl",
        "8123",
        "Texto privado",
        "almacén",
    ):
        assert private not in html, private
    assert demo.scalar(select(Ticket).where(Ticket.id != original.id)) is None  # nothing filed

    far = client.post(
        "/solicitudes/nueva",
        data={
            "category": str(original.category_id),
            "lat": "-33,5000",
            "lon": "-70,5000",
            "revisar": "1",
        },
    )
    assert "No hay solicitudes abiertas de este tema a menos de 150 metros" in far.get_data(
        as_text=True
    )
    missing = client.post("/solicitudes/nueva", data={"revisar": "1"})
    assert "elija el tema y marque el lugar" in missing.get_data(as_text=True)


def test_following_needs_a_contact_and_consent(client, demo):
    original = _filed_by_someone_else(client, demo)
    data = {
        "category": str(original.category_id),
        "lat": comma(HERE[0]),
        "lon": comma(HERE[1]),
        "seguir": original.public_id,
    }
    refused = client.post("/solicitudes/nueva", data=data)
    assert refused.status_code == 422
    assert "Para seguir esa solicitud escriba su correo o su celular" in refused.get_data(
        as_text=True
    )
    no = client.post("/solicitudes/nueva", data={**data, "email": "yo@example.cl", "consent": "n"})
    assert no.status_code == 422
    assert demo.scalar(select(TicketFollower)) is None
    unknown = client.post(
        "/solicitudes/nueva",
        data={**data, "seguir": "XXXX", "email": "yo@example.cl", "consent": "y"},
    )
    assert unknown.status_code == 422 and "ya no está abierta" in unknown.get_data(as_text=True)


def test_follow_flow_end_to_end(client, demo, login):
    original = _filed_by_someone_else(client, demo)
    follows = client.post(
        "/solicitudes/nueva",
        data={
            "category": str(original.category_id),
            "description": "La luminaria de la esquina no enciende",
            "lat": comma(HERE[0]),
            "lon": comma(HERE[1]),
            "email": "Vecino@Example.cl",
            "consent": "y",
            "seguir": original.public_id,
        },
    )
    assert follows.status_code == 200
    html = follows.get_data(as_text=True)
    assert "usted sigue esta solicitud" in html and "por correo" in html
    assert display(original.code) not in html and "Rosa" not in html
    assert demo.scalar(select(func_count(Ticket))) == 1  # no new ticket
    [follower] = demo.scalars(select(TicketFollower)).all()
    assert follower.ticket_id == original.id and follower.email == "vecino@example.cl"
    assert follower.consent_wording and follower.token

    # Following again changes nothing.
    client.post(
        "/solicitudes/nueva",
        data={"email": "vecino@example.cl", "consent": "y", "seguir": original.public_id},
    )
    assert demo.scalar(select(func_count(TicketFollower))) == 1

    # Staff resolve the original: its resident and the follower are told.
    login(staff(demo, "agente@demo.penalolen.cl"))
    code = display(original.code)
    page = client.get(f"/staff/tickets/{code}").get_data(as_text=True)
    assert "1 vecino o vecina sigue esta solicitud" in page
    assert "vecino@example.cl" not in page  # the number, never who (need to know)
    version = demo.scalar(select(Ticket.version).where(Ticket.id == original.id))
    client.post(f"/staff/tickets/{code}", data={"action": "take", "version": version})
    demo.expire_all()
    version = demo.scalar(select(Ticket.version).where(Ticket.id == original.id))
    resolved = client.post(
        f"/staff/tickets/{code}",
        data={"action": "resolve", "version": version, "body": "Cambiamos la ampolleta."},
    )
    assert resolved.status_code in (302, 303), resolved.get_data(as_text=True)[:500]
    demo.expire_all()
    [told] = demo.scalars(
        select(Notification).where(Notification.template == "follower_resolved")
    ).all()
    assert told.recipient == "vecino@example.cl" and told.ticket_id is None
    assert "Luminaria" in told.body and "Av. Grecia" in told.body
    for private in (original.code, display(original.code), "Rosa", "8800", "Texto privado"):
        assert private not in told.body and private not in (told.body_html or "")
    link = re.search(r"https?://\S+/dejar-de-seguir/(\S+)", told.body)
    assert link and link.group(1) == follower.token
    demo.expire_all()
    assert demo.get(TicketFollower, follower.id).notified_at is not None

    # The link: a GET only asks; the POST stops it and forgets the address.
    client.get("/staff/logout")
    page = client.get(f"/dejar-de-seguir/{follower.token}")
    assert page.status_code == 200 and "Sí, dejar de seguirla" in page.get_data(as_text=True)
    demo.expire_all()
    assert demo.get(TicketFollower, follower.id).email == "vecino@example.cl"
    stopped = client.post(f"/dejar-de-seguir/{follower.token}")
    assert stopped.status_code == 200 and "ya no sigue" in stopped.get_data(as_text=True)
    demo.expire_all()
    row = demo.get(TicketFollower, follower.id)
    assert row.unsubscribed_at and row.email is None and row.mobile is None
    assert client.get("/dejar-de-seguir/no-such-token").status_code == 404


def test_an_unsubscribed_follower_is_not_told(client, demo, make_user):
    from app.tickets import Actor, transition

    original = _filed_by_someone_else(client, demo)
    client.post(
        "/solicitudes/nueva",
        data={"mobile": "9 5555 6666", "consent": "y", "seguir": original.public_id},
    )
    follower = demo.scalar(select(TicketFollower))
    assert follower.mobile == "+56955556666"
    client.post(f"/dejar-de-seguir/{follower.token}")
    head = Actor.staff(make_user("head", department=original.department))
    ticket = demo.get(Ticket, original.id)
    transition(demo, ticket, "resolved", head, body="Listo.")
    demo.commit()
    assert (
        demo.scalar(select(Notification).where(Notification.template == "follower_resolved"))
        is None
    )


def func_count(model):
    from sqlalchemy import func

    return func.count(model.id)


# --- the counter and the staff ticket page --------------------------------------------------------


def test_the_counter_warns_of_possible_duplicates(client, demo, login):
    original = _filed_by_someone_else(client, demo)
    login(staff(demo, "meson@demo.penalolen.cl"))
    response = client.post(
        "/staff/counter",
        data={
            "source": "counter",
            "category": str(original.category_id),
            "lat": comma(HERE[0]),
            "lon": comma(HERE[1]),
            "revisar": "1",
        },
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Posibles duplicados cerca" in html and display(original.code) in html
    assert demo.scalar(select(func_count(Ticket))) == 1  # nothing filed


def test_the_ticket_page_heading(client, demo, login, make_ticket):
    from datetime import timedelta

    from app.models import utcnow

    light = lamp(demo)
    now = utcnow() - timedelta(hours=1)
    here = make_ticket(light, lat=HERE[0], lon=HERE[1], now=now)
    near = make_ticket(light, lat=north_of(HERE, 30)[0], lon=HERE[1], now=now)
    demo.commit()
    login(staff(demo, "agente@demo.penalolen.cl"))
    html = client.get(f"/staff/tickets/{display(here.code)}").get_data(as_text=True)
    assert "Posibles duplicados cerca" in html and display(near.code) in html


# --- privacy: export, anonymization, retention ---------------------------------------------


def _follower_person(client, demo):
    """Marta proved her mobile (a person record) and follows Rosa's ticket with it."""
    from app.models import Contact, utcnow

    original = _filed_by_someone_else(client, demo)
    marta = Contact(name="Marta", mobile="+56955556666", mobile_verified_at=utcnow())
    demo.add(marta)
    demo.commit()
    client.post(
        "/solicitudes/nueva",
        data={"mobile": "9 5555 6666", "consent": "y", "seguir": original.public_id},
    )
    return original, marta


def test_the_export_holds_what_a_person_follows_and_nothing_of_the_filer(
    client, demo, login, make_user
):
    original, marta = _follower_person(client, demo)
    login(make_user("privacy"))
    response = client.post(
        f"/staff/privacidad/personas/{marta.id}/exportar",
        data={"exportar-output": "json", "exportar-reason": "Solicitud de acceso N. 9"},
    )
    assert response.status_code == 200
    doc = json.loads(response.get_data(as_text=True))
    [followed] = doc["seguimientos"]
    assert followed["celular"] == "+56955556666" and followed["tema"].startswith("Luminaria")
    assert followed["calle"] == "Av. Grecia" and followed["version_consentimiento"]
    text = json.dumps(doc, ensure_ascii=False)
    for private in (original.code, display(original.code), "Rosa", "rosa@example.cl", "8800"):
        assert private not in text, private
    csv_export = client.post(
        f"/staff/privacidad/personas/{marta.id}/exportar",
        data={"exportar-output": "csv", "exportar-reason": "Solicitud de acceso N. 9"},
    ).get_data(as_text=True)
    [row] = [line for line in csv_export.splitlines() if line.startswith("seguimientos,1,celular,")]
    assert row.endswith("+56955556666")  # quoted against formulas


def test_anonymizing_a_person_forgets_what_they_follow(client, demo, login, make_user):
    original, marta = _follower_person(client, demo)
    login(make_user("privacy"))
    data = {"reason": "Supresión", "confirmation": "ANONIMIZAR"}
    assert client.post(f"/staff/personas/{marta.id}/anonimizar", data=data).status_code == 303
    demo.expire_all()
    follower = demo.scalar(select(TicketFollower))
    assert follower.mobile is None and follower.email is None and follower.redacted_at
    assert not follower.active


def test_retention_clears_followers_after_the_notice_period(client, demo):
    from datetime import timedelta

    from app.models import utcnow
    from app.privacy.retention import sweep

    original, _ = _follower_person(client, demo)
    follower = demo.scalar(select(TicketFollower))
    assert sweep(demo, utcnow(), sms_days=180).followers == 0  # still waiting for the news
    follower.notified_at = utcnow() - timedelta(days=181)
    demo.commit()
    swept = sweep(demo, utcnow(), sms_days=180)
    assert swept.followers == 1
    demo.commit()
    demo.expire_all()
    assert demo.get(TicketFollower, follower.id).mobile is None
