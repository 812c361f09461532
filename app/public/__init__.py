"""Public pages for residents (no login, no personal data)."""

# Importing the view modules registers their routes on bp.
from app.public import access, confirm, data_rights, opinion, photos, survey, views  # noqa: F401
from app.public.blueprint import bp

__all__ = ["bp"]
