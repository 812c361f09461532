"""What each notification says, in Spanish (Flask-Babel; Spanish is the source language).

Every message carries the ticket's tracking link. SMS copy avoids the accents that force UCS-2
and fits two segments whatever the staff wrote: free text is folded to GSM-7 and shortened by
``sms_text.fit``. Emails go as plain text and HTML.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from app.models import Ticket
from app.notices import sms_text
from app.tickets import codes
from app.tickets.proof import NOTICES, REPLY, WITHDRAW, make_link_token

MUNICIPALITY = "Municipalidad de Peñalolén"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str  # the email's plain-text part, or the SMS body
    html: str | None = None


def tracking_link(ticket_code: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/seguimiento/{ticket_code}"


def access_link(ticket: Ticket, purpose: str) -> str:
    """A signed, expiring link for this ticket and purpose: opening it proves the resident
    received this message (app/tickets/proof.py). Only ever sent to the ticket's contact."""
    return f"{current_app.config['PUBLIC_BASE_URL']}/a/{make_link_token(ticket, purpose)}"


def notices_link(ticket: Ticket) -> str:
    """The signed link that stops this ticket's notices (withdraws consent): in every notice
    emailed to the resident. Only ever sent to the ticket's contact."""
    token = make_link_token(ticket, NOTICES)
    return f"{tracking_link(ticket.code)}/avisos/{token}"


def _email(
    subject: str,
    paragraphs: list[str],
    link: str,
    link_label: str,
    more: tuple[tuple[str, str, str], ...] = (),
    *,
    notices_of: Ticket | None = None,
) -> Rendered:
    """Plain text and HTML; ``more`` are further (lead, link, label) after the main link.
    ``notices_of``: a notice to this ticket's resident, which ends with the way to stop them."""
    footer = _("Este es un mensaje automático; no responda a este correo.")
    if notices_of is not None:
        more = (
            *more,
            (
                _("¿Prefiere no recibir más avisos de esta solicitud? Puede darse de baja."),
                notices_link(notices_of),
                _("Dejar de recibir avisos"),
            ),
        )
    extra = [part for lead, url, label in more for part in (lead, f"{label}: {url}")]
    text = "\n\n".join([*paragraphs, f"{link_label}: {link}", *extra, footer])
    html = render_template(
        "notifications/email.html",
        subject=subject,
        paragraphs=paragraphs,
        link=link,
        link_label=link_label,
        more=more,
        footer=footer,
    )
    return Rendered(subject, text + "\n", html)


# --- residents -------------------------------------------------------------------------------


def received(ticket: Ticket, channel: str, confirm_link: str | None = None) -> Rendered:
    """The receipt. By email it also carries the link that confirms the address (it joins the
    request to the resident's record only if they use it)."""
    code = codes.display(ticket.code)
    link = tracking_link(ticket.code)
    subject = _("Recibimos su solicitud N. %(code)s", code=code)
    if channel == "sms":
        text = _(
            "%(m)s: recibimos su solicitud %(code)s. Para no recibir avisos responda BAJA. "
            "Siga su estado en %(link)s",
            m=MUNICIPALITY,
            code=code,
            link=link,
        )
        return Rendered(subject, text)
    more = []
    if confirm_link:
        more.append(
            (
                _(
                    "Si usted ingresó esta solicitud, confirme su correo: así la Municipalidad la "
                    "reconoce como suya junto a sus otras solicitudes. Si no fue usted, ignore "
                    "este mensaje; su correo no se asociará a nada."
                ),
                confirm_link,
                _("Confirmar mi correo"),
            )
        )
    more.append(
        (
            _("Si ya no la necesita, puede retirarla. El enlace es personal: no lo comparta."),
            access_link(ticket, WITHDRAW),
            _("Retirar mi solicitud"),
        )
    )
    return _email(
        subject,
        [
            _("Hola:"),
            _(
                "La %(m)s recibió su solicitud N. %(code)s (%(category)s) y la derivó a %(dept)s.",
                m=MUNICIPALITY,
                code=code,
                category=ticket.category.name,
                dept=ticket.department.name,
            ),
            _("Con ese número puede seguir su estado en cualquier momento."),
        ],
        link,
        _("Siga su solicitud"),
        tuple(more),
        notices_of=ticket,
    )


def _resident_update(
    ticket: Ticket,
    channel: str,
    subject: str,
    lead: str,
    sms_lead: str,
    body: str,
    tail: str,
    answer_link: str | None = None,
) -> Rendered:
    """A status change or reply the resident should read: the lead, the staff text, the link
    (a signed one when the resident is asked to answer)."""
    link = answer_link or tracking_link(ticket.code)
    if channel == "sms":

        def build(excerpt: str) -> str:
            return " ".join(part for part in (sms_lead, excerpt, tail, link) if part)

        return Rendered(subject, sms_text.fit(build, body))
    label = _("Responda aquí") if answer_link else _("Vea el detalle de su solicitud")
    return _email(subject, [lead, body], link, label, notices_of=ticket)


def info_requested(ticket: Ticket, channel: str, question: str) -> Rendered:
    code = codes.display(ticket.code)
    return _resident_update(
        ticket,
        channel,
        _("Necesitamos más datos sobre su solicitud N. %(code)s", code=code),
        _("Para avanzar con su solicitud N. %(code)s necesitamos que nos responda:", code=code),
        _("%(m)s: necesitamos mas datos sobre su solicitud %(code)s:", m=MUNICIPALITY, code=code),
        question,
        _("Responda a este mensaje o en"),
        access_link(ticket, REPLY),
    )


def public_reply(ticket: Ticket, channel: str, reply: str) -> Rendered:
    code = codes.display(ticket.code)
    return _resident_update(
        ticket,
        channel,
        _("Respuesta a su solicitud N. %(code)s", code=code),
        _("La municipalidad respondió a su solicitud N. %(code)s:", code=code),
        _("%(m)s, solicitud %(code)s:", m=MUNICIPALITY, code=code),
        reply,
        _("Vea"),
    )


def resolved(ticket: Ticket, channel: str, resolution: str) -> Rendered:
    code = codes.display(ticket.code)
    return _resident_update(
        ticket,
        channel,
        _("Su solicitud N. %(code)s fue resuelta", code=code),
        _("Su solicitud N. %(code)s fue resuelta:", code=code),
        _("Su solicitud %(code)s fue resuelta:", code=code),
        resolution,
        _("Detalle:"),
    )


def rejected(ticket: Ticket, channel: str, reason: str) -> Rendered:
    code = codes.display(ticket.code)
    return _resident_update(
        ticket,
        channel,
        _("Su solicitud N. %(code)s no corresponde a la municipalidad", code=code),
        _("Revisamos su solicitud N. %(code)s y no corresponde a la municipalidad:", code=code),
        _("Su solicitud %(code)s no corresponde a la municipalidad:", code=code),
        reason,
        _("Detalle:"),
    )


def duplicate(ticket: Ticket, channel: str, original: Ticket) -> Rendered:  # noqa: ARG001
    # The original's code belongs to whoever filed it: it is never told to this resident.
    code = codes.display(ticket.code)
    link = tracking_link(ticket.code)
    subject = _("Su solicitud N. %(code)s ya estaba ingresada", code=code)
    if channel == "sms":
        text = _(
            "Su solicitud %(code)s es la misma que otra ya ingresada, que la municipalidad esta "
            "atendiendo. Vea %(link)s",
            code=code,
            link=link,
        )
        return Rendered(subject, text)
    return _email(
        subject,
        [
            _(
                "Su solicitud N. %(code)s es la misma que otra ya ingresada, que la "
                "Municipalidad está atendiendo.",
                code=code,
            )
        ],
        link,
        _("Vea el detalle de su solicitud"),
        notices_of=ticket,
    )


def survey(ticket: Ticket, channel: str, survey_link: str) -> Rendered:
    code = codes.display(ticket.code)
    subject = _("¿Cómo evaluaría la atención recibida? Solicitud N. %(code)s", code=code)
    if channel == "sms":
        text = _(
            "Encuesta solicitud %(code)s: responda 4 notas de 1 a 5 (general, trato amable, "
            "claridad, tiempo), ej. 5 4 5 3, y si quiere que deberiamos mejorar.",
            code=code,
        )
        return Rendered(subject, text)
    return _email(
        subject,
        [
            _("Su solicitud N. %(code)s fue resuelta.", code=code),
            _(
                "¿Cómo evaluaría la atención recibida? Su respuesta, de 1 (muy mala) a "
                "5 (muy buena), nos ayuda a mejorar. Toma menos de un minuto."
            ),
        ],
        survey_link,
        _("Responder la encuesta"),
        notices_of=ticket,
    )


def access_code(ticket: Ticket, channel: str, digits: str, minutes: int) -> Rendered:
    """The one-time code someone asked for on the tracking page (app/tickets/access_codes)."""
    code = codes.display(ticket.code)
    subject = _("Su código para la solicitud N. %(code)s", code=code)
    if channel == "sms":
        text = _(
            "%(m)s: su codigo para la solicitud %(code)s es %(digits)s. Vence en %(n)d minutos. "
            "No lo comparta. Si no lo pidio, ignore este mensaje.",
            m=MUNICIPALITY,
            code=code,
            digits=digits,
            n=minutes,
        )
        return Rendered(subject, text)
    return _email(
        subject,
        [
            _(
                "Su código para responder, evaluar o retirar la solicitud N. %(code)s es: "
                "%(digits)s",
                code=code,
                digits=digits,
            ),
            _("Vence en %(n)d minutos. No lo comparta con nadie.", n=minutes),
            _(
                "Si usted no lo pidió, ignore este mensaje: sin el código nadie puede actuar "
                "sobre su solicitud."
            ),
        ],
        f"{tracking_link(ticket.code)}/verificar",
        _("Ingrese el código aquí"),
    )


def target_extended(ticket: Ticket, channel: str, note: str, due_local: str) -> Rendered:
    """A rights request's target was extended once: the new date and why (app.tickets.extension)."""
    code = codes.display(ticket.code)
    return _resident_update(
        ticket,
        channel,
        _("Prórroga del plazo de su solicitud N. %(code)s", code=code),
        _(
            "La Municipalidad amplió el plazo para responder su solicitud N. %(code)s hasta el "
            "%(due)s. El motivo:",
            code=code,
            due=due_local,
        ),
        _(
            "%(m)s: ampliamos el plazo de su solicitud %(code)s hasta el %(due)s. Motivo:",
            m=MUNICIPALITY,
            code=code,
            due=due_local,
        ),
        note,
        _("Vea"),
    )


def withdrawn(ticket: Ticket, channel: str) -> Rendered:
    code = codes.display(ticket.code)
    subject = _("Retiramos su solicitud N. %(code)s", code=code)
    if channel == "sms":
        text = _(
            "%(m)s: retiramos su solicitud %(code)s como lo pidio. Si fue un error, ingrese una "
            "nueva. %(link)s",
            m=MUNICIPALITY,
            code=code,
            link=tracking_link(ticket.code),
        )
        return Rendered(subject, text)
    return _email(
        subject,
        [
            _("Retiramos su solicitud N. %(code)s como lo pidió.", code=code),
            _("Si fue un error, puede ingresar una nueva solicitud."),
        ],
        tracking_link(ticket.code),
        _("Vea el detalle de su solicitud"),
    )


# --- staff (email) ----------------------------------------------------------------------------


def assigned(ticket: Ticket) -> Rendered:
    code = codes.display(ticket.code)
    return _email(
        _("Se le asignó el requerimiento N. %(code)s", code=code),
        [
            _(
                "Se le asignó el requerimiento N. %(code)s (N° interno %(id)s, %(category)s).",
                code=code,
                id=ticket.id,
                category=ticket.category.name,
            ),
            _("Descripción del vecino o vecina: %(text)s", text=ticket.description[:500]),
        ],
        tracking_link(ticket.code),
        _("Vea el seguimiento público"),
    )


CLOCK_LABELS = {"first_response": "primera respuesta", "resolution": "resolución"}


def sla_alert(ticket: Ticket, clock: str, level: str, due_local: str) -> Rendered:
    code = codes.display(ticket.code)
    what = _(CLOCK_LABELS[clock])
    if level == "warning":
        subject = _("Requerimiento N. %(code)s en riesgo: plazo de %(what)s", code=code, what=what)
        lead = _(
            "El requerimiento N. %(code)s lleva el 75 %% de su plazo de %(what)s, que vence el "
            "%(due)s.",
            code=code,
            what=what,
            due=due_local,
        )
    else:
        subject = _("Requerimiento N. %(code)s fuera de plazo de %(what)s", code=code, what=what)
        lead = _(
            "El requerimiento N. %(code)s venció su plazo de %(what)s el %(due)s.",
            code=code,
            what=what,
            due=due_local,
        )
    details = _(
        "N° interno %(id)s · %(category)s · %(dept)s",
        id=ticket.id,
        category=ticket.category.name,
        dept=ticket.department.name,
    )
    return _email(subject, [lead, details], tracking_link(ticket.code), _("Vea el seguimiento"))


def follower_resolved(ticket: Ticket, channel: str, street: str | None, stop_link: str) -> Rendered:
    """To a resident who follows a ticket someone else filed: public facts only (never its
    code, which is the filer's secret, nor what the filer wrote), and the link to stop."""
    topic = ticket.category.name
    subject = _("Se resolvió el problema que usted sigue: %(topic)s", topic=topic)
    new_request = f"{current_app.config['PUBLIC_BASE_URL']}/solicitudes/nueva"
    if street:
        lead = _(
            "La %(m)s marcó como resuelta la solicitud de «%(topic)s» en %(street)s que usted "
            "sigue.",
            m=MUNICIPALITY,
            topic=topic,
            street=street,
        )
    else:
        lead = _(
            "La %(m)s marcó como resuelta la solicitud de «%(topic)s» que usted sigue.",
            m=MUNICIPALITY,
            topic=topic,
        )
    if channel == "sms":
        text = _(
            "%(m)s: se resolvio %(topic)s que usted sigue. Si sigue el problema haga una nueva "
            "solicitud. No seguir: %(link)s",
            m=MUNICIPALITY,
            topic=sms_text.to_gsm(topic),
            link=stop_link,
        )
        return Rendered(subject, text)
    return _email(
        subject,
        [
            _("Hola:"),
            lead,
            _("Si el problema sigue, puede hacer una nueva solicitud."),
        ],
        new_request,
        _("Hacer una nueva solicitud"),
        (
            (
                _("No le enviaremos más avisos de esta solicitud. Si no quiere seguirla:"),
                stop_link,
                _("Dejar de seguir"),
            ),
        ),
    )


TEMPLATES = {
    "follower_resolved": follower_resolved,
    "received": received,
    "info_requested": info_requested,
    "public_reply": public_reply,
    "resolved": resolved,
    "rejected": rejected,
    "duplicate": duplicate,
    "survey": survey,
    "access_code": access_code,
    "withdrawn": withdrawn,
    "target_extended": target_extended,
    "assigned": assigned,
    "sla_warning": sla_alert,
    "sla_breached": sla_alert,
}


def render(name: str, *args, **kwargs) -> Rendered:
    """Render a template in Spanish whatever the current request's language."""
    with force_locale("es"):
        return TEMPLATES[name](*args, **kwargs)
