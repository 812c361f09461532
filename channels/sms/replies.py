"""SMS replies in Spanish, written to stay within two segments: accents that force UCS-2
(á í ó ú) are left out, as is common in Chilean SMS; ñ and é are GSM-7 and stay."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from app.notices.sms_text import to_gsm
from app.tickets.codes import display
from config.settings import settings

SENDER = "Municipalidad de Peñalolén"
# Accents that force UCS-2 are folded (é, ñ, ü, ¿, ¡ stay): the outbox's own converter.
gsm = to_gsm


def short_link(code: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/s/{code}"


def local_date(instant: datetime) -> str:
    return instant.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%d-%m-%Y")


def received(code: str, category: str, due: datetime) -> str:
    shown = display(code)
    return gsm(
        f"{SENDER}: recibimos su solicitud {shown} ({category[:40]}). Plazo estimado: "
        f"{local_date(due)}. Para ver su estado responda ESTADO {code} o visite {short_link(shown)}"
    )


def status(code: str, label: str, due: datetime | None, late: bool) -> str:
    shown = display(code)
    when = ""
    if due is not None:
        when = " Fuera de plazo." if late else f" Fecha estimada: {local_date(due)}."
    return gsm(f"Solicitud {shown}: {label}.{when} Detalle: {short_link(shown)}")


def mistyped(text: str) -> str:
    return gsm(
        f"El numero {text[:20]} parece tener un error de tipeo. Revise cada letra y numero "
        "y vuelva a enviar ESTADO y el numero."
    )


def not_found(text: str) -> str:
    return gsm(
        f"No encontramos la solicitud {text[:20]}. Revise el numero o consulte en la OIRS "
        "de la Municipalidad."
    )


def my_tickets(items: list[tuple[str, str]]) -> str:
    if not items:
        return "No tiene solicitudes abiertas enviadas desde este numero."
    listed = ", ".join(f"{display(code)} ({gsm(label)})" for code, label in items[:4])
    more = " y otras" if len(items) > 4 else ""
    return f"Sus solicitudes abiertas: {listed}{more}. Responda ESTADO y el numero para el detalle."


def unavailable() -> str:
    return gsm(
        f"{SENDER}: recibimos su mensaje, pero hoy no podemos registrarlo como solicitud. "
        "Lo revisaremos; tambien puede acudir a la OIRS de la Municipalidad."
    )


def opted_out() -> str:
    return gsm(f"{SENDER}: no le enviaremos mas SMS. Para volver a recibirlos responda ALTA.")


def opted_in() -> str:
    return gsm(
        f"{SENDER}: volvera a recibir SMS sobre sus solicitudes. Para dejarlos responda BAJA."
    )


def help_text() -> str:
    return gsm(
        f"{SENDER}: envie su solicitud al {settings().sms_public_number} contando que pasa y "
        "donde. ESTADO y el numero: ver su solicitud. BAJA: no recibir SMS. "
        f"Web: {current_app.config['PUBLIC_BASE_URL']}"
    )


def too_short() -> str:
    return gsm(
        f"{SENDER}: cuentenos en un mensaje que pasa y donde (calle y numero) y le daremos un "
        "numero de solicitud."
    )


def reply_added(code: str) -> str:
    return gsm(
        f"Gracias. Agregamos su respuesta a la solicitud {display(code)}, que vuelve a estar "
        "en proceso."
    )


def closed_ticket(code: str) -> str:
    return gsm(
        f"La solicitud {display(code)} ya esta cerrada. Si el problema sigue, envie un mensaje "
        "nuevo contando que pasa y donde."
    )


def thanks_for_rating(rating: int) -> str:
    return gsm(
        f"{SENDER}: gracias por evaluar la atencion con un {rating}. "
        "Su opinion nos ayuda a mejorar."
    )
