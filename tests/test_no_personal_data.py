"""After tickets are filed with known personal data and free text through every channel, a scan
of every answer an anonymous visitor can get finds none of it.

Lists and feeds (home, forms, transparency, the API's catalogues, every page of the Open311
feed in JSON and XML, with and without extensions) carry no tracking code, no resident text, no
name, no number, no exact address or coordinates, and no ticket of a sensitive category. Pages
opened by a ticket's own code (the resident's view) carry no personal data, no resident text
and no other ticket's code. Open311 by public id answers for published tickets only.
"""

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from app.models import ApiKey, Category, StaffUser, Ticket
from app.tickets import Actor, add_comment, assign, mark_duplicate, resident_reply
from app.tickets.codes import display
from app.tickets.proof import VIA_LINK, ResidentProof
from app.tickets.publication import set_public_summary

KEY = "cnd_pii-scan-0123456789"
PII = {
    "name": "Florinda Catalán Urrutia",
    "email": "florinda.catalan@example.cl",
    "mobile": "+56961112233",
    "mobile_local": "61112233",
    "rut": "12.345.678-5",
    "rut_compact": "123456785",
    "device": "device-7f3a",
    "account": "account-9911",
}
ADDRESS = "Los Aromos 1234, depto 5B, Peñalolén"
EXACT_PLACE = ["1234", "depto 5B", "-33.48123", "-70.55123"]
LAT, LON = "-33.481234", "-70.551234"
STAFF_ANSWER = "Revisaremos mañana, Sra. Florinda."
SUMMARY = "Luminaria apagada en Los Aromos; la cuadrilla la repuso."
RESIDENT_TEXTS = [
    "Poste apagado frente a mi casa",
    "Mi familia quedó sin trabajo",
    "Hoyo en la calzada de la esquina",
    "Luminaria intermitente en el pasaje",
    "Basura acumulada en la esquina de mi casa",
    "Bache profundo donde vive mi abuela",
    "Necesito una silla de ruedas para mi madre",
    "Ahora tampoco funciona el de al lado",
]


def file_everywhere(client, session, login):
    """One request per channel, each with the same person's data, an exact address and
    coordinates; two of them in sensitive categories."""
    category = {c.code: c.id for c in session.scalars(select(Category))}
    web = {"consent": "y", "name": PII["name"], "email": PII["email"], "mobile": PII["mobile"]}
    place = {"address": ADDRESS, "lat": LAT, "lon": LON}
    client.post(
        "/solicitudes/nueva",
        data={"category": category["luminaria"], "description": RESIDENT_TEXTS[0]} | web | place,
    )
    client.post(
        "/solicitudes/nueva",
        data={"category": category["asistencia_social"], "description": RESIDENT_TEXTS[1]} | web,
    )
    client.post(
        "/api/v1/tickets",
        headers={"X-API-Key": KEY},
        json={
            "category": "bache",
            "description": RESIDENT_TEXTS[2],
            "address": ADDRESS,
            "lat": float(LAT),
            "lon": float(LON),
            "contact": {"name": PII["name"], "email": PII["email"], "rut": PII["rut"]},
        },
    )
    login(session.scalar(select(StaffUser).where(StaffUser.role == "counter")))
    client.post(
        "/staff/counter",
        data={
            "rut": PII["rut"],
            "name": PII["name"],
            "mobile": PII["mobile"],
            "source": "counter",
            "category": category["luminaria"],
            "description": RESIDENT_TEXTS[3],
            "address": ADDRESS,
        },
    )
    client.post("/staff/logout")
    params = {"From": PII["mobile"], "Body": RESIDENT_TEXTS[4], "MessageSid": "SMpii"}
    signature = RequestValidator("test-auth-token").compute_signature(
        "http://testserver/channels/sms/inbound", params
    )
    client.post("/channels/sms/inbound", data=params, headers={"X-Twilio-Signature": signature})
    open311 = {
        "api_key": KEY,
        "lat": LAT,
        "long": LON,
        "address_string": ADDRESS,
        "first_name": "Florinda",
        "last_name": "Catalán Urrutia",
        "email": PII["email"],
        "phone": PII["mobile"],
        "device_id": PII["device"],
        "account_id": PII["account"],
    }
    client.post(
        "/open311/v2/requests.json",
        data=open311 | {"service_code": "bache", "description": RESIDENT_TEXTS[5]},
    )
    client.post(
        "/open311/v2/requests.json",
        data=open311 | {"service_code": "discapacidad", "description": RESIDENT_TEXTS[6]},
    )
    # The attention survey's open answers (which may name people) are never published.
    for channel in ("", "/meson", "/telefono"):
        client.post(
            f"/opina{channel}",
            data={"rating": "2", "comment": f"{RESIDENT_TEXTS[0]} {PII['name']}"},
        )


def work_them(session):
    """Staff answer (naming the resident, as people do), a resident replies, one ticket is
    marked a duplicate of another and one gets a public summary, so the feeds have text that
    must and must not show."""
    agent = session.scalar(select(StaffUser).where(StaffUser.email == "agente@demo.penalolen.cl"))
    tickets = session.scalars(select(Ticket).order_by(Ticket.id)).all()
    for ticket in tickets:
        if ticket.department_id == agent.department_id:
            assign(session, ticket, agent, Actor.staff(agent))
            add_comment(session, ticket, Actor.staff(agent), STAFF_ANSWER)
            # as through the signed link their message carried
            proof = ResidentProof(ticket.code, VIA_LINK)
            resident_reply(session, ticket, RESIDENT_TEXTS[7], proof=proof)
    # The walk-in asked for the same as the web request: the duplicate's resident must not
    # learn the original's code (it is the other resident's secret).
    mark_duplicate(session, tickets[3], tickets[0], Actor.staff(agent))
    set_public_summary(session, tickets[0], Actor.staff(agent), SUMMARY)
    session.commit()
    return agent, tickets


def anonymous_lists(client, tickets):
    """Every answer an anonymous visitor gets that is not opened by a ticket's own code."""
    urls = [
        "/",
        "/solicitudes/nueva",
        "/seguimiento",
        "/transparencia",
        "/opina",
        "/opina/meson",
        "/opina/telefono",
        "/api/v1/categories",
        "/api/v1/departments",
        "/api/v1/openapi.json",
        "/api/v1/tickets",
        "/open311/v2/discovery.json",
        "/open311/v2/discovery.xml",
        "/open311/v2/services.json",
        "/open311/v2/services.xml",
        "/open311/v2/services/bache.json",
        "/open311/v2/services/luminaria.xml",
        "/open311/v2/requests.json?service_request_id="
        + ",".join(ticket.public_id for ticket in tickets),
    ]
    for fmt in ("json", "xml"):
        for extensions in ("true", "false"):
            for page in range(1, len(tickets) + 2):  # every page, the empty one after the last
                urls.append(
                    f"/open311/v2/requests.{fmt}?page_size=1&page={page}&extensions={extensions}"
                )
    for ticket in tickets:
        for path in (f"requests/{ticket.public_id}", f"tokens/{ticket.public_id}"):
            urls += [f"/open311/v2/{path}.json", f"/open311/v2/{path}.xml"]
    return {url: client.get(url) for url in urls}


def by_code_pages(client, ticket):
    code = display(ticket.code)
    urls = [
        f"/seguimiento/{code}",
        f"/seguimiento/{code}/comprobante",
        f"/solicitudes/recibida/{code}",
        f"/api/v1/tickets/{code}",
    ]
    return {url: client.get(url) for url in urls}


@pytest.fixture
def no_lookup_limit(app):
    app.config["TRACKING_RATE_LIMIT"] = "100000 per minute"
    yield
    app.config["TRACKING_RATE_LIMIT"] = "60 per minute"


def test_no_anonymous_answer_shows_codes_people_or_their_words(
    client, demo, login, no_lookup_limit
):
    session = demo
    session.add(ApiKey(name="pii", prefix=KEY[:10], key_hash=ApiKey.hash_key(KEY)))
    session.commit()
    file_everywhere(client, session, login)
    agent, tickets = work_them(session)
    assert len(tickets) == 7
    sensitive = [t for t in tickets if t.category.sensitive]
    published = [t for t in tickets if not t.category.sensitive]
    assert len(sensitive) == 2 and len(published) == 5
    codes = [display(t.code) for t in tickets] + [t.code for t in tickets]
    people = [*PII.values(), "Florinda", "Catalán", agent.name, agent.email]
    words = [*RESIDENT_TEXTS, "Revisaremos mañana", *EXACT_PLACE]

    answers = anonymous_lists(client, tickets)
    feed_ids = set()
    for url, response in answers.items():
        text = response.get_data(as_text=True)
        for secret in codes + people + words + [t.public_id for t in sensitive]:
            # (an error may echo the id the visitor asked for: that tells them nothing)
            assert secret not in text or secret in url, (url, secret)
        if "/requests/" in url or "/tokens/" in url:
            is_sensitive = any(t.public_id in url for t in sensitive)
            assert response.status_code == (404 if is_sensitive else 200), url
        elif url != "/api/v1/tickets":
            assert response.status_code == 200, url
        if "/requests.json" in url:
            feed_ids |= {r["service_request_id"] for r in response.json}
    # The scan is not vacuous: every published ticket was in the feed, with the facts.
    assert feed_ids == {t.public_id for t in published}
    feed = client.get("/open311/v2/requests.json").json
    assert {r["address"] for r in feed} == {"Los Aromos", None}
    assert {(r["lat"], r["long"]) for r in feed} >= {(-33.481, -70.551)}
    assert any(SUMMARY in response.text for response in answers.values())

    # The resident's own view shows staff answers to them (which may name them), nothing else.
    people = [p for p in people if p not in STAFF_ANSWER]
    for ticket in tickets:
        others = [c for t in tickets if t is not ticket for c in (display(t.code), t.code)]
        for url, response in by_code_pages(client, ticket).items():
            assert response.status_code == 200, url
            text = response.get_data(as_text=True)
            for secret in others + people + RESIDENT_TEXTS[:7] + EXACT_PLACE:
                assert secret not in text, (url, secret)
