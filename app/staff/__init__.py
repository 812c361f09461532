"""Staff workspace: login, counter intake, queue, ticket page, notices, administration."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from app.staff import (  # noqa: E402, F401
    access_log,
    admin,
    anonymize,
    auth,
    counter,
    notices,
    people,
    queue,
    ticket,
)
