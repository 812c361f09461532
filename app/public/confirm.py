"""``/correo/confirmar/<token>``: the resident confirms the email given with a request.

The link went only to that email (in the receipt). Using it proves the address: the request
joins the person record with that email (see app/tickets/people.py). A GET only shows what is
being confirmed (mail scanners open links); the button (POST) confirms.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from app.extensions import db, lookup_limit
from app.public.blueprint import bp
from app.tickets.codes import display
from app.tickets.errors import DomainError
from app.tickets.people import confirm_email, ticket_for_email_token
from app.transaction import transaction


@bp.route("/correo/confirmar/<token>", methods=["GET", "POST"])
@lookup_limit
@transaction
def confirm_email_page(token: str):
    try:
        ticket = ticket_for_email_token(db.session, token)
    except DomainError as error:
        return render_template("public/confirm_email.html", error=_(error.message)), 404
    form = FlaskForm()
    if form.validate_on_submit():
        confirm_email(db.session, token)
        return render_template("public/confirm_email.html", code=display(ticket.code), done=True)
    return render_template(
        "public/confirm_email.html",
        form=form,
        code=display(ticket.code),
        category=ticket.category.name,
        filed=ticket.created_at,
        done=ticket.contact.email_confirmed_at is not None,
    )
