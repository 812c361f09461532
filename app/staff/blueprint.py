"""The blueprint the modules of app.staff register their routes on (their package's
``__init__`` imports them all)."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")
