"""Public pages for residents (no login, no personal data)."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from app.public import access, confirm, data_rights, survey, views  # noqa: E402, F401
