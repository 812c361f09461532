"""Staff workspace: login, counter intake, queue, ticket page, notices, administration."""

# Importing the view modules registers their routes on bp.
from app.staff import (  # noqa: F401
    access_log,
    admin,
    anonymize,
    auth,
    counter,
    data_protection,
    diagnoses,
    initiatives,
    notices,
    people,
    photos,
    places,
    practice,
    protocols,
    queue,
    ticket,
)
from app.staff.blueprint import bp

__all__ = ["bp"]
