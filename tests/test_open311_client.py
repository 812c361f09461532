"""Drive Open311 like an external client: a real HTTP server on 127.0.0.1 and urllib.

services -> POST a request -> GET it back, in JSON and in XML.
"""

from __future__ import annotations

import json
import re
import threading
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen
from xml.etree import ElementTree as ET  # noqa: S405 - parsing our own answers in tests

import pytest
from jsonschema import validate
from werkzeug.serving import make_server

from app.models import ApiKey
from tests import open311_schemas as schemas

KEY = "cnd_external-client-key"


@pytest.fixture
def server(app, session, make_category):
    session.add(ApiKey(name="civic-app", prefix=KEY[:10], key_hash=ApiKey.hash_key(KEY)))
    make_category("graffiti", name="Rayado en muro")
    session.commit()
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}/open311/v2"
    http.shutdown()
    thread.join(timeout=5)


def fetch(url: str, form: dict[str, str] | None = None) -> tuple[int, str, bytes]:
    data = urlencode(form).encode() if form is not None else None
    request = Request(url, data=data)  # noqa: S310 - our own server on 127.0.0.1
    try:
        with urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.headers["Content-Type"], response.read()
    except HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def form(**extra: str) -> dict[str, str]:
    return {
        "api_key": KEY,
        "service_code": "graffiti",
        "address_string": "Av. José Arrieta 8000, Peñalolén",
        "description": "Rayado ofensivo en el muro de la plaza.",
        "email": "vecina@example.cl",
        "first_name": "Ana",
        **extra,
    }


def test_a_client_lists_posts_and_follows_in_json(server):
    status, content_type, body = fetch(f"{server}/services.json")
    assert (status, content_type) == (200, "application/json; charset=utf-8")
    services = json.loads(body)
    validate(services, schemas.SERVICES)
    code = services[0]["service_code"]

    status, _, body = fetch(f"{server}/requests.json", form(service_code=code))
    assert status == 200
    created = json.loads(body)
    validate(created, schemas.POST_ANSWER)
    request_id = created[0]["service_request_id"]

    status, _, body = fetch(f"{server}/requests/{request_id}.json")
    followed = json.loads(body)
    validate(followed, schemas.REQUESTS)
    assert followed[0]["service_request_id"] == request_id
    assert followed[0]["status"] == "open"
    assert b"vecina@example.cl" not in body and b"Ana" not in body

    status, _, body = fetch(f"{server}/requests.json?service_code={code}")
    assert [r["service_request_id"] for r in json.loads(body)] == [request_id]

    # The filer was told the tracking code, once; it opens the resident's tracking page.
    tracking = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]", created[0]["service_notice"])[0]
    assert tracking.encode() not in body
    status, content_type, page = fetch(server.replace("/open311/v2", f"/seguimiento/{tracking}"))
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    assert tracking.encode() in page


def test_a_client_lists_posts_and_follows_in_xml(server):
    status, content_type, body = fetch(f"{server}/services.xml")
    assert (status, content_type) == (200, "text/xml; charset=utf-8")
    code = ET.fromstring(body).findtext("service/service_code")  # noqa: S314

    status, _, body = fetch(f"{server}/requests.xml", form(service_code=code))
    assert status == 200
    request_id = ET.fromstring(body).findtext("request/service_request_id")  # noqa: S314

    status, _, body = fetch(f"{server}/requests/{request_id}.xml")
    root = ET.fromstring(body)  # noqa: S314
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request.findtext("service_request_id") == request_id
    assert request.findtext("status") == "open"
    assert request.findtext("address") == "Av. José Arrieta"  # the street, not the number

    status, _, body = fetch(f"{server}/requests.xml", form(api_key="wrong"))
    assert status == 403
    assert ET.fromstring(body).findtext("error/code") == "403"  # noqa: S314
