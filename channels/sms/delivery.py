"""Sending SMS: through Twilio's REST API, or to the log in development (``SMS_BACKEND``).

``TWILIO_API_BASE_URL`` points the real twilio client at another host (a fake Twilio in tests,
staging and load runs). ``TWILIO_FROM`` is a messaging service SID (``MG...``) or a number.
Every message asks Twilio to report its fate to ``{PUBLIC_BASE_URL}/channels/sms/status``.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from app.delivery.errors import (
    PermanentDeliveryError,
    RecipientOptedOut,
    TransientDeliveryError,
)

log = logging.getLogger(__name__)

OPTED_OUT = 21610  # "Attempt to send to unsubscribed recipient"
# Errors about the recipient or the message itself: retrying would fail the same way.
PERMANENT_CODES = frozenset({21211, 21212, 21408, 21612, 21614, 21617, 21635, 30003, 30005, 30006})


@dataclass(frozen=True)
class SmsResult:
    provider_id: str
    provider_status: str


class SmsSender(Protocol):
    def send(self, to: str, body: str) -> SmsResult: ...

    def find_sent(
        self, to: str, body: str, since: datetime | None = None, skip: Collection[str] = ()
    ) -> SmsResult | None: ...


class ConsoleSmsSender:
    """Development: the message goes to the log, nothing leaves the machine."""

    def send(self, to: str, body: str) -> SmsResult:
        log.info("SMS (console) to %s: %s", to, body)
        return SmsResult(provider_id="", provider_status="console")

    def find_sent(self, to, body, since=None, skip=()) -> SmsResult | None:  # noqa: ARG002
        return None


class TwilioSmsSender:
    def __init__(self, config: dict) -> None:
        http_client = TwilioHttpClient(timeout=float(config["TWILIO_TIMEOUT_SECONDS"]))
        # environment={}: TWILIO_REGION / TWILIO_EDGE from the environment must not reroute us.
        self.client = Client(
            config["TWILIO_ACCOUNT_SID"],
            config["TWILIO_AUTH_TOKEN"],
            http_client=http_client,
            environment={},
        )
        self.client.api.base_url = config["TWILIO_API_BASE_URL"].rstrip("/")
        self.sender = config.get("TWILIO_FROM") or ""
        self.status_callback = f"{config['PUBLIC_BASE_URL']}/channels/sms/status"

    def _origin(self) -> dict[str, str]:
        if self.sender.startswith("MG"):
            return {"messaging_service_sid": self.sender}
        return {"from_": self.sender}

    def send(self, to: str, body: str) -> SmsResult:
        try:
            message = self.client.messages.create(
                to=to, body=body, status_callback=self.status_callback, **self._origin()
            )
        except TwilioRestException as exc:
            raise _classify(exc) from exc
        except requests.RequestException as exc:  # timeout, refused connection, reset
            # Only a failed connect proves the request never left: after that, Twilio may have
            # accepted the message and the answer was lost (a read timeout, a reset).
            raise TransientDeliveryError(
                f"Twilio unreachable: {type(exc).__name__}",
                maybe_sent=not isinstance(exc, requests.ConnectTimeout),
            ) from exc
        return SmsResult(provider_id=message.sid, provider_status=message.status or "queued")

    def find_sent(
        self, to: str, body: str, since: datetime | None = None, skip: Collection[str] = ()
    ) -> SmsResult | None:
        """Did Twilio already accept this message? Asked before sending again whenever an
        earlier attempt ended without an answer (timeout, worker died, commit lost), so such a
        message is recorded rather than sent twice. Messages created before ``since`` and
        those whose sid is in ``skip`` (recorded for other rows) are not it."""
        try:
            for message in self.client.messages.list(to=to, limit=50):
                created = message.date_created
                if message.body != body or message.sid in skip:
                    continue
                if since is not None and created is not None and created < since:
                    continue
                return SmsResult(message.sid, message.status or "queued")
        except (TwilioRestException, requests.RequestException) as exc:
            raise TransientDeliveryError(f"Twilio lookup failed: {exc}") from exc
        return None


def _classify(exc: TwilioRestException) -> Exception:
    text = f"Twilio {exc.status} error {exc.code}: {exc.msg}"
    if exc.code == OPTED_OUT:
        return RecipientOptedOut(text, code=exc.code)
    if exc.code in PERMANENT_CODES or (400 <= exc.status < 500 and exc.status != 429):
        return PermanentDeliveryError(text, code=exc.code)
    # 5xx, 429: the provider's trouble. A 5xx may come after Twilio stored the message.
    return TransientDeliveryError(text, code=exc.code, maybe_sent=exc.status >= 500)


def sender_for(config: dict) -> SmsSender:
    if config.get("SMS_BACKEND") == "twilio":
        return TwilioSmsSender(config)
    return ConsoleSmsSender()
