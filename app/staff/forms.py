"""Staff forms (WTForms; CSRF on every one). Labels are Spanish source text."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.forms import LATITUDES, LONGITUDES, CoordinateField, choices
from app.inputs import bounded_int
from app.photos.uploads import photos_field
from app.tickets.consent import COUNTER_CONSENT_TEXT
from app.tickets.service import MAX_DESCRIPTION
from app.tickets.sla import MAX_TARGET_DAYS, MAX_TARGET_HOURS

MIN_PASSWORD = 10
TARGET_RANGE = _l("Debe estar entre %(min)s y %(max)s.")
ROLE_LABELS = {
    "counter": _l("Mesón"),
    "agent": _l("Agente"),
    "head": _l("Jefatura"),
    "admin": _l("Administración"),
    "privacy": _l("Protección de datos (encargado)"),
}


class LoginForm(FlaskForm):
    email = StringField(
        _l("Correo institucional"), validators=[DataRequired(_l("Escriba su correo."))]
    )
    password = PasswordField(
        _l("Contraseña"), validators=[DataRequired(_l("Escriba su contraseña."))]
    )
    next = HiddenField()


class PasswordChangeForm(FlaskForm):
    current = PasswordField(
        _l("Contraseña actual"), validators=[DataRequired(_l("Escriba su contraseña actual."))]
    )
    new = PasswordField(
        _l("Contraseña nueva"),
        description=_l("Al menos 10 caracteres. Una frase fácil de recordar sirve."),
        validators=[
            DataRequired(_l("Escriba la contraseña nueva.")),
            Length(min=MIN_PASSWORD, message=_l("Debe tener al menos %(min)d caracteres.")),
        ],
    )
    confirm = PasswordField(
        _l("Repita la contraseña nueva"),
        validators=[EqualTo("new", _l("Las contraseñas no coinciden."))],
    )


class CounterForm(FlaskForm):
    rut = StringField(
        _l("RUT"), description=_l("Ejemplo: 12.345.678-5"), validators=[Optional(), Length(max=14)]
    )
    name = StringField(_l("Nombre"), validators=[Optional(), Length(max=200)])
    mobile = StringField(_l("Celular"), validators=[Optional(), Length(max=30)])
    email = StringField(_l("Correo"), validators=[Optional(), Length(max=254)])
    consent = BooleanField(_l(COUNTER_CONSENT_TEXT))
    rut_attested = BooleanField(_l("Vi la cédula de identidad con este RUT"))
    source = RadioField(
        _l("Atención"),
        choices=[
            SelectChoice("counter", _l("Presencial (mesón)")),
            SelectChoice("phone", _l("Llamada telefónica")),
        ],
        default="counter",
    )
    category = SelectField(
        _l("Categoría"),
        coerce=bounded_int,
        validate_choice=False,
        validators=[DataRequired(_l("Elija la categoría."))],
    )
    description = TextAreaField(
        _l("Descripción"),
        validators=[
            DataRequired(_l("Escriba qué necesita la persona.")),
            Length(max=MAX_DESCRIPTION),
        ],
    )
    address = StringField(_l("Dirección o lugar"), validators=[Optional(), Length(max=300)])
    lat = CoordinateField(
        _l("Latitud (opcional)"),
        LATITUDES,
        _l("Escriba la latitud como número entre -56 y -17, por ejemplo -33,4853."),
        description=_l("Con coma o punto, por ejemplo -33,4853."),
        validators=[Optional()],
    )
    lon = CoordinateField(
        _l("Longitud (opcional)"),
        LONGITUDES,
        _l("Escriba la longitud como número entre -110 y -66, por ejemplo -70,5380."),
        description=_l("Con coma o punto, por ejemplo -70,5380."),
        validators=[Optional()],
    )
    photos = photos_field()

    def validate_category(self, field):
        valid = {choice.value for choice in field.choices}
        if field.data not in valid:
            raise ValidationError(_l("Elija la categoría."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        lat, lon = self.lat, self.lon
        if not (lat.errors or lon.errors) and (lat.data is None) != (lon.data is None):
            missing = lon if lon.data is None else lat
            missing.errors.append(_l("Indique latitud y longitud, o ninguna de las dos."))
            valid = False
        return valid

    def validate_rut_attested(self, field):
        if field.data and not self.rut.data:
            raise ValidationError(_l("Para verificar el RUT con la cédula, escríbalo."))

    def validate_consent(self, field):
        if field.data and not (self.email.data or self.mobile.data):
            raise ValidationError(_l("Para enviar avisos se necesita un correo o un celular."))


class PersonForm(FlaskForm):
    """An explicit change to a person record; every change needs its reason."""

    name = StringField(_l("Nombre"), validators=[Optional(), Length(max=200)])
    rut = StringField(
        _l("RUT (con la cédula a la vista)"),
        description=_l("Ejemplo: 12.345.678-5"),
        validators=[Optional(), Length(max=14)],
    )
    consent = BooleanField(_l("Prefiere recibir avisos (se propone al atenderla en el mesón)"))
    remove_mobile = BooleanField(_l("Quitar el celular de este registro"))
    remove_email = BooleanField(_l("Quitar el correo de este registro"))
    reason = StringField(
        _l("Motivo del cambio"),
        description=_l(
            "Por ejemplo: la persona pidió corregir su nombre, con su cédula a la vista."
        ),
        validators=[DataRequired(_l("Indique el motivo del cambio.")), Length(max=300)],
    )


class ActionForm(FlaskForm):
    """One form for every action on a ticket; each action uses the fields it needs."""

    action = HiddenField(validators=[DataRequired()])
    version = IntegerField(validators=[DataRequired()])
    body = TextAreaField(_l("Texto"), validators=[Optional(), Length(max=MAX_DESCRIPTION)])
    assignee = SelectField(_l("Asignar a"), coerce=bounded_int, validate_choice=False)
    category = SelectField(_l("Nueva categoría"), coerce=bounded_int, validate_choice=False)
    original = StringField(
        _l("Número de la solicitud original"), validators=[Optional(), Length(max=20)]
    )


class UserForm(FlaskForm):
    email = StringField(
        _l("Correo"), validators=[DataRequired(), Email(_l("Correo no válido.")), Length(max=254)]
    )
    name = StringField(_l("Nombre"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Rol"), choices=choices(ROLE_LABELS.items()))
    department = SelectField(_l("Unidad"), coerce=bounded_int, validate_choice=False)
    active = BooleanField(_l("Activo"), default=True)
    password = PasswordField(
        _l("Contraseña (dejar en blanco para no cambiarla)"),
        validators=[
            Optional(),
            Length(min=MIN_PASSWORD, message=_l("Debe tener al menos %(min)d caracteres.")),
        ],
    )

    def validate_department(self, field):
        if self.role.data == "admin" and field.data:
            raise ValidationError(_l("Un administrador no pertenece a una unidad."))
        # The data protection officer works on persons, not on a unit's tickets: optional.
        if self.role.data not in ("admin", "privacy") and not field.data:
            raise ValidationError(_l("Elija la unidad del funcionario."))


class DepartmentForm(FlaskForm):
    code = StringField(_l("Código"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Nombre"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(
        _l("Descripción breve (una línea)"), validators=[Optional(), Length(max=2000)]
    )
    description_en = TextAreaField(
        _l("Descripción breve en inglés (opcional)"), validators=[Optional(), Length(max=2000)]
    )
    functions = TextAreaField(
        _l("Qué hace la unidad, en palabras simples"),
        description=_l("Se publica en el directorio. Separe los párrafos con una línea en blanco."),
        validators=[Optional(), Length(max=5000)],
    )
    functions_en = TextAreaField(
        _l("Qué hace la unidad, en inglés (opcional)"), validators=[Optional(), Length(max=5000)]
    )
    address = StringField(_l("Dirección de atención"), validators=[Optional(), Length(max=300)])
    opening_hours = StringField(_l("Horario de atención"), validators=[Optional(), Length(max=300)])
    opening_hours_en = StringField(
        _l("Horario de atención en inglés (opcional)"), validators=[Optional(), Length(max=300)]
    )
    phone = StringField(
        _l("Teléfono institucional"),
        description=_l("Solo números de la unidad, nunca el de una persona."),
        validators=[Optional(), Length(max=40)],
    )
    email = StringField(
        _l("Correo institucional"),
        description=_l("Solo un correo de la unidad, nunca el de una persona."),
        validators=[Optional(), Email(_l("Escriba un correo válido.")), Length(max=254)],
    )
    highlighted = BooleanField(_l("Unidad de Transparencia Focalizada (publica iniciativas)"))
    active = BooleanField(_l("Activa"), default=True)


class CategoryForm(FlaskForm):
    code = StringField(_l("Código"), validators=[DataRequired(), Length(max=48)])
    name = StringField(_l("Nombre para la comunidad"), validators=[DataRequired(), Length(max=200)])
    department = SelectField(
        _l("Unidad"), coerce=bounded_int, validate_choice=False, validators=[DataRequired()]
    )
    description = TextAreaField(
        _l("Descripción en palabras simples"), validators=[Optional(), Length(max=2000)]
    )
    keywords = StringField(
        _l("Palabras clave (separadas por comas)"), validators=[Optional(), Length(max=2000)]
    )
    first_response_hours = IntegerField(
        _l("Plazo de primera respuesta (horas hábiles)"),
        validators=[DataRequired(), NumberRange(1, MAX_TARGET_HOURS, TARGET_RANGE)],
    )
    resolution_days = IntegerField(
        _l("Plazo de resolución (días hábiles)"),
        validators=[DataRequired(), NumberRange(1, MAX_TARGET_DAYS, TARGET_RANGE)],
    )
    sensitive = BooleanField(
        _l(
            "Sensible: sus solicitudes no se publican en Open311 ni en datos abiertos "
            "(asistencia social, discapacidad, salud, reclamos sobre personas)"
        )
    )
    active = BooleanField(_l("Activa"), default=True)


class TemplateForm(FlaskForm):
    kind = SelectField(
        _l("Uso"),
        choices=[
            SelectChoice("reply", _l("Respuesta pública")),
            SelectChoice("ask", _l("Pedir información")),
            SelectChoice("resolve", _l("Resolver")),
            SelectChoice("reject", _l("No corresponde")),
        ],
    )
    title = StringField(_l("Título"), validators=[DataRequired(), Length(max=120)])
    body = TextAreaField(_l("Texto"), validators=[DataRequired(), Length(max=MAX_DESCRIPTION)])


class CalendarForm(FlaskForm):
    workday_start = StringField(
        _l("Inicio de la jornada (HH:MM)"), validators=[DataRequired(), Length(max=5)]
    )
    workday_end = StringField(
        _l("Fin de la jornada (HH:MM)"), validators=[DataRequired(), Length(max=5)]
    )


class ClosedDayForm(FlaskForm):
    day = StringField(_l("Fecha (AAAA-MM-DD)"), validators=[DataRequired(), Length(max=10)])
    reason = StringField(_l("Motivo"), validators=[Optional(), Length(max=200)])


class ApiKeyForm(FlaskForm):
    name = StringField(_l("Nombre de la aplicación"), validators=[DataRequired(), Length(max=100)])
    staff_integration = BooleanField(
        _l(
            "Integración municipal: lista todas las solicitudes con su número de seguimiento "
            "(sin marcar, la clave solo ve las que ingresó ella misma)"
        )
    )


class AccessLogFilterForm(FlaskForm):
    """Filters of the access trail (a GET form: nothing to protect with a CSRF token)."""

    class Meta:
        csrf = False

    persona = StringField(
        _l("Persona"),
        description=_l("RUT, celular o correo, como sea que esté escrito."),
        validators=[Optional(), Length(max=254)],
    )
    funcionario = SelectField(_l("Funcionario"), coerce=bounded_int, validate_choice=False)
    desde = StringField(_l("Desde"), validators=[Optional()])
    hasta = StringField(_l("Hasta"), validators=[Optional()])
    tipo = SelectField(_l("Acción"), validate_choice=False)


# --- data protection (app/staff/data_protection.py) ---------------------------------------------

PRIVACY_REASON_HINT = _l(
    "Por ejemplo, el número de la solicitud de derechos que atiende. Queda en el registro de "
    "accesos."
)


class PrivacySearchForm(FlaskForm):
    query = StringField(
        _l("RUT, celular o correo de la persona"),
        description=_l("Ejemplos: 12.345.678-5, 9 8765 4321, nombre@correo.cl"),
        validators=[DataRequired(_l("Escriba un RUT, un celular o un correo.")), Length(max=254)],
    )


class PrivacyExportForm(FlaskForm):
    output = RadioField(
        _l("Formato"),
        choices=[
            SelectChoice("json", _l("JSON (para llevar los datos a otro servicio)")),
            SelectChoice("csv", _l("CSV (planilla)")),
            SelectChoice("html", _l("Carta para imprimir")),
        ],
        default="json",
        validators=[DataRequired(_l("Elija el formato de la exportación."))],
    )
    reason = StringField(
        _l("Motivo de la exportación"),
        description=PRIVACY_REASON_HINT,
        validators=[DataRequired(_l("Indique el motivo de la exportación.")), Length(max=300)],
    )


class PrivacyRectifyForm(FlaskForm):
    field = SelectField(
        _l("Dato que se rectifica"),
        choices=[
            SelectChoice("name", _l("Nombre")),
            SelectChoice("rut", _l("RUT")),
            SelectChoice("mobile", _l("Celular")),
            SelectChoice("email", _l("Correo")),
        ],
    )
    value = StringField(
        _l("Dato correcto"),
        validators=[DataRequired(_l("Escriba el dato correcto.")), Length(max=254)],
    )
    reason = StringField(
        _l("Motivo de la rectificación"),
        description=PRIVACY_REASON_HINT,
        validators=[DataRequired(_l("Indique el motivo de la rectificación.")), Length(max=300)],
    )


class PrivacyBlockForm(FlaskForm):
    reason = StringField(
        _l("Motivo"),
        description=PRIVACY_REASON_HINT,
        validators=[DataRequired(_l("Indique el motivo.")), Length(max=300)],
    )


class ProtocolForm(FlaskForm):
    body = TextAreaField(
        _l("Protocolo de atención"),
        description=_l(
            "Qué preguntar, qué revisar y qué decir al vecino o vecina sobre los plazos. "
            "Párrafos separados por una línea en blanco; listas con «- » o «1. »; **negrita** y "
            "*cursiva*. Nada más se muestra como formato. Guardar crea una nueva versión; "
            "dejarlo vacío lo retira."
        ),
        validators=[Optional(), Length(max=4000)],
    )
