"""Domain errors: each carries a message for people (Spanish source text, translated by Babel)."""

from __future__ import annotations


class DomainError(Exception):
    """A request the tickets domain refuses. ``message`` is safe to show to the user."""

    message = "La operación no está permitida."

    def __init__(self, message: str | None = None, **details: object) -> None:
        self.message = message or self.message
        self.details = details
        super().__init__(self.message)


class InvalidTransition(DomainError):
    message = "La solicitud no puede pasar a ese estado desde su estado actual."


class PermissionDenied(DomainError):
    message = "No tiene permiso para realizar esta acción."


class StaleTicket(DomainError):
    message = (
        "Otra persona modificó esta solicitud mientras usted la editaba. "
        "Revise los cambios y vuelva a intentarlo."
    )


class ValidationFailed(DomainError):
    message = "Faltan datos o no son válidos."


class NotFound(DomainError):
    message = "No encontramos lo que buscaba."
