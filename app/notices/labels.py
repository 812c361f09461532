"""How staff read a notification: Spanish labels for its channel, kind, status and failure,
and its recipient masked. Internal codes (``failed``, ``sla_warning``, Twilio error numbers)
never reach a page; the raw provider error stays in the database for engineers."""

from __future__ import annotations

from flask_babel import gettext as _

from app.models import Notification
from app.tickets.errors import N_

CHANNELS = {"sms": N_("SMS"), "email": N_("Correo")}
TEMPLATES = {
    "received": N_("Comprobante de ingreso"),
    "info_requested": N_("Pregunta al vecino o vecina"),
    "public_reply": N_("Respuesta pública"),
    "resolved": N_("Solicitud resuelta"),
    "follower_resolved": N_("Resuelta (a quien la sigue)"),
    "rejected": N_("Solicitud rechazada"),
    "duplicate": N_("Solicitud duplicada"),
    "survey": N_("Encuesta de satisfacción"),
    "target_extended": N_("Prórroga del plazo"),
    "assigned": N_("Asignación a funcionario"),
    "sla_warning": N_("Plazo en riesgo"),
    "sla_breached": N_("Plazo vencido"),
}
STATUSES = {
    "pending": N_("En espera"),
    "sending": N_("Enviándose"),
    "sent": N_("Enviado"),
    "delivered": N_("Entregado"),
    "undelivered": N_("No entregado"),
    "failed": N_("Fallido"),
    "suppressed": N_("No enviado: número dado de baja"),
}
# Why it failed (``Notification.error_kind``, from app/delivery/errors.py).
REASONS = {
    "opted_out": N_("El número pidió no recibir SMS"),
    "rejected": N_("El proveedor rechazó el destinatario (número o correo no válido)"),
    "unavailable": N_("El proveedor no respondió o no estaba disponible"),
    "internal": N_("Error interno al enviar; el equipo técnico tiene el detalle"),
    "blocked": N_("Los datos de la persona están bloqueados (protección de datos)"),
}


def channel_label(notification: Notification) -> str:
    return _(CHANNELS.get(notification.channel, N_("Otro")))


def template_label(notification: Notification) -> str:
    return _(TEMPLATES.get(notification.template, N_("Aviso")))


def status_label(notification: Notification) -> str:
    if notification.status == "suppressed" and notification.error_kind == "blocked":
        return _("No enviado: datos bloqueados")
    return _(STATUSES.get(notification.status, N_("Desconocido")))


def reason_label(notification: Notification) -> str | None:
    if notification.status == "undelivered":
        return _("El operador no pudo entregar el SMS")
    if (
        notification.status not in {"failed", "pending", "suppressed"}
        or not notification.last_error
    ):
        return None
    return _(REASONS.get(notification.error_kind or "", N_("Sin detalle")))


def masked_recipient(notification: Notification) -> str:
    """Enough to recognise it, not to copy it: ``+56 9 •••• 4321``, ``v•••@example.cl``."""
    recipient = notification.recipient or ""
    if notification.channel == "email" and "@" in recipient:
        local, _sep, domain = recipient.partition("@")
        return f"{local[:1]}•••@{domain}"
    prefix = "+56 9" if recipient.startswith("+569") else recipient[:3]
    return f"{prefix} •••• {recipient[-4:]}"
