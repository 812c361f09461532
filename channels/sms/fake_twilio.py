"""A fake Twilio REST API on 127.0.0.1 for the real ``twilio`` client: a test and benchmark
double of the SMS channel's provider (``tests/`` and ``bench/`` both use it; the app never does).

Records every ``Messages.json`` POST (recorded on receipt, like Twilio accepting the message
before its answer can be lost) and answers like Twilio: 201 with a message resource, or an
error. Failure modes can be switched per test, for all requests or a fraction of them:

    with FakeTwilio() as twilio:
        twilio.fail_with("500", every=3)        # every third request answers 500
        twilio.fail_number("+56911111111", "21610")
        ...
        twilio.messages  # list of dicts: To, From/MessagingServiceSid, Body, StatusCallback, sid

Modes: "500" (server error), "timeout" (answers after ``slow_seconds``, nothing accepted),
"accept_then_hang" (accepts the message, then answers only after ``slow_seconds``: the client
times out although Twilio has it), "21610" (recipient unsubscribed, HTTP 400), "21211" (invalid
To number, HTTP 400). ``GET Messages.json?To=...`` lists what was accepted, newest first, as
Twilio does (with ``date_created``).

MMS media: ``add_media(data)`` returns a media URL that answers ``data`` to a GET with the
account's HTTP Basic credentials (``media_auth``; anything else is a 401), ``fail_media(n)``
makes the next ``n`` media GETs answer 500, and ``media_gets`` counts them.
"""

from __future__ import annotations

import base64
import email.utils
import itertools
import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ERRORS = {
    "21610": (400, 21610, "Attempt to send to unsubscribed recipient"),
    "21211": (400, 21211, "The 'To' number is not a valid phone number."),
    "500": (500, 20500, "Internal Server Error"),
}


class FakeTwilio:
    def __init__(self, delay_seconds: float = 0.0, slow_seconds: float = 3.0) -> None:
        self.delay_seconds = delay_seconds  # every accepted message takes this long to answer
        self.slow_seconds = slow_seconds  # how long a "timeout" answer hangs
        self.messages: list[dict] = []
        self.requests = 0
        self.lock = threading.Lock()
        self._mode: itertools.cycle | None = None
        self._every = 1
        self._times: int | None = None
        self._numbers: dict[str, str] = {}
        self._sids = itertools.count(1)
        self.media: dict[str, bytes] = {}
        self.media_auth: tuple[str, str] | None = None
        self.media_gets = 0
        self._media_failures = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.fake = self
        self.server.daemon_threads = True
        # A short poll: shutting the fake down at teardown waits at most this long.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- control -------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def fail_with(
        self, mode: str | tuple[str, ...] | None, every: int = 1, times: int | None = None
    ) -> None:
        """Answer ``mode`` to every ``every``-th Messages POST (None: stop failing), ``times``
        times at most (None: until told otherwise). A tuple of modes takes turns:
        ``("500", "timeout")``."""
        with self.lock:
            modes = (mode,) if isinstance(mode, str) else mode
            self._mode = itertools.cycle(modes) if modes else None
            self._every = every
            self._times = times

    def fail_number(self, number: str, mode: str | None) -> None:
        """Always answer ``mode`` for this recipient (None: accept it again)."""
        with self.lock:
            if mode is None:
                self._numbers.pop(number, None)
            else:
                self._numbers[number] = mode

    def add_media(self, data: bytes, account: str = "AC" + "0" * 32) -> str:
        with self.lock:
            path = f"/2010-04-01/Accounts/{account}/Messages/MM{len(self.media):032x}/Media/ME1"
            self.media[path] = data
        return self.base_url + path

    def fail_media(self, times: int) -> None:
        with self.lock:
            self._media_failures = times

    def _media_answer(self, path: str, authorization: str) -> tuple[int, bytes]:
        with self.lock:
            self.media_gets += 1
            if self._media_failures > 0:
                self._media_failures -= 1
                return 500, b"error"
            if self.media_auth is not None:
                expected = base64.b64encode(":".join(self.media_auth).encode()).decode()
                if authorization != f"Basic {expected}":
                    return 401, b"unauthorized"
            return 200, self.media[path]

    def bodies_to(self, number: str) -> list[str]:
        with self.lock:
            return [m["Body"] for m in self.messages if m["To"] == number]

    def __enter__(self) -> FakeTwilio:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- behaviour ----------------------------------------------------------------------------
    def _decide(self, to: str) -> str | None:
        with self.lock:
            self.requests += 1
            if to in self._numbers:
                return self._numbers[to]
            if self._mode and self.requests % self._every == 0 and self._times != 0:
                if self._times is not None:
                    self._times -= 1
                return next(self._mode)
            return None

    def _accept(self, form: dict[str, str]) -> dict:
        with self.lock:
            sid = f"SM{next(self._sids):032x}"
            created = email.utils.format_datetime(datetime.now(UTC))
            record = {**form, "sid": sid, "status": "queued", "date_created": created}
            self.messages.append(record)
        return record


class _Handler(BaseHTTPRequestHandler):
    """Answers as Twilio would, as the fake (``server.fake``) is told to."""

    # HTTP/1.1 like Twilio's API: the client's connection is kept alive between messages
    # (every answer carries its Content-Length).
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY: the answer goes out as two writes (headers, body); with Nagle's algorithm the
    # body waited for the client's delayed ACK of the headers — 40 ms an answer on a kept-alive
    # connection, which capped the delivery bench at ~20 SMS/s whatever the worker did.
    disable_nagle_algorithm = True

    def log_message(self, *args) -> None:  # quiet
        pass

    def _answer(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        try:
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the "timeout" mode): as intended

    def _hang(self, form: dict[str, str], accept: bool) -> None:
        record = self.server.fake._accept(form) if accept else None
        time.sleep(self.server.fake.slow_seconds)
        if record is None:
            self._answer(503, {"code": 20503, "message": "late", "status": 503})
        else:
            self._answer(201, _resource(record))

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", 0))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if not self.path.endswith("/Messages.json"):
            self._answer(404, {"code": 20404, "message": "Not found", "status": 404})
            return
        mode = self.server.fake._decide(form.get("To", ""))
        if mode in ("timeout", "accept_then_hang"):
            self._hang(form, accept=mode == "accept_then_hang")
            return
        if mode in ERRORS:
            status, code, message = ERRORS[mode]
            self._answer(status, {"code": code, "message": message, "status": status})
            return
        record = self.server.fake._accept(form)
        if self.server.fake.delay_seconds:
            time.sleep(self.server.fake.delay_seconds)
        self._answer(201, _resource(record))

    def do_GET(self) -> None:  # noqa: N802
        url = urlparse(self.path)
        if url.path in self.server.fake.media:
            status, body = self.server.fake._media_answer(
                url.path, self.headers.get("Authorization", "")
            )
            self.send_response(status)
            self.send_header("Content-Type", "image/jpeg" if status == 200 else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        to = parse_qs(url.query).get("To", [None])[0]
        with self.server.fake.lock:
            found = [m for m in self.server.fake.messages if to is None or m["To"] == to]
        page = [_resource(m) for m in reversed(found)]
        self._answer(200, {"messages": page, "next_page_uri": None, "page": 0})


def _resource(record: dict) -> dict:
    return {
        "sid": record["sid"],
        "to": record.get("To"),
        "from": record.get("From"),
        "messaging_service_sid": record.get("MessagingServiceSid"),
        "body": record.get("Body"),
        "status": record.get("status", "queued"),
        "date_created": record.get("date_created"),
        "num_segments": "1",
        "direction": "outbound-api",
    }
