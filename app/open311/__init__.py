"""Open311 GeoReport v2 under ``/open311/v2``: services, requests and tokens in JSON and XML.

Authenticated by ``api_key`` (writes only), so the blueprint is exempt from CSRF.
"""

# Importing the view modules registers their routes on bp.
from app.open311 import views  # noqa: F401
from app.open311.blueprint import bp

__all__ = ["bp"]
