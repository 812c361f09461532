"""A plain HTML page describing the API, built from its OpenAPI document (no CDN, no JS):
each operation with a Spanish summary, its parameters, its request body and an example, and
the Open311 door beside it."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.api import api

bp = Blueprint("api_docs", __name__)

# The OpenAPI document keeps the docstrings (English, for programmers); people read these.
SUMMARIES = {
    ("GET", "/api/v1/departments"): _l("Unidades municipales que responden solicitudes."),
    ("GET", "/api/v1/categories"): _l(
        "Temas que se pueden solicitar, con su unidad y sus plazos de respuesta."
    ),
    ("GET", "/api/v1/tickets"): _l(
        "Lista de solicitudes, el plazo más próximo primero; sin datos personales."
    ),
    ("POST", "/api/v1/tickets"): _l(
        "Ingresar una solicitud (clave de API: canal api; sesión de funcionario: mesón o "
        "teléfono). Reintentar con el mismo source_ref no crea otra."
    ),
    ("GET", "/api/v1/tickets/{code}"): _l(
        "Vista pública de una solicitud: estado e historial público, sin datos personales."
    ),
    ("GET", "/api/v1/tickets/{code}/contact"): _l(
        "Datos de contacto de una solicitud: solo sesión de funcionario con necesidad de "
        "conocerlos; queda en el registro de accesos."
    ),
    ("POST", "/api/v1/tickets/{code}/events"): _l(
        "Funcionarios: cambiar el estado, responder públicamente o agregar una nota interna."
    ),
}
WHERE = {"query": _l("consulta"), "path": _l("ruta"), "header": _l("encabezado")}
EXAMPLES = {"string": "texto", "integer": 1, "number": -33.48, "boolean": True}
KNOWN_EXAMPLES = {
    "category": "luminaria",
    "description": "Poste apagado frente a la sede vecinal",
    "address": "Los Presidentes 100",
    "lat": -33.4853,
    "lon": -70.5407,
    "code": "K7M4-QX9P-Z",
    "mobile": "+56961234567",
    "email": "vecina@example.cl",
    "name": "Ana Torres",
    "source_ref": "sistema-externo-123",
}


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _example(spec: dict, schema: dict, name: str = "", depth: int = 0) -> Any:
    schema = _resolve(spec, schema)
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("type") == "object" or "properties" in schema:
        if depth > 2:
            return {}
        return {
            key: _example(spec, value, key, depth + 1)
            for key, value in schema.get("properties", {}).items()
            if not value.get("readOnly")
        }
    if schema.get("type") == "array":
        return [_example(spec, schema.get("items", {}), name, depth + 1)]
    return KNOWN_EXAMPLES.get(name, EXAMPLES.get(schema.get("type", "string"), "texto"))


def _fields(spec: dict, schema: dict) -> list[dict]:
    schema = _resolve(spec, schema)
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "type": _resolve(spec, value).get("type", "object"),
            "required": name in required,
            "description": value.get("description", ""),
            "enum": value.get("enum"),
        }
        for name, value in schema.get("properties", {}).items()
    ]


def _operation(spec: dict, path: str, method: str, operation: dict, shared: list) -> dict:
    parameters = [
        {
            "name": p["name"],
            "where": WHERE.get(p["in"], p["in"]),
            "required": p.get("required", False),
            "type": p.get("schema", {}).get("type", ""),
            "enum": p.get("schema", {}).get("enum"),
            "description": p.get("description", ""),
        }
        for p in [*shared, *operation.get("parameters", [])]
    ]
    body = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
    return {
        "method": method.upper(),
        "path": path,
        "summary": SUMMARIES.get((method.upper(), path)) or operation.get("summary", ""),
        "parameters": parameters,
        "body": _fields(spec, body["schema"]) if body else [],
        "example": json.dumps(_example(spec, body["schema"]), ensure_ascii=False, indent=2)
        if body
        else None,
        "responses": sorted(operation.get("responses", {}).keys()),
    }


@bp.get("/api/v1/docs")
def docs():
    spec = api.spec.to_dict()
    operations = [
        _operation(spec, path, method, operation, methods.get("parameters", []))
        for path, methods in spec.get("paths", {}).items()
        for method, operation in methods.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    return render_template(
        "api/docs.html", spec=spec, operations=operations, yes=_("sí"), no=_("no")
    )
