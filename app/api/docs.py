"""A plain HTML page describing the API, built from its OpenAPI document (no CDN, no JS)."""

from __future__ import annotations

from flask import Blueprint, render_template

from app.api import api

bp = Blueprint("api_docs", __name__)


@bp.get("/api/v1/docs")
def docs():
    spec = api.spec.to_dict()
    operations = [
        (path, method.upper(), operation)
        for path, methods in spec.get("paths", {}).items()
        for method, operation in methods.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    return render_template("api/docs.html", spec=spec, operations=operations)
