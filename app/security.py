"""HTTP hardening: security headers on every answer, no caching of what staff see, and the
rule for proxies (they tell us the client's address, nothing else).

The pages need no inline script or style (templates use static files only), so the policy is
strict: ``default-src 'self'`` with nothing inline, and no framing at all. HSTS is sent in
production only (development and tests run on plain http).
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from config.settings import settings

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    # Tracking URLs carry the code (a secret): never send them to another site.
    "Referrer-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


@lru_cache(maxsize=4)
def content_security_policy(tile_url: str) -> str:
    """The policy, with the map's tile server (``MAP_TILE_URL``) allowed for images only:
    ``{s}`` subdomains become a wildcard host; a tile server on this site needs nothing."""
    parts = urlsplit(tile_url.replace("{s}", "a"))
    if not parts.scheme or not parts.netloc:
        return CONTENT_SECURITY_POLICY
    host = parts.netloc
    if "{s}" in tile_url:
        host = "*." + host.split(".", 1)[1] if "." in host else host
    return f"{CONTENT_SECURITY_POLICY}; img-src 'self' {parts.scheme}://{host}"


def _for_staff_or_a_key() -> bool:
    """Answers that may carry personal data: staff pages, and anything asked with a login or
    an API key (a shared computer's cache or a proxy must not keep them)."""
    if request.path == "/staff" or request.path.startswith("/staff/"):
        return True
    if request.headers.get("X-API-Key") or request.headers.get("Authorization"):
        return True
    return current_user.is_authenticated


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault(
        "Content-Security-Policy", content_security_policy(settings().map_tile_url)
    )
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config["APP_ENV"] == "production":
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if _for_staff_or_a_key():
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    return response


def trust_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXY_HOPS`` proxies, take the client's address from X-Forwarded-For.
    Host, scheme, port and prefix are never taken from headers: absolute URLs (and the Twilio
    signature check) come from ``PUBLIC_BASE_URL``."""
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=0, x_host=0, x_port=0, x_prefix=0)


def warn_if_rate_limits_are_not_shared(app: Flask) -> None:
    """Limits kept in memory are per process: with several web processes each counts alone."""
    storage = app.config["RATELIMIT_STORAGE_URI"]
    workers = app.config["WEB_CONCURRENCY"]
    if not storage.startswith("memory://"):
        return
    production = app.config["APP_ENV"] == "production"
    if production or workers > 1:
        app.logger.warning(
            "Rate limits are kept in memory (%s), per web process (WEB_CONCURRENCY=%d): each "
            "process counts on its own and lets that many times more through. Set REDIS_URL "
            "(or RATELIMIT_STORAGE_URI) to share them%s",
            storage,
            workers,
            ": production needs a shared store." if production else ".",
        )


def init_app(app: Flask) -> None:
    trust_proxies(app)
    warn_if_rate_limits_are_not_shared(app)
    app.after_request(add_security_headers)
