"""Web channel: residents file requests and answer staff questions through HTML forms."""

from flask import Blueprint

bp = Blueprint("web", __name__)

from channels.web import views  # noqa: E402, F401
