"""The blueprint the modules of app.open311 register their routes on (their package's
``__init__`` imports them all)."""

from flask import Blueprint

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
