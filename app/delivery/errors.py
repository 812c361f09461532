"""How a sender tells the delivery job what went wrong: try again later, or never; and whether
the message may have reached the provider anyway (an answer lost on the way back)."""

from __future__ import annotations


class DeliveryError(Exception):
    kind = "internal"  # why it failed, for staff (labels in app/notices/labels.py)

    def __init__(
        self, message: str, code: int | str | None = None, *, maybe_sent: bool = False
    ) -> None:
        super().__init__(message)
        self.code = code
        # True when the request left this machine and no answer came back (a read timeout, a
        # dropped connection after the SMTP DATA): the provider may have accepted it.
        self.maybe_sent = maybe_sent


class TransientDeliveryError(DeliveryError):
    """The provider is down, slow or overloaded: retry with backoff."""

    kind = "unavailable"


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help (invalid number or address): fail now."""

    kind = "rejected"


class RecipientOptedOut(PermanentDeliveryError):
    """The number unsubscribed (Twilio 21610): fail now and never text it again."""

    kind = "opted_out"
