"""How a sender tells the delivery job what went wrong: try again later, or never."""

from __future__ import annotations


class DeliveryError(Exception):
    def __init__(self, message: str, code: int | str | None = None) -> None:
        super().__init__(message)
        self.code = code


class TransientDeliveryError(DeliveryError):
    """The provider is down, slow or overloaded: retry with backoff."""


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help (invalid number or address): fail now."""


class RecipientOptedOut(PermanentDeliveryError):
    """The number unsubscribed (Twilio 21610): fail now and never text it again."""
