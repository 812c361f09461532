"""HTML forms of the web channel (WTForms, CSRF-protected). Labels are Spanish source text."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.forms import LATITUDES, LONGITUDES, CoordinateField
from app.inputs import bounded_int
from app.photos.uploads import photos_field
from app.tickets.consent import WEB_CONSENT_TEXT, WITHDRAWAL_HINT
from app.tickets.service import MAX_DESCRIPTION

NOTICES_YES, NOTICES_NO = "y", "n"


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
    lat = CoordinateField(
        _l("Latitud (opcional)"),
        LATITUDES,
        _l("Escriba la latitud como número entre -56 y -17, por ejemplo -33,4853."),
        description=_l("En Peñalolén es cercana a -33,48. Puede usar coma o punto."),
        validators=[Optional()],
    )
    lon = CoordinateField(
        _l("Longitud (opcional)"),
        LONGITUDES,
        _l("Escriba la longitud como número entre -110 y -66, por ejemplo -70,5380."),
        description=_l("En Peñalolén es cercana a -70,54. Puede usar coma o punto."),
        validators=[Optional()],
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
    consent = RadioField(
        _l(WEB_CONSENT_TEXT),
        choices=[
            SelectChoice(NOTICES_YES, _l("Sí, quiero recibir avisos")),
            SelectChoice(NOTICES_NO, _l("No, no quiero avisos")),
        ],
        validate_choice=False,  # checked below: required only with a mobile or an email
        description=_l(WITHDRAWAL_HINT),
    )
    # Honeypot: hidden from people (and from screen readers); bots fill it in.
    website = StringField(_l("No complete este campo"))

    def validate_category(self, field):
        valid = {choice.value for choice in field.choices}
        if field.data not in valid:
            raise ValidationError(_l("Elija el tema de su solicitud."))

    def validate_consent(self, field):
        contact = (self.email.data or "").strip() or (self.mobile.data or "").strip()
        if field.data not in (NOTICES_YES, NOTICES_NO, None):
            raise ValidationError(_l("Elija si quiere recibir avisos."))
        if field.data is None and contact:
            raise ValidationError(
                _l("Dejó un correo o un celular: elija si quiere recibir avisos o no.")
            )
        if field.data == NOTICES_YES and not contact:
            raise ValidationError(_l("Para recibir avisos indique su correo o su celular."))

    @property
    def wants_notices(self) -> bool:
        return self.consent.data == NOTICES_YES

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        lat, lon = self.lat, self.lon
        if not (lat.errors or lon.errors) and (lat.data is None) != (lon.data is None):
            missing = lon if lon.data is None else lat  # the error goes where it is fixed
            missing.errors.append(_l("Indique latitud y longitud, o ninguna de las dos."))
            valid = False
        return valid


class FollowStopForm(FlaskForm):
    """Stopping to follow a ticket asks for nothing but the click on the confirmation page."""
