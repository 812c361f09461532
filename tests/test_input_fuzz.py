"""Hypothesis at the HTML and Twilio doors: the web form, the counter form and the signed SMS
webhook get generated hostile values (tests/fuzzing.py). Every answer is a redirect, the page
again with its errors, or a 4xx; never a 5xx. Whatever was stored carries no character a
database or an XML document would refuse; TwiML answers are well-formed XML."""

from __future__ import annotations

from xml.etree import ElementTree as ET  # noqa: S405 - parsing our own answers in tests

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from app.models import Category, Contact, InboundSms, StaffUser, Ticket
from tests.fuzzing import assert_clean, bounded, form_text, integer_text, no_rate_limits

SMS_URL = "http://testserver/channels/sms/inbound"
EXAMPLES = 40


def maybe(strategy):
    """A field left out, or sent with a generated value."""
    return st.none() | strategy


def form(**fields):
    return st.fixed_dictionaries({name: maybe(value) for name, value in fields.items()}).map(
        lambda data: {k: v for k, v in data.items() if v is not None}
    )


def stored_text_is_clean(session) -> None:
    for ticket in session.scalars(select(Ticket)):
        assert_clean(ticket.description, ticket.address)
    for contact in session.scalars(select(Contact)):
        assert_clean(contact.name, contact.email, contact.mobile, contact.rut)


def category_ids(session) -> list[str]:
    return [str(i) for i in session.scalars(select(Category.id))]


def test_the_web_form_never_fails_on_hostile_values(client, demo):
    valid = category_ids(demo)
    text = form_text | st.just("Poste apagado frente al 123 desde ayer")

    @bounded(EXAMPLES)
    @given(
        data=form(
            category=st.sampled_from(valid) | integer_text | form_text,
            description=text,
            address=form_text,
            lat=st.floats(allow_nan=True).map(str) | form_text,
            lon=st.floats(allow_nan=True).map(str) | form_text,
            name=form_text,
            email=form_text,
            mobile=form_text,
            consent=st.sampled_from(["y", ""]) | form_text,
        ),
        lookup=form_text,
    )
    def check(data, lookup):
        response = client.post("/solicitudes/nueva", data=data)
        assert response.status_code in (303, 400, 422), response.status_code
        tracked = client.get("/seguimiento", query_string={"code": lookup})
        assert tracked.status_code in (200, 301, 302, 400, 404, 422), tracked.status_code

    with no_rate_limits():
        check()
    stored_text_is_clean(demo)


def test_the_counter_form_never_fails_on_hostile_values(client, demo, login):
    login(demo.scalar(select(StaffUser).where(StaffUser.role == "counter")))
    valid = category_ids(demo)

    @bounded(EXAMPLES)
    @given(
        data=form(
            rut=form_text | st.sampled_from(["12.345.678-5", "12345678-K", "1-9"]),
            name=form_text,
            mobile=form_text | st.just("+56 9 8765 4321"),
            email=form_text,
            consent=st.sampled_from(["y", ""]),
            source=st.sampled_from(["counter", "phone"]) | form_text,
            category=st.sampled_from(valid) | integer_text | form_text,
            description=form_text | st.just("Pide poda del árbol frente a su casa"),
            address=form_text,
        ),
        search=form_text,
    )
    def check(data, search):
        response = client.post("/staff/counter", data=data)
        assert response.status_code in (303, 400, 422), response.status_code
        found = client.get("/staff/counter", query_string={"buscar": search})
        assert found.status_code in (200, 400), found.status_code

    check()
    stored_text_is_clean(demo)


def test_the_sms_webhook_never_fails_on_hostile_parameters(client, demo):
    sids = st.from_regex(r"\ASM[0-9a-f]{32}\Z") | form_text
    senders = st.sampled_from(["+56987654321", "+56911111111"]) | integer_text | form_text

    @bounded(EXAMPLES)
    @given(
        params=form(
            From=senders,
            MessageSid=sids,
            Body=form_text | st.just("Hay un poste apagado en mi pasaje"),
            To=form_text,
            NumMedia=integer_text | form_text,
            MediaUrl0=form_text,
            OptOutType=st.just("STOP") | form_text,
        )
    )
    def check(params):
        signature = RequestValidator("test-auth-token").compute_signature(SMS_URL, params)
        response = client.post(
            "/channels/sms/inbound", data=params, headers={"X-Twilio-Signature": signature}
        )
        assert response.status_code in (200, 400), response.status_code
        if response.status_code == 200:
            ET.fromstring(response.get_data())  # noqa: S314 - TwiML must be well-formed

    check()
    for sms in demo.scalars(select(InboundSms)):
        assert_clean(sms.message_sid, sms.sender, sms.body, sms.reply)
    stored_text_is_clean(demo)
