"""JSON Schemas of GeoReport v2 answers, written from the spec (wiki.open311.org/GeoReport_v2)
in this project's own words. Used by the tests to check what a client written from the spec
would receive.
"""

W3C_DATETIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
NULLABLE_STRING = {"type": ["string", "null"]}
PUBLIC_ID = r"^[0-9a-hjkmnp-tv-z]{12}$"

ERRORS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        "additionalProperties": False,
    },
}

DISCOVERY = {
    "type": "object",
    "required": ["changeset", "contact", "key_service", "endpoints"],
    "properties": {
        "changeset": {"type": "string", "pattern": W3C_DATETIME},
        "contact": {"type": "string"},
        "key_service": {"type": "string"},
        "endpoints": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["specification", "url", "changeset", "type", "formats"],
                "properties": {
                    "specification": {"type": "string"},
                    "url": {"type": "string"},
                    "changeset": {"type": "string", "pattern": W3C_DATETIME},
                    "type": {"enum": ["production", "test"]},
                    "formats": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}

SERVICES = {
    "type": "array",
    "items": {
        "type": "object",
        "required": [
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        ],
        "properties": {
            "service_code": {"type": "string", "minLength": 1},
            "service_name": {"type": "string"},
            "description": {"type": "string"},
            "metadata": {"type": "boolean"},
            "type": {"enum": ["realtime", "batch", "blackbox"]},
            "keywords": {"type": "string"},
            "group": {"type": "string"},
        },
    },
}

SERVICE_DEFINITION = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": {"type": "string"},
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "variable",
                    "code",
                    "datatype",
                    "required",
                    "datatype_description",
                    "order",
                    "description",
                ],
                "properties": {
                    "variable": {"type": "boolean"},
                    "code": {"type": "string"},
                    "datatype": {
                        "enum": [
                            "string",
                            "number",
                            "datetime",
                            "text",
                            "singlevaluelist",
                            "multivaluelist",
                        ]
                    },
                    "required": {"type": "boolean"},
                    "datatype_description": {"type": "string"},
                    "order": {"type": "integer"},
                    "description": {"type": "string"},
                    "values": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["key", "name"],
                            "properties": {"key": {"type": "string"}, "name": {"type": "string"}},
                        },
                    },
                },
            },
        },
    },
}

POST_ANSWER = {
    "type": "array",
    "minItems": 1,
    "maxItems": 1,
    "items": {
        "type": "object",
        "required": ["service_request_id", "service_notice", "account_id"],
        "properties": {
            "service_request_id": {"type": "string", "pattern": PUBLIC_ID},
            "token": {"type": "string"},
            "service_notice": NULLABLE_STRING,
            "account_id": NULLABLE_STRING,
        },
    },
}

TOKENS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_request_id", "token"],
        "properties": {
            "service_request_id": {"type": "string", "pattern": PUBLIC_ID},
            "token": {"type": "string", "pattern": PUBLIC_ID},
        },
    },
}

# Every field a GeoReport v2 service request carries here; nothing personal is allowed
# (additionalProperties false): no media_url either (a resident's photo is not a fact). The id
# is the public id (12 lower-case symbols), never the tracking code (K7M4-QX9P-Z).
REQUEST_FIELDS = {
    "service_request_id": {"type": "string", "pattern": PUBLIC_ID},
    "status": {"enum": ["open", "closed"]},
    "status_notes": NULLABLE_STRING,
    "service_name": {"type": "string"},
    "service_code": {"type": "string"},
    "description": NULLABLE_STRING,
    "agency_responsible": NULLABLE_STRING,
    "service_notice": NULLABLE_STRING,
    "requested_datetime": {"type": "string", "pattern": W3C_DATETIME},
    "updated_datetime": {"type": ["string", "null"], "pattern": W3C_DATETIME},
    "expected_datetime": {"type": ["string", "null"], "pattern": W3C_DATETIME},
    "address": NULLABLE_STRING,
    "lat": {"type": ["number", "null"]},
    "long": {"type": ["number", "null"]},
    "media_url": {"type": ["string", "null"]},
    "notes": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["datetime", "type", "description"],
            "properties": {
                "datetime": {"type": "string", "pattern": W3C_DATETIME},
                "type": {"type": "string"},
                "status": {"enum": ["open", "closed", None]},
                "status_label": NULLABLE_STRING,
                "description": NULLABLE_STRING,
            },
            "additionalProperties": False,
        },
    },
}

REQUESTS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": [k for k in REQUEST_FIELDS if k != "notes"],
        "properties": REQUEST_FIELDS,
        "additionalProperties": False,
    },
}
