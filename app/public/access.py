"""Proving the resident on the web: the signed links of their messages, one-time codes, and
withdrawing a request (``app/public/grants.py`` keeps what a browser proved)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.extensions import db, limiter, lookup_limit
from app.models import Ticket
from app.public.blueprint import bp
from app.public.forms import CheckCodeForm, SendCodeForm, WithdrawForm
from app.public.grants import browser_proof, grant, may_act
from app.public.views import _ticket_or_404
from app.tickets import DomainError, get_by_code, withdraw
from app.tickets import access_codes as codes_domain
from app.tickets.codes import CodeError, display
from app.tickets.lifecycle import WITHDRAWABLE
from app.tickets.permissions import ProofRequired
from app.tickets.proof import (
    NOTICES,
    REPLY,
    SURVEY,
    VIA_LINK,
    WITHDRAW,
    AccessLinkInvalid,
    needs_proof,
    read_link_token,
)
from app.transaction import transaction
from config.settings import settings

# --- signed links -----------------------------------------------------------------------------


@bp.get("/a/<token>")
@lookup_limit
def access_link(token: str):
    """The link sent in a message to the ticket's contact: it proves this one purpose."""
    try:
        code, purpose = read_link_token(token)
        ticket = get_by_code(db.session, code)
    except DomainError as error:
        return render_template("public/proof_required.html", error=_(error.message)), 404
    except CodeError:
        return render_template(
            "public/proof_required.html", error=_(AccessLinkInvalid.message)
        ), 404
    if purpose == NOTICES:  # its own page: a button, and only the button's POST acts
        return redirect(
            url_for("public.stop_notices", code=display(ticket.code), token=token), code=303
        )
    grant(ticket.code, {purpose}, VIA_LINK)
    flash(_("Confirmamos que es usted. Puede continuar en esta página."))
    anchors = {REPLY: "responder", SURVEY: "encuesta", WITHDRAW: "retirar"}
    target = url_for("public.track_ticket", code=display(ticket.code))
    return redirect(f"{target}#{anchors[purpose]}", code=303)


# --- one-time codes ---------------------------------------------------------------------------


def send_limit() -> str:
    return settings().access_code_send_rate_limit


def check_limit() -> str:
    return settings().access_code_check_rate_limit


def render_verify(ticket: Ticket, check_form=None, error: str | None = None, status: int = 200):
    return render_template(
        "public/verify.html",
        code=display(ticket.code),
        destination=codes_domain.destination(db.session, ticket),
        send_form=SendCodeForm(formdata=None),
        check_form=check_form or CheckCodeForm(formdata=None),
        error=error,
    ), status


@bp.get("/seguimiento/<code>/verificar")
@lookup_limit
def verify(code: str):
    ticket = _ticket_or_404(code)
    if not needs_proof(ticket):
        return redirect(url_for("public.track_ticket", code=display(ticket.code)), code=303)
    return render_verify(ticket)


def _not_sent(error: DomainError, code: str):
    status = 409 if isinstance(error, codes_domain.NoChannelToProve) else 429  # too soon, too many
    return render_verify(_ticket_or_404(code), error=_(error.message), status=status)


@bp.post("/seguimiento/<code>/verificar/enviar")
@limiter.limit(send_limit)
@transaction(on_error=_not_sent)
def send_code(code: str):
    ticket = _ticket_or_404(code)
    form = SendCodeForm()
    if not form.validate_on_submit():
        return render_verify(
            ticket, error=_("El formulario venció. Vuelva a intentarlo."), status=400
        )
    sent_to = codes_domain.issue(db.session, ticket)
    where = (
        _("por SMS al celular %(to)s", to=sent_to.masked)
        if sent_to.channel == "sms"
        else _("por correo a %(to)s", to=sent_to.masked)
    )
    flash(_("Le enviamos un código %(where)s. Escríbalo aquí.", where=where))
    return redirect(url_for("public.verify", code=display(ticket.code)), code=303)


def _not_checked(error: DomainError, code: str):
    ticket = _ticket_or_404(code)
    if isinstance(error, codes_domain.TooManyAttempts):
        return render_verify(ticket, error=_(error.message), status=429)
    form = CheckCodeForm()  # bad format, expired or used
    form.code.errors = [_(error.message)]
    return render_verify(ticket, check_form=form, status=422)


@bp.post("/seguimiento/<code>/verificar")
@limiter.limit(check_limit)
@transaction(on_error=_not_checked)
def check_code(code: str):
    ticket = _ticket_or_404(code)
    form = CheckCodeForm()
    if not form.validate_on_submit():
        return render_verify(ticket, check_form=form, status=422)
    try:
        proof = codes_domain.check(db.session, ticket, form.code.data)
    except codes_domain.WrongAccessCode as error:
        # Not a refusal to roll back: the try counts (the boundary commits it), nothing else.
        form.code.errors.append(_(error.message))
        return render_verify(ticket, check_form=form, status=422)
    grant(ticket.code, proof.purposes, proof.via)
    flash(_("Confirmamos que es usted. Puede continuar en esta página."))
    return redirect(url_for("public.track_ticket", code=display(ticket.code)), code=303)


def proof_required(ticket: Ticket):
    return render_template(
        "public/proof_required.html",
        code=display(ticket.code),
        verify_url=url_for("public.verify", code=display(ticket.code)),
        error=_(ProofRequired.message),
    ), 403


# --- withdrawing ------------------------------------------------------------------------------


def _withdraw_page(ticket: Ticket, form: WithdrawForm, status: int, error: str | None):
    page = render_template(
        "public/withdraw.html", code=display(ticket.code), form=form, error=error
    )
    return page, status


def _not_withdrawn(error: DomainError, code: str):  # a concurrent change closed it meanwhile
    return _withdraw_page(_ticket_or_404(code), WithdrawForm(), 409, _(error.message))


@bp.route("/seguimiento/<code>/retirar", methods=["GET", "POST"])
@lookup_limit
@transaction(on_error=_not_withdrawn)
def withdraw_request(code: str):
    """A confirmation page, then the withdrawal (needs proof, like answering)."""
    ticket = _ticket_or_404(code)
    if not may_act(ticket, WITHDRAW):
        return proof_required(ticket)
    form = WithdrawForm()
    status, error = 200, None
    if ticket.status not in WITHDRAWABLE:
        status, error = 409, _("Esta solicitud ya no está abierta; no se puede retirar.")
    elif request.method == "POST" and not form.validate():
        status, error = 400, _("El formulario venció. Vuelva a intentarlo.")
    elif request.method == "POST":
        withdraw(db.session, ticket, proof=browser_proof(ticket))
        flash(_("Retiramos su solicitud. Gracias por avisarnos."))
        return redirect(url_for("public.track_ticket", code=display(ticket.code)), code=303)
    return _withdraw_page(ticket, form, status, error)
