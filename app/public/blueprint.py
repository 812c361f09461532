"""The blueprint the modules of app.public register their routes on (their package's
``__init__`` imports them all)."""

from flask import Blueprint

bp = Blueprint("public", __name__)
