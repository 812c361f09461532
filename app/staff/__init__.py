"""Staff workspace: login, counter intake, queue, ticket page, notices, administration."""

# Importing the view modules registers their routes on bp.
from app.staff import access_log, admin, auth, counter, notices, people, queue, ticket  # noqa: F401
from app.staff.blueprint import bp

__all__ = ["bp"]
