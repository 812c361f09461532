"""``/privacidad`` (what the municipality holds about residents, why, for how long, who sees
it, how to exercise each right) and the page that stops a ticket's notices (the signed link in
each email notice: reading it shows a button; only the button's POST withdraws consent)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.extensions import db, lookup_limit
from app.public.blueprint import bp
from app.public.forms import StopNoticesForm
from app.public.views import _ticket_or_404
from app.tickets import DomainError
from app.tickets.codes import display
from app.tickets.consent import notices_allowed, withdraw_consent
from app.tickets.proof import NOTICES, VIA_LINK, AccessLinkInvalid, ResidentProof, read_link_token
from app.tickets.rights import RIGHTS, TARGET_DAYS, rights_categories
from app.transaction import transaction

DEFAULT_RETENTION_YEARS = 5
DEFAULT_SMS_RETENTION_DAYS = 180


def retention() -> tuple[int, int]:
    """``(RETENTION_YEARS, SMS_RETENTION_DAYS)`` as configured (the retention job's settings)."""
    config = current_app.config
    years = config.get("RETENTION_YEARS") or DEFAULT_RETENTION_YEARS
    days = config.get("SMS_RETENTION_DAYS") or DEFAULT_SMS_RETENTION_DAYS
    return int(years), int(days)


@bp.get("/privacidad")
def privacy():
    categories = rights_categories(db.session)
    rights = [(right, categories.get(right.code)) for right in RIGHTS]
    years, sms_days = retention()
    return render_template(
        "public/privacy.html",
        rights=rights,
        years=years,
        sms_days=sms_days,
        target_days=TARGET_DAYS,
    )


def _invalid_link():
    return render_template("public/proof_required.html", error=_(AccessLinkInvalid.message)), 404


@bp.route("/seguimiento/<code>/avisos/<token>", methods=["GET", "POST"])
@lookup_limit
@transaction
def stop_notices(code: str, token: str):
    """Withdraw consent to the notices of one ticket. The signed token is the proof: made for
    this ticket and this purpose only (another ticket's, or a reply link's, is refused)."""
    ticket = _ticket_or_404(code)
    try:
        token_code, purpose = read_link_token(token)
    except DomainError as error:  # tampered or expired
        return render_template("public/proof_required.html", error=_(error.message)), 404
    if token_code != ticket.code or purpose != NOTICES:
        return _invalid_link()
    form = StopNoticesForm()
    status, error = 200, None
    if request.method == "POST":
        if not form.validate():
            status, error = 400, _("El formulario venció. Vuelva a intentarlo.")
        else:
            proof = ResidentProof(ticket.code, VIA_LINK, frozenset({NOTICES}))
            withdraw_consent(db.session, ticket, proof=proof)
            flash(_("Listo: no le enviaremos más avisos de esta solicitud."))
            return redirect(url_for("public.track_ticket", code=display(ticket.code)), code=303)
    page = render_template(
        "public/stop_notices.html",
        code=display(ticket.code),
        token=token,
        form=form,
        error=error,
        stopped=not notices_allowed(ticket.contact),
    )
    return page, status
