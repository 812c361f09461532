"""Web channel: residents file requests and answer staff questions through HTML forms."""

# Importing the view modules registers their routes on bp.
from channels.web import views  # noqa: F401
from channels.web.blueprint import bp

__all__ = ["bp"]
