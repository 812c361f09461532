"""HTML forms of the web channel (WTForms, CSRF-protected). Labels are Spanish source text."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.inputs import bounded_int
from app.photos.uploads import photos_field
from app.tickets.consent import WEB_CONSENT_TEXT, WITHDRAWAL_HINT
from app.tickets.service import MAX_DESCRIPTION


class NewRequestForm(FlaskForm):
    category = SelectField(
        _l("¿Sobre qué es su solicitud?"),
        coerce=bounded_int,
        validate_choice=False,  # checked below, with a message in Spanish
        validators=[DataRequired(_l("Elija el tema de su solicitud."))],
    )
    description = TextAreaField(
        _l("Describa su solicitud"),
        description=_l("Qué pasa y desde cuándo. No escriba datos personales de otras personas."),
        validators=[
            DataRequired(_l("Escriba qué necesita.")),
            Length(
                min=10,
                max=MAX_DESCRIPTION,
                message=_l("La descripción debe tener entre %(min)d y %(max)d caracteres."),
            ),
        ],
    )
    address = StringField(
        _l("Dirección o lugar (opcional)"),
        description=_l("Por ejemplo: Av. Grecia 8735, frente a la plaza."),
        validators=[Optional(), Length(max=300)],
    )
    lat = FloatField(
        _l("Latitud (opcional)"),
        validators=[Optional(), NumberRange(-90, 90, _l("La latitud no es válida."))],
    )
    lon = FloatField(
        _l("Longitud (opcional)"),
        validators=[Optional(), NumberRange(-180, 180, _l("La longitud no es válida."))],
    )
    photos = photos_field()
    photo_location = BooleanField(
        _l("Si una foto guarda el lugar donde se tomó, usarlo como lugar de la solicitud"),
        description=_l("Solo si no escribió coordenadas. La foto se guarda sin ese dato."),
    )
    name = StringField(_l("Nombre (opcional)"), validators=[Optional(), Length(max=200)])
    email = StringField(
        _l("Correo electrónico (opcional)"), validators=[Optional(), Length(max=254)]
    )
    mobile = StringField(
        _l("Celular (opcional)"),
        description=_l("Por ejemplo: 9 8765 4321."),
        validators=[Optional(), Length(max=30)],
    )
    consent = BooleanField(_l(WEB_CONSENT_TEXT), description=_l(WITHDRAWAL_HINT))
    # Honeypot: hidden from people (and from screen readers); bots fill it in.
    website = StringField(_l("No complete este campo"))

    def validate_category(self, field):
        valid = {choice.value for choice in field.choices}
        if field.data not in valid:
            raise ValidationError(_l("Elija el tema de su solicitud."))

    def validate_consent(self, field):
        if field.data and not (self.email.data or self.mobile.data):
            raise ValidationError(_l("Para recibir avisos indique su correo o su celular."))

    def validate_lon(self, field):
        if (self.lat.data is None) != (field.data is None):
            raise ValidationError(_l("Indique latitud y longitud, o ninguna de las dos."))
