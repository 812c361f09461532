"""Every SMS fits two segments whatever staff write, and the segment counter is exact."""

import pytest

from app.models import Ticket
from app.notices import sms_text, templates


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("{" * 80, "GSM-7", 1),  # extension characters take two septets
        ("{" * 81, "GSM-7", 2),
        ("ñé¿¡ü" * 32, "GSM-7", 1),  # Spanish letters in the GSM alphabet
        ("á" * 70, "UCS-2", 1),
        ("á" * 71, "UCS-2", 2),
        ("á" * 134, "UCS-2", 2),
        ("á" * 135, "UCS-2", 3),
        ("Cerrado 😀" + "a" * 60, "UCS-2", 1),  # an emoji is two UTF-16 units
        ("Cerrado 😀" + "a" * 61, "UCS-2", 2),
    ],
)
def test_segment_counter(text, encoding, segments):
    measured = sms_text.measure(text)
    assert (measured.encoding, measured.segments) == (encoding, segments)


def test_free_text_is_folded_to_gsm():
    assert sms_text.to_gsm("Calle Ñuñoa N° 1.234, “pasaje” ¿está?") == (
        'Calle Ñuñoa No 1.234, "pasaje" ¿esta?'
    )


WORST_TEXT = "Información pública: " + "á" * 3000 + " y más " + "palabra " * 500
LONG_BASE = "https://conectados.municipalidad-de-penalolen.cl"


@pytest.fixture
def worst_ticket(app, make_ticket, session):
    ticket = make_ticket(description="x" * 4000)
    ticket.code = "ZZZZZZZZZ"
    return ticket


SMS_TEMPLATES = [
    ("received", ()),
    ("info_requested", (WORST_TEXT,)),
    ("public_reply", (WORST_TEXT,)),
    ("resolved", (WORST_TEXT,)),
    ("rejected", (WORST_TEXT,)),
    ("duplicate", ("original",)),
    ("survey", (LONG_BASE + "/encuesta/" + "x" * 80,)),
    ("access_code", ("123456", 10)),
    ("withdrawn", ()),
]
# Messages that carry the resident's signed link (or none) instead of the tracking link.
OWN_LINKS = {"survey": None, "access_code": None, "info_requested": "/a/"}


@pytest.mark.parametrize(("name", "args"), SMS_TEMPLATES, ids=[n for n, _ in SMS_TEMPLATES])
def test_every_sms_template_fits_two_segments(app, worst_ticket, name, args):
    saved = app.config["PUBLIC_BASE_URL"]
    app.config["PUBLIC_BASE_URL"] = LONG_BASE
    try:
        if args == ("original",):
            args = (Ticket(code="YYYYYYYYY"),)
        rendered = templates.render(name, worst_ticket, "sms", *args)
    finally:
        app.config["PUBLIC_BASE_URL"] = saved
    assert sms_text.segments(rendered.text) <= 2, rendered.text
    assert sms_text.is_gsm7(rendered.text)
    link = OWN_LINKS.get(name, "/seguimiento/")
    if link:
        assert f"{LONG_BASE}{link}" in rendered.text


def test_short_staff_text_is_sent_whole(app, worst_ticket):
    rendered = templates.render("resolved", worst_ticket, "sms", "Cambiamos la ampolleta.")
    assert "Cambiamos la ampolleta. Detalle:" in rendered.text
    assert "..." not in rendered.text
