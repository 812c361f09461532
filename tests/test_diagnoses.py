"""The diagnoses (issue 18, parts 1-2), through the real HTTP surface.

External: the attention survey by each channel (signed link, SMS short form, counter QR without
a ticket, web), one answer per ticket, the rate limit, results for staff and aggregates only on
/transparencia. Internal: staff answer once, anonymously (no way from an answer to a person),
and units under DIAGNOSIS_MIN_GROUP answers are hidden.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select

from app.models import (
    AttentionAnswer,
    Department,
    SatisfactionRating,
    StaffAnswer,
    StaffAnswerItem,
    StaffQuestionnaire,
    StaffRespondent,
    StaffUser,
    Ticket,
)
from app.tickets import Actor, transition
from app.tickets.survey import local_day, make_token
from tests.test_sms_inbound import text


def staff(session, email):
    return session.scalar(select(StaffUser).where(StaffUser.email == email))


def admin(session):
    return staff(session, "admin@demo.penalolen.cl")


def resolved_ticket(session, make_ticket=None):
    ticket = session.scalar(select(Ticket).order_by(Ticket.id.desc()))
    transition(session, ticket, "resolved", Actor.staff(admin(session)), body="Reparado.")
    session.commit()
    return ticket


def file_web(client, demo, description="Luminaria apagada en el pasaje Los Olmos"):
    category = demo.scalar(select(Department).where(Department.code == "DOP"))
    from app.models import Category

    luminaria = demo.scalar(select(Category).where(Category.code == "luminaria"))
    client.post("/solicitudes/nueva", data={"category": luminaria.id, "description": description})
    assert category is not None
    return demo.scalar(select(Ticket).order_by(Ticket.id.desc()))


# --- external: by each channel --------------------------------------------------------------


def test_signed_link_records_the_four_scores_once_per_ticket(client, demo):
    file_web(client, demo)
    ticket = resolved_ticket(demo)
    url = f"/encuesta/{make_token(ticket)}"
    page = client.get(url).get_data(as_text=True)
    for question in ("trato amable", "clara", "tiempo", "¿Qué deberíamos mejorar?"):
        assert question in page
    assert "<script" not in page.split("<main")[1]  # no JavaScript needed
    answer = {
        "rating": "4",
        "kindness": "5",
        "clarity": "3",
        "timeliness": "2",
        "comment": "Que avisen antes de venir",
    }
    assert client.post(url, data=answer).status_code == 200
    row = demo.scalar(select(AttentionAnswer))
    assert (row.overall, row.kindness, row.clarity, row.timeliness) == (4, 5, 3, 2)
    assert (row.channel, row.via, row.ticket_id) == ("web", "link", ticket.id)
    assert row.department_id == ticket.department_id
    assert row.category_id == ticket.category_id
    assert row.improve == "Que avisen antes de venir"
    assert row.answered_on == local_day(ticket.resolved_at)
    # One answer per ticket: the link now thanks, a second post changes nothing.
    again = client.post(url, data=answer | {"rating": "1"})
    assert "Gracias" in again.get_data(as_text=True)
    assert demo.query(AttentionAnswer).count() == 1
    assert demo.query(SatisfactionRating).count() == 1
    demo.expire_all()
    assert demo.get(Ticket, ticket.id).status == "closed"


def test_only_the_overall_score_is_required(client, demo):
    file_web(client, demo)
    ticket = resolved_ticket(demo)
    url = f"/encuesta/{make_token(ticket)}"
    refused = client.post(url, data={"kindness": "9"})
    assert refused.status_code == 422
    assert demo.query(AttentionAnswer).count() == 0
    assert client.post(url, data={"rating": "5"}).status_code == 200
    row = demo.scalar(select(AttentionAnswer))
    assert (row.overall, row.kindness, row.improve) == (5, None, None)


def _sms_survey_pending(client, demo, app):
    from app.models import utcnow
    from app.notices.outbox import request_survey

    text(client, "Hay un poste de luz apagado en mi pasaje")
    ticket = resolved_ticket(demo)
    with app.test_request_context():
        request_survey(demo, ticket, utcnow())
    demo.commit()
    return ticket


def test_sms_short_form_four_scores_and_what_to_improve(client, demo, app):
    ticket = _sms_survey_pending(client, demo, app)
    reply = text(client, "5 4 3 2 que atiendan a la hora")
    assert "gracias por evaluar" in reply
    row = demo.scalar(select(AttentionAnswer))
    assert (row.overall, row.kindness, row.clarity, row.timeliness) == (5, 4, 3, 2)
    assert (row.channel, row.via, row.ticket_id) == ("sms", "sms", ticket.id)
    assert row.improve == "que atiendan a la hora"
    # Answered: a second reply is not a second answer.
    text(client, "1 1 1 1")
    assert demo.query(AttentionAnswer).count() == 1


@pytest.mark.parametrize(
    ("body", "scores"),
    [("5", (5, None, None, None)), ("4,5,3,4", (4, 5, 3, 4)), ("3453", (3, 4, 5, 3))],
)
def test_sms_short_form_variants(client, demo, app, body, scores):
    _sms_survey_pending(client, demo, app)
    text(client, body)
    row = demo.scalar(select(AttentionAnswer))
    assert (row.overall, row.kindness, row.clarity, row.timeliness) == scores


def test_a_request_that_starts_with_a_number_is_not_a_rating(client, demo, app):
    _sms_survey_pending(client, demo, app)
    text(client, "3 perros sueltos en la plaza del pasaje Los Olmos", sid="SMdogs")
    assert demo.query(AttentionAnswer).count() == 0
    assert demo.query(Ticket).count() == 2


def test_counter_receipt_and_poster_carry_the_survey_qr(client, demo, login):
    login(staff(demo, "meson@demo.penalolen.cl"))
    poster = client.get("/staff/counter/encuesta").get_data(as_text=True)
    assert "http://testserver/opina/meson" in poster and "<svg" in poster
    from app.models import Category

    luminaria = demo.scalar(select(Category).where(Category.code == "luminaria"))
    client.post(
        "/staff/counter",
        data={
            "source": "counter",
            "category": luminaria.id,
            "description": "Luminaria apagada en la esquina",
        },
    )
    ticket = demo.scalar(select(Ticket))
    from app.tickets.codes import display

    receipt = client.get(f"/staff/counter/comprobante/{display(ticket.code)}").get_data(
        as_text=True
    )
    assert "/opina/meson?tema=luminaria" in receipt
    assert receipt.count("<svg") == 2
    assert ticket.code not in re.search(r"/opina/meson[^<\"]*", receipt).group(0)


def test_counter_visit_without_a_ticket(client, demo):
    page = client.get("/opina/meson?u=oirs")
    assert page.status_code == 200 and "mesón" in page.get_data(as_text=True)
    done = client.post(
        "/opina/meson?u=oirs", data={"rating": "5", "kindness": "5", "comment": "Muy amables"}
    )
    assert "Gracias" in done.get_data(as_text=True)
    row = demo.scalar(select(AttentionAnswer))
    oirs = demo.scalar(select(Department).where(Department.code == "OIRS"))
    assert (row.channel, row.via, row.ticket_id, row.department_id) == (
        "counter",
        "open",
        None,
        oirs.id,
    )
    assert row.category_id is None


def test_web_survey_linked_from_every_public_page(client, demo):
    home = client.get("/").get_data(as_text=True)
    assert 'href="/opina"' in home
    done = client.post("/opina", data={"rating": "2", "timeliness": "1"})
    assert done.status_code == 200
    row = demo.scalar(select(AttentionAnswer))
    assert (row.channel, row.overall, row.timeliness, row.department_id) == ("web", 2, 1, None)
    assert client.get("/opina/nada").status_code == 404


def test_open_survey_is_rate_limited_and_has_a_honeypot(client, demo, app, monkeypatch):
    monkeypatch.setitem(app.config, "SURVEY_RATE_LIMIT", "3 per minute")
    client.post("/opina", data={"rating": "5", "website": "http://spam"})
    assert demo.query(AttentionAnswer).count() == 0  # the bot is thanked, nothing is kept
    for _ in range(2):
        assert client.post("/opina", data={"rating": "5"}).status_code == 200
    assert client.post("/opina", data={"rating": "5"}).status_code == 429
    assert client.get("/opina").status_code == 200  # reading the form is never limited
    assert demo.query(AttentionAnswer).count() == 2


# --- external: results --------------------------------------------------------------------


def seed_answers(demo, count=6, channel="counter", improve="Más sillas en la sala de espera"):
    from app.diagnoses.external import record_open_answer

    for i in range(count):
        record_open_answer(
            demo,
            channel,
            4 + i % 2,
            5,
            4,
            3,
            improve if i == 0 else None,
            department_code="DOP",
        )
    demo.commit()


def test_transparency_shows_aggregates_only(client, demo, app, monkeypatch):
    seed_answers(demo, count=6)
    seed_answers(demo, count=2, channel="web", improve="Texto que no se publica")
    page = client.get("/transparencia").get_data(as_text=True)
    section = page.split('id="encuesta-atencion"')[1].split("Cómo se calculan")[0]
    assert "Encuesta de atención por canal" in section and "mesón" in section
    assert "4,5" in section  # the counter's average of 6 answers
    assert "Menos de 5 respuestas" in section  # the web's 2 answers: count only
    assert "Más sillas" not in page and "Texto que no se publica" not in page


def test_a_hidden_group_cannot_be_worked_out_from_the_other_rows(client, demo):
    """6 answers at the counter and 2 on the web, all about one unit: the unit's row gives the
    total, so publishing the counter's average would give away the web's two answers."""
    seed_answers(demo, count=6)  # overall 4, 5, 4, 5, 4, 5
    for _ in range(2):
        from app.diagnoses.external import record_open_answer

        record_open_answer(demo, "web", 1, 1, 1, 1, None, department_code="DOP")
    demo.commit()
    page = client.get("/transparencia").get_data(as_text=True)
    channels = page.split('id="encuesta-canal"')[1].split("</table>")[0]
    assert "4,5" not in channels  # the counter's average, which would reveal the web's 1
    assert channels.count("Menos de 5 respuestas") == 1  # the web
    assert channels.count("dejaría calcular el promedio") == 1  # the counter, hidden with it
    units = page.split('id="encuesta-unidad"')[1].split("</table>")[0]
    assert "3,6" in units  # the unit's 8 answers: (27 + 2) / 8, a group of 8 is published


def test_heads_see_results_and_tag_open_answers_into_themes(client, demo, login):
    seed_answers(demo, count=6)
    login(staff(demo, "jefatura@demo.penalolen.cl"))
    dashboard = client.get("/staff/dashboard").get_data(as_text=True)
    assert "Encuesta de atención por canal" in dashboard
    listing = client.get("/staff/diagnostico/opiniones").get_data(as_text=True)
    assert "Más sillas en la sala de espera" in listing and "mesón" in listing
    answer = demo.scalar(select(AttentionAnswer).where(AttentionAnswer.improve.is_not(None)))
    tagged = client.post(
        f"/staff/diagnostico/opiniones/{answer.id}/tema", data={"new_theme": "Sala de espera"}
    )
    assert tagged.status_code == 303
    report = client.get("/staff/diagnostico/externo").get_data(as_text=True)
    assert "Diagnóstico externo" in report and "Sala de espera: 1 respuestas" in report
    assert "@media print" in client.get("/static/diagnoses.css").get_data(as_text=True)
    # Counter staff and agents do not read the diagnosis.
    login(staff(demo, "agente@demo.penalolen.cl"))
    assert client.get("/staff/diagnostico/opiniones").status_code == 403


def test_open_answers_show_no_resident_data(client, demo, login):
    file_web(client, demo)
    ticket = resolved_ticket(demo)
    client.post(f"/encuesta/{make_token(ticket)}", data={"rating": "3", "comment": "Más rapidez"})
    login(admin(demo))
    listing = client.get("/staff/diagnostico/opiniones").get_data(as_text=True)
    from app.tickets.codes import display

    assert "Más rapidez" in listing
    assert display(ticket.code) not in listing and ticket.code not in listing
    assert "Luminaria apagada en el pasaje" not in listing  # the request's own text


# --- internal -----------------------------------------------------------------------------


def open_questionnaire(client, demo, login):
    login(admin(demo))
    form = client.get("/staff/admin/diagnostico-interno/nuevo").get_data(as_text=True)
    assert "herramientas" in form and "capacitación" in form  # the default question set
    today = local_day(__import__("app.models", fromlist=["utcnow"]).utcnow())
    saved = client.post(
        "/staff/admin/diagnostico-interno/nuevo",
        data={
            "title": "Diagnóstico interno 2026",
            "opens_on": today.isoformat(),
            "closes_on": (today + timedelta(days=7)).isoformat(),
            "scale_questions": "Las herramientas me sirven\nMi carga es razonable",
            "open_questions": "¿Qué cambiaría?",
        },
    )
    assert saved.status_code == 303
    return demo.scalar(select(StaffQuestionnaire))


def answer_as(client, demo, login, user, scores=(4, 2), text_answer=""):
    login(user)
    questionnaire = demo.scalar(select(StaffQuestionnaire))
    page = client.get("/staff/tickets").get_data(as_text=True)
    assert "Cuestionario interno: responder" in page
    q = questionnaire.questions
    data = {f"q{q[0].id}": str(scores[0]), f"q{q[1].id}": str(scores[1])}
    data[f"q{q[2].id}"] = text_answer
    return client.post("/staff/diagnostico-interno", data=data)


def test_staff_answer_once_and_anonymously(client, demo, login):
    questionnaire = open_questionnaire(client, demo, login)
    agent = staff(demo, "agente@demo.penalolen.cl")
    assert answer_as(client, demo, login, agent, text_answer="Más capacitación").status_code == 303
    page = client.get("/staff/diagnostico-interno").get_data(as_text=True)
    assert "No hay un cuestionario abierto para usted" in page
    assert "Cuestionario interno: responder" not in client.get("/staff/tickets").get_data(
        as_text=True
    )
    # A second answer is refused.
    q = questionnaire.questions
    again = client.post("/staff/diagnostico-interno", data={f"q{q[0].id}": "1"})
    assert again.status_code in (200, 303)
    assert demo.query(StaffAnswer).count() == 1 and demo.query(StaffRespondent).count() == 1

    # No way from the answer to the person: no column names anyone, no time, a random id.
    answer = demo.scalar(select(StaffAnswer))
    columns = {c.key for c in inspect(StaffAnswer).columns}
    assert columns == {"id", "questionnaire_id", "department_id"}
    assert {c.key for c in inspect(StaffAnswerItem).columns} == {
        "answer_id",
        "question_id",
        "score",
        "text",
    }
    assert {c.key for c in inspect(StaffRespondent).columns} == {
        "questionnaire_id",
        "staff_user_id",
    }
    assert re.fullmatch(r"[0-9a-f]{32}", answer.id)
    for table in (StaffAnswer, StaffAnswerItem):
        for column in inspect(table).columns:
            assert not column.foreign_keys or all(
                fk.column.table.name != "staff_users" for fk in column.foreign_keys
            )
    # Nor through the event log or the access trail.
    from app.models import AccessLogEntry, TicketEvent

    assert demo.query(TicketEvent).count() == 0
    assert demo.query(AccessLogEntry).filter(AccessLogEntry.actor_id == agent.id).count() == 0


def test_nothing_in_the_report_follows_the_order_of_answers(client, demo, login, make_user):
    """Ids are random, and open answers are listed alphabetically, never as they came in."""
    open_questionnaire(client, demo, login)
    dop = demo.scalar(select(Department).where(Department.code == "DOP"))
    words = ["Zeta primero", "Mitad", "Alfa al final", "Beta", "Omega"]
    for word in words:
        answer_as(client, demo, login, make_user(role="agent", department=dop), (3, 3), word)
    ids = [a.id for a in demo.scalars(select(StaffAnswer))]
    assert len(set(ids)) == 5 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    login(admin(demo))
    questionnaire = demo.scalar(select(StaffQuestionnaire))
    report = client.get(f"/staff/diagnostico-interno/{questionnaire.id}/informe").text
    positions = [report.index(word) for word in sorted(words)]
    assert positions == sorted(positions)


def test_small_units_are_hidden_in_the_report(client, demo, login, make_user, app, monkeypatch):
    open_questionnaire(client, demo, login)
    dop = demo.scalar(select(Department).where(Department.code == "DOP"))
    oirs = demo.scalar(select(Department).where(Department.code == "OIRS"))
    for _ in range(5):
        answer_as(client, demo, login, make_user(role="agent", department=dop), (5, 5))
    for _ in range(5):
        answer_as(client, demo, login, make_user(role="agent", department=oirs), (1, 1))
    login(admin(demo))
    questionnaire = demo.scalar(select(StaffQuestionnaire))
    url = f"/staff/diagnostico-interno/{questionnaire.id}/informe"
    report = client.get(url).get_data(as_text=True)
    assert dop.name in report and oirs.name in report
    # With a threshold of 6, no unit reaches it: only the totals are shown.
    monkeypatch.setitem(app.config, "DIAGNOSIS_MIN_GROUP", 6)
    report = client.get(url).get_data(as_text=True)
    assert dop.name not in report and oirs.name not in report
    assert "Otras unidades, agrupadas" in report
    # 11 answers, threshold 5, one unit of 1: the rest would be a unit of one, so the smaller
    # shown unit is grouped with it (no subtraction reveals the lonely answer).
    monkeypatch.setitem(app.config, "DIAGNOSIS_MIN_GROUP", 5)
    answer_as(client, demo, login, make_user(role="agent", department=None), (3, 3))
    login(admin(demo))
    report = client.get(url).get_data(as_text=True)
    shown = [name for name in (dop.name, oirs.name) if f"{name} <span" in report]
    assert len(shown) == 1


def test_questionnaire_below_threshold_shows_nothing(client, demo, login):
    open_questionnaire(client, demo, login)
    answer_as(client, demo, login, staff(demo, "agente@demo.penalolen.cl"), text_answer="Secreto")
    login(admin(demo))
    questionnaire = demo.scalar(select(StaffQuestionnaire))
    report = client.get(f"/staff/diagnostico-interno/{questionnaire.id}/informe")
    html = report.get_data(as_text=True)
    assert "Hay menos de 5 respuestas" in html and "Secreto" not in html


def test_questions_are_frozen_once_answered(client, demo, login):
    questionnaire = open_questionnaire(client, demo, login)
    answer_as(client, demo, login, staff(demo, "agente@demo.penalolen.cl"))
    login(admin(demo))
    edited = client.post(
        f"/staff/admin/diagnostico-interno/{questionnaire.id}",
        data={
            "title": "Otro título",
            "opens_on": questionnaire.opens_on.isoformat(),
            "closes_on": questionnaire.closes_on.isoformat(),
            "scale_questions": "Una pregunta nueva",
            "open_questions": "",
        },
    )
    assert edited.status_code == 422
    assert "no se pueden cambiar" in edited.get_data(as_text=True)
    assert client.get("/staff/admin/diagnostico-interno").status_code == 200
    login(staff(demo, "jefatura@demo.penalolen.cl"))
    assert client.get("/staff/admin/diagnostico-interno").status_code == 403


def test_anonymizing_a_ticket_removes_its_survey_text_and_keeps_the_scores(client, demo):
    from app.models import REDACTED
    from app.privacy.anonymize import anonymize_ticket

    file_web(client, demo)
    ticket = resolved_ticket(demo)
    client.post(
        f"/encuesta/{make_token(ticket)}",
        data={"rating": "2", "clarity": "1", "comment": "Soy Florinda, del pasaje 12"},
    )
    anonymize_ticket(demo, ticket, Actor.staff(admin(demo)), "Solicitud de la persona")
    demo.commit()
    row = demo.scalar(select(AttentionAnswer))
    assert row.improve == REDACTED and (row.overall, row.clarity) == (2, 1)
