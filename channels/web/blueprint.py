"""The blueprint the modules of channels.web register their routes on (their package's
``__init__`` imports them all)."""

from flask import Blueprint

bp = Blueprint("web", __name__)
