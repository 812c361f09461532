"""Open311 GET requests: every filter, the window rules, paging, notes, and no personal data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from xml.etree import ElementTree as ET  # noqa: S405 - parsing our own answers in tests

import pytest
from jsonschema import validate
from sqlalchemy import event

from app.models import utcnow
from app.tickets import SYSTEM, Actor, add_comment, resident_reply, transition
from app.tickets.codes import display
from app.tickets.publication import set_public_summary
from tests import open311_schemas as schemas

BASE = "/open311/v2"
NOV_1 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
WINDOW = {"start_date": "2026-10-01T00:00:00-03:00", "end_date": "2026-12-01T00:00:00Z"}
PERSON = {"name": "Gabriela Mistral", "email": "gmistral@example.cl", "mobile": "+56 9 8765 4321"}


def get(client, path="requests.json", **params):
    response = client.get(f"{BASE}/{path}?{urlencode(params, doseq=True)}")
    if response.status_code == 200 and path.endswith(".json"):
        validate(response.json, schemas.REQUESTS)
    return response


def ids(response):
    return [r["service_request_id"] for r in response.json]


@pytest.fixture
def world(session, make_category, make_ticket, make_user):
    """Three tickets in November (luminaria open, bache closed, luminaria with a note), and a
    sensitive one that feeds never show."""
    luminaria = make_category("luminaria")
    bache = make_category("bache")
    social = make_category("asistencia_social", sensitive=True)
    first = make_ticket(
        luminaria,
        now=NOV_1,
        address="Av. Grecia 8735, depto 12",
        lat=-33.481234,
        lon=-70.543219,
    )
    second = make_ticket(bache, now=NOV_1 + timedelta(days=1), **PERSON)
    third = make_ticket(luminaria, now=NOV_1 + timedelta(days=2))
    agent = Actor.staff(make_user("agent", department=bache.department))
    transition(
        session, second, "resolved", agent, body="Bache reparado.", now=NOV_1 + timedelta(days=3)
    )
    transition(session, second, "closed", SYSTEM, now=NOV_1 + timedelta(days=10))
    set_public_summary(session, second, agent, "Bache en la calzada, reparado por la cuadrilla.")
    hidden = make_ticket(
        social, now=NOV_1 + timedelta(days=1), description="Mi familia quedó sin trabajo."
    )
    head = Actor.staff(make_user("head", department=luminaria.department))
    add_comment(session, third, head, "La cuadrilla irá el jueves.", now=NOV_1 + timedelta(days=2))
    resident_reply(
        session, third, "Mi teléfono es +56 9 8765 4321", proof=None, now=NOV_1 + timedelta(days=2)
    )
    session.commit()
    return {
        "first": first.public_id,
        "second": second.public_id,
        "third": third.public_id,
        "hidden": hidden.public_id,
        "codes": [display(t.code) for t in (first, second, third, hidden)],
    }


def test_requests_in_a_window_come_newest_first(client, world):
    response = get(client, **WINDOW)
    assert ids(response) == [world["third"], world["second"], world["first"]]
    first = response.json[2]
    assert first["status"] == "open"
    assert first["address"] == "Av. Grecia"  # the street, without its number
    assert (first["lat"], first["long"]) == (-33.481, -70.543)  # about 100 m
    assert first["description"] is None  # the resident's text is never published
    assert first["requested_datetime"] == "2026-11-01T09:00:00-03:00"  # Santiago, summer time
    assert first["expected_datetime"].endswith("-03:00")
    assert first["agency_responsible"] == "Dirección D_LUMINARIA"
    assert first["service_code"] == "luminaria"
    assert "notes" not in first


def test_status_notes_say_the_status_and_description_is_the_approved_summary(client, world):
    by_id = {r["service_request_id"]: r for r in get(client, **WINDOW).json}
    second = by_id[world["second"]]
    assert second["status"] == "closed"
    assert second["status_notes"] == "Cerrada"
    assert second["description"] == "Bache en la calzada, reparado por la cuadrilla."
    # Staff wrote to the resident, but nobody approved a summary: no text is published.
    assert by_id[world["third"]]["status_notes"] == "Recibida"
    assert by_id[world["third"]]["description"] is None


def test_tickets_of_a_sensitive_category_are_in_no_feed(client, world):
    assert world["hidden"] not in ids(get(client, **WINDOW))
    assert ids(get(client, service_request_id=world["hidden"])) == []
    assert get(client, service_code="asistencia_social", **WINDOW).json == []
    for path in (f"requests/{world['hidden']}.json", f"tokens/{world['hidden']}.json"):
        response = client.get(f"{BASE}/{path}")
        assert response.status_code == 404
        validate(response.json, schemas.ERRORS)


def test_service_request_id_overrides_every_other_filter(client, world):
    response = get(
        client,
        service_request_id=f"{world['first']}, {world['second'].upper()}",
        service_code="nada",
        status="closed",
        start_date="2026-01-01T00:00:00Z",
        end_date="2026-02-01T00:00:00Z",
    )
    assert sorted(ids(response)) == sorted([world["first"], world["second"]])


def test_a_malformed_service_request_id_is_400(client, world):
    assert get(client, service_request_id="K7M4-QX9P-Z,xyz").status_code == 400


def test_service_code_takes_a_comma_list(client, world):
    assert ids(get(client, service_code="bache", **WINDOW)) == [world["second"]]
    assert len(get(client, service_code="bache,luminaria", **WINDOW).json) == 3
    assert get(client, service_code="nada", **WINDOW).json == []


def test_status_filter(client, world):
    assert ids(get(client, status="closed", **WINDOW)) == [world["second"]]
    assert ids(get(client, status="open", **WINDOW)) == [world["third"], world["first"]]
    assert len(get(client, status="open,closed", **WINDOW).json) == 3
    assert get(client, status="pending", **WINDOW).status_code == 400


def test_dates_bound_the_filing_instant(client, world):
    only_second = {
        "start_date": "2026-11-02T00:00:00-03:00",
        "end_date": "2026-11-02T23:59:59-03:00",
    }
    assert ids(get(client, **only_second)) == [world["second"]]
    # One bound alone means 90 days from (or up to) it.
    assert len(get(client, start_date="2026-10-15T00:00:00Z").json) == 3
    assert len(get(client, end_date="2026-11-02T00:00:00Z").json) == 1


def test_the_default_window_is_the_last_90_days(client, make_ticket):
    recent = make_ticket(now=utcnow() - timedelta(days=89))
    make_ticket(now=utcnow() - timedelta(days=91))
    assert ids(get(client)) == [recent.public_id]


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2026-11-01"},  # a date without a time
        {"start_date": "2026-11-01T10:00:00"},  # no zone
        {"end_date": "ayer"},
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-02T00:00:00Z"},  # 91 days
        {"start_date": "2026-11-02T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"},  # backwards
        {"page": "0"},
        {"page_size": "1001"},
        {"extensions": "quizás"},
    ],
)
def test_bad_parameters_are_400(client, world, params):
    response = get(client, **params)
    assert response.status_code == 400
    validate(response.json, schemas.ERRORS)


def test_a_span_of_exactly_90_days_is_fine(client, world):
    span = {"start_date": "2026-09-03T00:00:00Z", "end_date": "2026-12-02T00:00:00Z"}
    assert get(client, **span).status_code == 200


def test_paging_extension(client, world):
    pages = [ids(get(client, page=n, page_size=2, **WINDOW)) for n in (1, 2, 3)]
    assert pages == [[world["third"], world["second"]], [world["first"]], []]


def test_extensions_add_the_public_timeline_without_residents_replies(client, world):
    response = get(client, extensions="true", **WINDOW)
    by_id = {r["service_request_id"]: r for r in response.json}
    second = by_id[world["second"]]["notes"]
    assert [n["type"] for n in second] == ["created", "status_changed", "status_changed"]
    assert [n["status"] for n in second] == ["open", "closed", "closed"]
    # Set words, never what staff wrote to the resident.
    assert [n["description"] for n in second] == [
        "Solicitud recibida.",
        "Cambio de estado: Resuelta.",
        "Cambio de estado: Cerrada.",
    ]
    third = by_id[world["third"]]["notes"]
    # The resident's reply is not here at all; the staff answer only as a fact.
    assert [n["type"] for n in third] == ["created", "comment"]
    assert third[1]["description"] == "La Municipalidad respondió al vecino o vecina."
    assert "Bache reparado." not in response.get_data(as_text=True)
    assert "La cuadrilla" not in response.get_data(as_text=True)


def test_one_request_is_an_array_of_one_read_tolerantly(client, world):
    tolerant = f" {world['first'].upper()} "
    response = get(client, f"requests/{tolerant}.json")
    assert ids(response) == [world["first"]]
    notes = get(client, f"requests/{tolerant}.json", extensions="true").json[0]["notes"]
    assert notes[0]["type"] == "created"
    root = ET.fromstring(client.get(f"{BASE}/requests/{world['first']}.xml").data)  # noqa: S314
    assert root.tag == "service_requests"
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [world["first"]]


def test_a_tracking_code_opens_nothing_in_open311(client, world):
    """The code is the resident's secret: Open311 neither takes it nor gives it."""
    for code in world["codes"][:3]:
        for path in (f"requests/{code}.json", f"tokens/{code}.json", f"requests/{code}.xml"):
            assert client.get(f"{BASE}/{path}").status_code == 404, path
        assert get(client, service_request_id=code).status_code == 400


def test_unknown_requests(client, world):
    assert client.get(f"{BASE}/requests/NOPE.json").status_code == 404
    response = client.get(f"{BASE}/requests/{'0' * 12}.xml")
    assert response.status_code == 404
    assert ET.fromstring(response.data).findtext("error/code") == "404"  # noqa: S314


def test_tokens_resolve_to_the_request(client, world):
    response = client.get(f"{BASE}/tokens/{world['first']}.json")
    validate(response.json, schemas.TOKENS)
    assert response.json == [{"service_request_id": world["first"], "token": world["first"]}]
    root = ET.fromstring(client.get(f"{BASE}/tokens/{world['first']}.xml").data)  # noqa: S314
    assert root.findtext("request/token") == world["first"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_no_get_shows_personal_data(client, world, fmt):
    answers = [
        client.get(f"{BASE}/requests.{fmt}?{urlencode(WINDOW)}&extensions=true"),
        client.get(f"{BASE}/requests/{world['second']}.{fmt}?extensions=true"),
        client.get(f"{BASE}/requests/{world['third']}.{fmt}?extensions=true"),
    ]
    for response in answers:
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        for secret in ("Gabriela", "Mistral", "gmistral", "8765 4321", "987654321", "agent user"):
            assert secret not in text
        assert "head user" not in text
        for code in world["codes"]:
            assert code not in text and code.replace("-", "") not in text
        for resident_text in ("El poste frente a mi casa", "Mi teléfono", "8735", "depto"):
            assert resident_text not in text


def test_the_list_costs_a_fixed_number_of_queries(app, client, session, make_category, make_ticket):
    category = make_category()
    for day in range(30):
        make_ticket(category, now=NOV_1 + timedelta(hours=day))
    session.commit()
    statements = []

    def count(*args, **kwargs):
        statements.append(args[2])

    from app.extensions import db

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = get(client, extensions="true", **WINDOW)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(response.json) == 30
    # tickets (+category, department), timelines, published photos (media_url), and the
    # calendar (closed days, working hours)
    assert len(statements) <= 5, statements


def test_at_most_fifty_ids_at_once(client, world):
    many = ",".join([world["first"]] * 51)
    for fmt in ("json", "xml"):
        response = client.get(f"{BASE}/requests.{fmt}?service_request_id={many}")
        assert response.status_code == 400
        if fmt == "json":
            validate(response.json, schemas.ERRORS)
            assert "50" in response.json[0]["description"]
        else:
            root = ET.fromstring(response.data)  # noqa: S314
            assert root.findtext("error/code") == "400"
    assert ids(get(client, service_request_id=",".join([world["first"]] * 50))) == [world["first"]]


def test_xml_requests_use_the_spec_element_names(client, world):
    response = client.get(f"{BASE}/requests.xml?{urlencode(WINDOW)}&extensions=true")
    assert response.content_type == "text/xml; charset=utf-8"
    root = ET.fromstring(response.data)  # noqa: S314
    assert root.tag == "service_requests"
    request = root.find("request")
    assert [child.tag for child in request] == [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "lat",
        "long",
        "media_url",
        "notes",
    ]
    assert request.find("notes/note/datetime") is not None
    bad = ET.fromstring(client.get(f"{BASE}/requests.xml?start_date=ayer").data)  # noqa: S314
    assert bad.tag == "errors"
    assert bad.findtext("error/code") == "400"
    assert "start_date" in bad.findtext("error/description")


def test_requests_are_rate_limited_with_an_open311_error(app, client, session, make_category):
    make_category()
    session.commit()
    app.config["TRACKING_RATE_LIMIT"] = "2 per minute"
    try:
        responses = [client.get("/open311/v2/requests.xml") for _ in range(3)]
    finally:
        app.config["TRACKING_RATE_LIMIT"] = "60 per minute"
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert b"<errors><error><code>429</code>" in responses[2].data


def test_lookups_by_id_share_one_rate_limit(app, client, world):
    """requests/<id> and tokens/<id> draw on the same budget as the tracking pages: trying ids
    (or codes) on one endpoint after another buys nothing."""
    app.config["TRACKING_RATE_LIMIT"] = "3 per minute"
    try:
        answers = [
            client.get(f"{BASE}/requests/{world['first']}.json"),
            client.get(f"{BASE}/tokens/{world['first']}.xml"),
            client.get(f"/seguimiento/{world['codes'][0]}"),
            client.get(f"{BASE}/requests/{world['second']}.xml"),
            client.get(f"{BASE}/tokens/{world['second']}.json"),
        ]
    finally:
        app.config["TRACKING_RATE_LIMIT"] = "60 per minute"
    assert [r.status_code for r in answers] == [200, 200, 200, 429, 429]
    assert b"<errors><error><code>429</code>" in answers[3].data
    validate(answers[4].json, schemas.ERRORS)
