"""The blueprint the modules of app.staff register their routes on (their package's
``__init__`` imports them all)."""

from flask import Blueprint, url_for

bp = Blueprint("staff", __name__, url_prefix="/staff")


def staff_path(target: str | None) -> str:
    """Where to go back to after a POST: only a path of ours, on one printable line (a CR/LF
    would split the Location header), else the workspace's home."""
    if target and target.startswith("/staff") and target.isprintable() and "\\" not in target:
        return target
    return url_for("staff.home")
