"""Open311 GeoReport v2 under ``/open311/v2``: services, requests and tokens in JSON and XML.

Authenticated by ``api_key`` (writes only), so the blueprint is exempt from CSRF.
"""

from flask import Blueprint

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

from app.open311 import views  # noqa: E402, F401  (routes register themselves on bp)
