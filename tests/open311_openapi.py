"""An OpenAPI 3.1 description of this server's GeoReport v2 endpoints, written for the fuzz
tests (schemathesis generates requests from it and checks the answers against it).

GeoReport v2 publishes no OpenAPI document; this one follows the spec
(wiki.open311.org/GeoReport_v2) and the README's decisions (paging extension, ``extensions``,
errors with 400/403/404). Answers are described with the JSON Schemas of
``tests/open311_schemas.py``; XML answers are checked for well-formedness by the tests.
Parameters are described loosely on purpose (plain strings and unbounded integers), so the
generator also sends what a careless client would.
"""

from __future__ import annotations

from typing import Any

from tests import open311_schemas as schemas

FORMAT = {
    "name": "format",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "enum": ["json", "xml"]},
}
JURISDICTION = {"name": "jurisdiction_id", "in": "query", "schema": {"type": "string"}}
ERROR_CODES = ("400", "403", "404")
TEXT_FIELDS = (
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
    "attribute[numero_poste]",
)


def _answers(success: dict[str, Any], *codes: str) -> dict[str, Any]:
    """200, the codes given, 400 (a control character in the URL) and 404 (a format or a
    path that does not exist)."""
    answers = {
        "200": {
            "description": "OK",
            "content": {"application/json": {"schema": success}, "text/xml": {}},
        }
    }
    for code in sorted({"400", "404", *codes}):
        answers[code] = {
            "description": "GeoReport v2 errors",
            "content": {"application/json": {"schema": schemas.ERRORS}, "text/xml": {}},
        }
    return answers


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema or {"type": "string"}}


def document(api_key: str, service_codes: list[str]) -> dict[str, Any]:
    """The description, with ``api_key`` the one valid key and the services that exist."""
    service_code = {"anyOf": [{"enum": service_codes}, {"type": "string"}]}
    post_form = {
        "type": "object",
        "required": ["api_key", "service_code"],
        "properties": {
            "api_key": {"enum": [api_key]},
            "service_code": service_code,
            "lat": {"type": "number"},
            "long": {"type": "number"},
            **{name: {"type": "string"} for name in TEXT_FIELDS},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Conectados GeoReport v2", "version": "2"},
        "paths": {
            "/open311/v2/discovery.{format}": {
                "get": {
                    "parameters": [FORMAT],
                    "responses": _answers(schemas.DISCOVERY),
                }
            },
            "/open311/v2/services.{format}": {
                "get": {
                    "parameters": [FORMAT, JURISDICTION],
                    "responses": _answers(schemas.SERVICES, "404"),
                }
            },
            "/open311/v2/services/{service_code}.{format}": {
                "get": {
                    "parameters": [
                        FORMAT,
                        {**_path("service_code"), "schema": service_code},
                        JURISDICTION,
                    ],
                    "responses": _answers(schemas.SERVICE_DEFINITION, "400", "404"),
                }
            },
            "/open311/v2/requests.{format}": {
                "get": {
                    "parameters": [
                        FORMAT,
                        JURISDICTION,
                        _query("service_request_id"),
                        _query("service_code"),
                        _query("start_date", {"type": "string", "format": "date-time"}),
                        _query("end_date", {"type": "string", "format": "date-time"}),
                        _query("status"),
                        _query("page", {"type": "integer"}),
                        _query("page_size", {"type": "integer"}),
                        _query("extensions", {"type": "boolean"}),
                    ],
                    "responses": _answers(schemas.REQUESTS, "400", "404"),
                },
                "post": {
                    "parameters": [FORMAT],
                    "requestBody": {
                        "required": True,
                        "content": {"application/x-www-form-urlencoded": {"schema": post_form}},
                    },
                    "responses": _answers(schemas.POST_ANSWER, *ERROR_CODES),
                },
            },
            "/open311/v2/requests/{service_request_id}.{format}": {
                "get": {
                    "parameters": [
                        FORMAT,
                        _path("service_request_id"),
                        JURISDICTION,
                        _query("extensions", {"type": "boolean"}),
                    ],
                    "responses": _answers(schemas.REQUESTS, "400", "404"),
                }
            },
            "/open311/v2/tokens/{token}.{format}": {
                "get": {
                    "parameters": [FORMAT, _path("token"), JURISDICTION],
                    "responses": _answers(schemas.TOKENS, "400", "404"),
                }
            },
        },
    }
