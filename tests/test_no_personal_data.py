"""After tickets are filed with known personal data through every channel, a scan of every
public page and public API answer finds none of it."""

from sqlalchemy import select
from twilio.request_validator import RequestValidator

from app.models import ApiKey, Category, StaffUser, Ticket
from app.tickets import Actor, add_comment, assign
from app.tickets.codes import display

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


def test_no_public_page_or_answer_shows_personal_data(client, demo, login):
    session = demo
    session.add(ApiKey(name="pii", prefix=KEY[:10], key_hash=ApiKey.hash_key(KEY)))
    session.commit()
    light = session.scalar(select(Category.id).where(Category.code == "luminaria"))
    # Web, API, counter, SMS and Open311, each with the same person's data.
    client.post(
        "/solicitudes/nueva",
        data={
            "category": light,
            "description": "Poste apagado frente a la plaza",
            "consent": "y",
            "name": PII["name"],
            "email": PII["email"],
            "mobile": PII["mobile"],
        },
    )
    client.post(
        "/api/v1/tickets",
        headers={"X-API-Key": KEY},
        json={
            "category": "bache",
            "description": "Hoyo en la calzada de la esquina",
            "contact": {"name": PII["name"], "email": PII["email"], "rut": PII["rut"]},
        },
    )
    counter = session.scalar(select(StaffUser).where(StaffUser.role == "counter"))
    login(counter)
    client.post(
        "/staff/counter",
        data={
            "rut": PII["rut"],
            "name": PII["name"],
            "mobile": PII["mobile"],
            "source": "counter",
            "category": light,
            "description": "Luminaria intermitente en el pasaje",
        },
    )
    client.post("/staff/logout")
    params = {
        "From": PII["mobile"],
        "Body": "Basura acumulada en la esquina de mi casa",
        "MessageSid": "SMpii",
    }
    signature = RequestValidator("test-auth-token").compute_signature(
        "http://testserver/channels/sms/inbound", params
    )
    client.post("/channels/sms/inbound", data=params, headers={"X-Twilio-Signature": signature})
    client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": KEY,
            "service_code": "bache",
            "lat": "-33.48",
            "long": "-70.55",
            "description": "Bache profundo",
            "first_name": "Florinda",
            "last_name": "Catalán Urrutia",
            "email": PII["email"],
            "phone": PII["mobile"],
            "device_id": PII["device"],
            "account_id": PII["account"],
        },
    )
    tickets = session.scalars(select(Ticket)).all()
    assert len(tickets) == 5
    # Staff work them: names of staff must not show either.
    agent = session.scalar(select(StaffUser).where(StaffUser.email == "agente@demo.penalolen.cl"))
    for ticket in tickets:
        if ticket.department_id == agent.department_id:
            assign(session, ticket, agent, Actor.staff(agent))
            add_comment(session, ticket, Actor.staff(agent), "Revisaremos mañana.")
    session.commit()

    urls = [
        "/",
        "/solicitudes/nueva",
        "/seguimiento",
        "/transparencia",
        "/api/v1/categories",
        "/api/v1/departments",
        "/api/v1/openapi.json",
        "/open311/v2/discovery.json",
        "/open311/v2/services.json",
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        "/open311/v2/requests.json?extensions=true",
    ]
    for ticket in tickets:
        code = display(ticket.code)
        urls += [
            f"/seguimiento/{code}",
            f"/seguimiento/{code}/comprobante",
            f"/solicitudes/recibida/{code}",
            f"/api/v1/tickets/{code}",
            f"/open311/v2/requests/{code}.json",
            f"/open311/v2/requests/{code}.xml",
            f"/open311/v2/tokens/{code}.json",
        ]
    secrets = [*PII.values(), "Florinda", "Catalán", agent.name, agent.email]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        for secret in secrets:
            assert secret not in text, (url, secret)
