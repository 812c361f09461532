"""Open311 GeoReport v2: a client written from the spec lists services, posts a request and
follows it, in JSON and XML; nothing personal ever comes back from a GET."""

from __future__ import annotations

from xml.etree import ElementTree as ET  # noqa: S405 - parsing our own answers in tests

import pytest
from jsonschema import validate

from app.models import ApiKey, Ticket, utcnow
from app.tickets import codes
from tests import open311_schemas as schemas

API_KEY = "cnd_test-key-for-open311"
BASE = "/open311/v2"
QUESTIONS = [
    {
        "code": "poste",
        "datatype": "string",
        "required": True,
        "description": "Número del poste",
    },
    {
        "code": "tipo",
        "datatype": "singlevaluelist",
        "required": False,
        "description": "¿Qué le pasa?",
        "values": [
            {"key": "apagado", "name": "Apagado"},
            {"key": "intermitente", "name": "Parpadea"},
        ],
    },
    {
        "code": "horario",
        "datatype": "multivaluelist",
        "required": False,
        "description": "¿Cuándo ocurre?",
        "values": [{"key": "noche", "name": "De noche"}, {"key": "dia", "name": "De día"}],
    },
    {"code": "altura", "datatype": "number", "required": False, "description": "Altura (m)"},
    {"code": "desde", "datatype": "datetime", "required": False, "description": "Desde cuándo"},
    {"code": "detalle", "datatype": "text", "required": False, "description": "Más detalles"},
]


@pytest.fixture
def api_key(session):
    key = ApiKey(name="app-311", prefix=API_KEY[:10], key_hash=ApiKey.hash_key(API_KEY))
    session.add(key)
    session.commit()
    return key


@pytest.fixture
def luminaria(make_category, session):
    category = make_category("luminaria", name="Luminaria apagada", attributes=QUESTIONS)
    category.keywords = "luz, poste"
    session.commit()
    return category


@pytest.fixture
def bache(make_category, session):
    category = make_category("bache", name="Bache en la calzada")
    session.commit()
    return category


def valid_form(**overrides):
    form = {
        "api_key": API_KEY,
        "service_code": "luminaria",
        "lat": "-33.4853",
        "long": "-70.5413",
        "description": "El poste de la esquina lleva tres noches apagado.",
        "attribute[poste]": "P-1234",
        "first_name": "Violeta",
        "last_name": "Parra",
        "email": "violeta.parra@example.cl",
        "phone": "9 8765 4321",
        "device_id": "device-xyz",
        "account_id": "cuenta-42",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def post(client, fmt="json", **overrides):
    return client.post(f"{BASE}/requests.{fmt}", data=valid_form(**overrides))


def xml(response) -> ET.Element:
    assert response.content_type.startswith("text/xml")
    assert response.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.data)  # noqa: S314 - our own answer


def error_of(response, status):
    assert response.status_code == status
    validate(response.json, schemas.ERRORS)
    assert response.json[0]["code"] == status
    return " ".join(e["description"] for e in response.json)


# --- discovery and services ------------------------------------------------------------------


def test_discovery_in_json_and_xml(client):
    response = client.get(f"{BASE}/discovery.json")
    validate(response.json, schemas.DISCOVERY)
    assert response.json["endpoints"][0]["url"] == "http://testserver/open311/v2"
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    endpoint = root.find("endpoints/endpoint")
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"


def test_services_list_categories_with_their_department_as_group(
    client, luminaria, bache, make_category
):
    make_category("otro", is_triage=True)
    response = client.get(f"{BASE}/services.json")
    validate(response.json, schemas.SERVICES)
    by_code = {s["service_code"]: s for s in response.json}
    assert set(by_code) == {"luminaria", "bache"}  # the triage category is internal
    assert by_code["luminaria"]["metadata"] is True
    assert by_code["bache"]["metadata"] is False
    assert by_code["luminaria"]["group"] == luminaria.department.name
    assert by_code["luminaria"]["keywords"] == "luz, poste"

    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    service = root.findall("service")[0]
    assert [child.tag for child in service] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert {s.findtext("metadata") for s in root.findall("service")} == {"true", "false"}


def test_service_definition_lists_the_extra_questions(client, luminaria):
    response = client.get(f"{BASE}/services/luminaria.json")
    validate(response.json, schemas.SERVICE_DEFINITION)
    attributes = response.json["attributes"]
    assert [a["code"] for a in attributes] == [q["code"] for q in QUESTIONS]
    assert attributes[0]["required"] is True
    assert attributes[1]["values"] == QUESTIONS[1]["values"]

    root = xml(client.get(f"{BASE}/services/luminaria.xml"))
    assert root.tag == "service_definition"
    attribute = root.findall("attributes/attribute")[1]
    assert attribute.findtext("code") == "tipo"
    assert attribute.findtext("datatype") == "singlevaluelist"
    assert [v.findtext("key") for v in attribute.findall("values/value")] == [
        "apagado",
        "intermitente",
    ]


def test_an_unknown_service_is_404_in_both_formats(client, luminaria):
    error_of(client.get(f"{BASE}/services/nada.json"), 404)
    response = client.get(f"{BASE}/services/nada.xml")
    assert response.status_code == 404
    root = xml(response)
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404"
    assert "nada" in root.findtext("error/description")


def test_the_jurisdiction_is_checked(client, luminaria):
    assert client.get(f"{BASE}/services.json?jurisdiction_id=penalolen.cl").status_code == 200
    assert "penalolen.cl" in error_of(
        client.get(f"{BASE}/services.json?jurisdiction_id=santiago.cl"), 404
    )
    error_of(client.post(f"{BASE}/requests.json", data=valid_form(jurisdiction_id="x.cl")), 404)


# --- POST requests --------------------------------------------------------------------------


def test_post_opens_an_open311_ticket_with_contact_and_answers(client, session, api_key, luminaria):
    response = post(
        client,
        **{
            "attribute[tipo]": "apagado",
            "attribute[horario][]": ["noche", "dia"],
            "attribute[altura]": "7,5",
            "attribute[desde]": "2026-11-20T21:00:00-03:00",
            "media_url": "https://fotos.example.cl/poste.jpg",
        },
    )
    assert response.status_code == 200, response.json
    validate(response.json, schemas.POST_ANSWER)
    answer = response.json[0]
    assert answer["account_id"] == "cuenta-42"
    assert "días hábiles" in answer["service_notice"]

    ticket = session.get(Ticket, session.query(Ticket.id).scalar())
    # Named by its public id; the filer (only) learns the tracking code in the notice.
    assert answer["service_request_id"] == ticket.public_id
    assert answer["service_request_id"] != codes.display(ticket.code)
    assert f"Su número de seguimiento es {codes.display(ticket.code)}" in answer["service_notice"]
    assert ticket.api_key_id == api_key.id
    assert ticket.channel == "open311"
    assert ticket.contact.name == "Violeta Parra"
    assert ticket.contact.mobile == "+56987654321"
    assert ticket.contact.email == "violeta.parra@example.cl"
    assert ticket.attributes == {
        "poste": "P-1234",
        "tipo": "apagado",
        "horario": ["noche", "dia"],
        "altura": 7.5,
        "desde": "2026-11-20T21:00:00-03:00",
    }
    assert ticket.channel_data == {
        "api_key": "app-311",
        "device_id": "device-xyz",
        "account_id": "cuenta-42",
    }
    assert ticket.media_urls == ["https://fotos.example.cl/poste.jpg"]
    session.refresh(api_key)
    assert api_key.last_used_at is not None


def test_post_answers_in_xml(client, api_key, luminaria):
    root = xml(post(client, "xml"))
    assert root.tag == "service_requests"
    assert [c.tag for c in root.find("request")] == [
        "service_request_id",
        "service_notice",
        "account_id",
    ]


@pytest.mark.parametrize("key", [None, "", "cnd_wrong"])
def test_post_without_a_good_api_key_is_403(client, api_key, luminaria, key):
    assert "api_key" in error_of(post(client, api_key=key), 403)


def test_a_revoked_api_key_is_refused(client, session, api_key, luminaria):
    api_key.revoked_at = utcnow()
    session.commit()
    error_of(post(client), 403)
    root = xml(post(client, "xml"))
    assert root.findtext("error/code") == "403"


@pytest.mark.parametrize(
    ("overrides", "mentions"),
    [
        ({"service_code": "nada"}, "service_code"),
        ({"service_code": None}, "service_code"),
        ({"lat": None, "long": None}, "location"),
        ({"long": None}, "lat"),
        ({"lat": "-95"}, "lat"),
        ({"attribute[poste]": None}, "attribute[poste]"),
        ({"attribute[tipo]": "roto"}, "attribute[tipo]"),
        ({"attribute[horario][]": ["noche", "siempre"]}, "attribute[horario]"),
        ({"attribute[altura]": "alto"}, "attribute[altura]"),
        ({"attribute[desde]": "2026-11-20 21:00"}, "attribute[desde]"),
        ({"phone": "12"}, "phone"),
        ({"email": "no-es-correo"}, "email"),
        ({"description": "x" * 4001}, "description"),
        ({"description": ""}, "description"),
        ({"media_url": "ftp://x"}, "media_url"),
    ],
)
def test_post_refuses_bad_input_with_a_400_that_names_the_parameter(
    client, session, api_key, luminaria, overrides, mentions
):
    assert mentions in error_of(post(client, **overrides), 400)
    assert session.query(Ticket).count() == 0


def test_an_address_alone_is_a_location(client, api_key, luminaria, session):
    response = post(client, lat=None, long=None, address_string="Av. Grecia 8735, Peñalolén")
    assert response.status_code == 200
    assert session.query(Ticket).one().address == "Av. Grecia 8735, Peñalolén"
    assert post(client, lat=None, long=None, address_id="ROL-123").status_code == 200


def test_an_anonymous_request_is_accepted(client, api_key, luminaria, session):
    response = post(client, first_name=None, last_name=None, email=None, phone=None)
    assert response.status_code == 200
    assert session.query(Ticket).one().contact is None


def test_post_is_exempt_from_csrf_only_for_open311(app, api_key, luminaria):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert post(app.test_client()).status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_error_descriptions_are_spanish_and_name_the_parameter(client, api_key, luminaria):
    assert error_of(post(client, lat="-95"), 400) == "lat: debe estar entre -90 y 90."
    assert error_of(post(client, service_code=None), 400) == "service_code: falta este dato."
    assert error_of(post(client, long="oeste"), 400) == "long: debe ser un número."
    too_long = error_of(post(client, description="x" * 4001), 400)
    assert too_long == "description: admite como máximo 4000 caracteres."
