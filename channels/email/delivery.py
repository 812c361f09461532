"""Sending email: SMTP (``MAIL_HOST`` set) or the log in development (console backend).

Each message carries a Message-ID derived from the notification (kept on every resend, staff
retries included), so a mail system that sees it twice (after a timeout while the server
answered our DATA, a worker crash or a lost commit) can tell it is the same one.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Protocol

from app.delivery.errors import PermanentDeliveryError, TransientDeliveryError

log = logging.getLogger(__name__)

MESSAGE_ID_DOMAIN = "conectados.penalolen.cl"


class EmailSender(Protocol):
    def send(self, to: str, subject: str, text: str, html: str | None, key: str) -> str: ...


def build_message(config: dict, to: str, subject: str, text: str, html: str | None, key: str):
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    # Deterministic: the same notification always has the same Message-ID.
    message["Message-ID"] = f"<{key}@{MESSAGE_ID_DOMAIN}>"
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


class ConsoleEmailSender:
    def __init__(self, config: dict) -> None:
        self.config = config

    def send(self, to: str, subject: str, text: str, html: str | None, key: str) -> str:
        log.info("Email (console) to %s: %s\n%s", to, subject, text)
        return ""


class _SMTP(smtplib.SMTP):
    """Remembers whether the message itself went out: a failure after that point (no answer
    to the end of DATA) may hide an accepted message."""

    data_sent = False
    accepted = False

    def data(self, msg):
        self.data_sent = True
        return super().data(msg)


class SmtpEmailSender:
    def __init__(self, config: dict) -> None:
        self.config = config

    def send(self, to: str, subject: str, text: str, html: str | None, key: str) -> str:
        config = self.config
        message = build_message(config, to, subject, text, html, key)
        timeout = float(config["MAIL_TIMEOUT_SECONDS"])
        smtp = None
        try:
            smtp = _SMTP(config["MAIL_HOST"], config["MAIL_PORT"], timeout=timeout)
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
            smtp.accepted = True
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            error = f"SMTP refused {to}: {codes}"
            if all(code >= 500 for code in codes):
                raise PermanentDeliveryError(error, code=codes[0]) from exc
            raise TransientDeliveryError(error, code=codes[0]) from exc
        except smtplib.SMTPResponseException as exc:
            error = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
            if 500 <= exc.smtp_code < 600 and exc.smtp_code != 552:
                raise PermanentDeliveryError(error, code=exc.smtp_code) from exc
            raise TransientDeliveryError(error, code=exc.smtp_code) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise TransientDeliveryError(
                f"SMTP unreachable: {type(exc).__name__}",
                maybe_sent=smtp is not None and smtp.data_sent,
            ) from exc
        finally:
            if smtp is not None:
                _close(smtp)
        return message["Message-ID"]


def _close(smtp: _SMTP) -> None:
    """Say goodbye after success (a lost QUIT changes nothing then); just hang up otherwise."""
    if smtp.accepted:
        try:
            smtp.quit()
            return
        except (smtplib.SMTPException, OSError):
            pass
    smtp.close()


def sender_for(config: dict) -> EmailSender:
    if config.get("MAIL_BACKEND") == "smtp":
        return SmtpEmailSender(config)
    return ConsoleEmailSender(config)
