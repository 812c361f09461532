"""Forms on the public tracking pages (WTForms). Labels are Spanish source text."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.tickets.service import MAX_DESCRIPTION


class TrackForm(FlaskForm):
    class Meta:
        csrf = False  # a GET lookup: nothing changes

    code = StringField(
        _l("Número de solicitud"),
        description=_l("Lo encuentra en su comprobante o en el mensaje que le enviamos."),
        validators=[DataRequired(_l("Escriba el número de su solicitud."))],
    )


class ReplyForm(FlaskForm):
    body = TextAreaField(
        _l("Su respuesta"),
        validators=[
            DataRequired(_l("Escriba la información que le pedimos.")),
            Length(max=MAX_DESCRIPTION),
        ],
    )


class SendCodeForm(FlaskForm):
    """ "Enviarme un código": nothing to fill in but the CSRF token."""


class CheckCodeForm(FlaskForm):
    code = StringField(
        _l("Código que le enviamos"),
        description=_l("Son los 6 números del último mensaje que le enviamos."),
        validators=[DataRequired(_l("Escriba el código que le enviamos."))],
    )


class WithdrawForm(FlaskForm):
    """Withdrawing asks for nothing but the click on the confirmation page."""


class StopNoticesForm(FlaskForm):
    """Stopping a ticket's notices asks for nothing but the click on the confirmation page."""
