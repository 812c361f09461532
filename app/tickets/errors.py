"""Domain errors: each carries a message for people (Spanish source text, translated by Babel)."""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the conventional name Babel's extractor looks for
    """Mark a message for translation; it is translated where it is shown."""
    return message


class DomainError(Exception):
    """A request the tickets domain refuses. ``message`` is safe to show to the user."""

    message = N_("La operación no está permitida.")

    def __init__(self, message: str | None = None, **details: object) -> None:
        self.message = message or self.message
        self.details = details
        super().__init__(self.message)


class InvalidTransition(DomainError):
    message = N_("La solicitud no puede pasar a ese estado desde su estado actual.")


class PermissionDenied(DomainError):
    message = N_("No tiene permiso para realizar esta acción.")


class StaleTicket(DomainError):
    message = N_(
        "Otra persona modificó esta solicitud mientras usted la editaba. "
        "Revise los cambios y vuelva a intentarlo."
    )


class ValidationFailed(DomainError):
    message = N_("Faltan datos o no son válidos.")


class NotFound(DomainError):
    message = N_("No encontramos lo que buscaba.")
