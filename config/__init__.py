"""Settings, read from environment variables when asked (never at import time).

Embedded defaults let a newcomer run everything with no services: SQLite under ``instance/``
and no Redis (jobs run in-process). ``APP_ENV`` says what kind of deployment this is:

- ``development`` (``bin/run`` asks for it): a fixed development ``SECRET_KEY`` is allowed;
- unset: settings one by one, and a real ``SECRET_KEY`` is required;
- ``production``: a long ``SECRET_KEY``, the Twilio token, secure cookies, HSTS, no demo data.

``check`` refuses what the app must not start with; ``create_app`` calls it once the explicit
overrides are applied.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - only with APP_ENV=development
MIN_PRODUCTION_SECRET = 32
# The longest an outbox drain job may run (workers/delivery.py). A claim must outlive it, or the
# relay would hand a row a live drain still holds to another worker.
DRAIN_JOB_SECONDS = 120
APP_ENVS = ("", "development", "production")


class ConfigError(RuntimeError):
    """A required setting is missing or invalid."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "si", "sí"}


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from exc
    if not 0 < value < 3600:
        raise ConfigError(f"{name} must be between 0 and 3600 seconds, got {raw!r}")
    return value


def normalize_database_url(url: str) -> str:
    """Accept the ``postgres://`` and ``postgresql://`` spellings; use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def from_env(env: dict[str, str] | None = None) -> dict[str, object]:
    """Build the Flask config mapping from environment variables (``os.environ`` by default)."""
    env = dict(os.environ if env is None else env)
    app_env = (env.get("APP_ENV") or "").strip().lower()
    if app_env not in APP_ENVS:
        raise ConfigError(f"APP_ENV must be 'development' or 'production', got {app_env!r}")
    production = app_env == "production"
    database_url = env.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'conectados.db'}"
    secret_key = env.get("SECRET_KEY") or (DEV_SECRET_KEY if app_env == "development" else "")
    sms_backend = env.get("SMS_BACKEND") or ("twilio" if production else "console")
    log_format = (env.get("LOG_FORMAT") or ("json" if production else "text")).strip().lower()
    if log_format not in {"json", "text"}:
        raise ConfigError(f"LOG_FORMAT must be 'json' or 'text', got {log_format!r}")
    log_level = (env.get("LOG_LEVEL") or "INFO").strip().upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}")
    if sms_backend not in {"twilio", "console"}:
        raise ConfigError(f"SMS_BACKEND must be 'twilio' or 'console', got {sms_backend!r}")

    return {
        "APP_ENV": app_env,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Embedded mode: how long a writer waits for SQLite's write lock (app/database.py).
        "SQLITE_BUSY_TIMEOUT_SECONDS": _int(env, "SQLITE_BUSY_TIMEOUT_SECONDS", 10),
        "REDIS_URL": env.get("REDIS_URL") or None,
        "PUBLIC_BASE_URL": (env.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "TRUSTED_PROXY_HOPS": _int(env, "TRUSTED_PROXY_HOPS", 0),
        # What residents are told on the pages: the number to text, the OIRS phone line.
        "SMS_PUBLIC_NUMBER": env.get("SMS_PUBLIC_NUMBER") or "+56 2 2000 0000",
        "OIRS_PHONE": env.get("OIRS_PHONE") or "+56 2 2000 0100",
        # Operability (README: "Logs and error reports").
        "LOG_FORMAT": log_format,
        "LOG_LEVEL": log_level,
        "SENTRY_DSN": env.get("SENTRY_DSN") or None,
        # Web processes (gunicorn reads the same variable): for the rate-limit storage warning.
        "WEB_CONCURRENCY": _int(env, "WEB_CONCURRENCY", 1),
        "SMS_BACKEND": sms_backend,
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID") or "AC" + "0" * 32,
        # Development signs simulated webhooks with a fixed token; elsewhere it must be given.
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN")
        or ("dev-token" if app_env == "development" else ""),
        "TWILIO_FROM": env.get("TWILIO_FROM") or "",
        "TWILIO_API_BASE_URL": env.get("TWILIO_API_BASE_URL") or "https://api.twilio.com",
        "MAIL_BACKEND": env.get("MAIL_BACKEND") or ("smtp" if env.get("MAIL_HOST") else "console"),
        "MAIL_HOST": env.get("MAIL_HOST") or "127.0.0.1",
        "MAIL_PORT": _int(env, "MAIL_PORT", 25),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_SENDER": env.get("MAIL_SENDER")
        or "Municipalidad de Peñalolén <no-responder@penalolen.cl>",
        "TIMEZONE": env.get("TIMEZONE") or "America/Santiago",
        "OPEN311_JURISDICTION": env.get("OPEN311_JURISDICTION") or "penalolen.cl",
        # Transparencia Focalizada: how many units an admin may focus (the pilot's three).
        "FOCUSED_UNITS": _int(env, "FOCUSED_UNITS", 3),
        "WORKDAY_START": env.get("WORKDAY_START") or "08:30",
        "WORKDAY_END": env.get("WORKDAY_END") or "17:30",
        # Workers and notifications (README: "Workers and notifications").
        "NOTIFY_MAX_ATTEMPTS": _int(env, "NOTIFY_MAX_ATTEMPTS", 6),
        "NOTIFY_BACKOFF_SECONDS": _int(env, "NOTIFY_BACKOFF_SECONDS", 30),
        "NOTIFY_BACKOFF_MAX_SECONDS": _int(env, "NOTIFY_BACKOFF_MAX_SECONDS", 3600),
        "NOTIFY_CLAIM_TIMEOUT_SECONDS": _int(env, "NOTIFY_CLAIM_TIMEOUT_SECONDS", 300),
        "NOTIFY_RELAY_GRACE_SECONDS": _int(env, "NOTIFY_RELAY_GRACE_SECONDS", 30),
        "NOTIFY_BATCH_SIZE": _int(env, "NOTIFY_BATCH_SIZE", 50),
        "RELAY_INTERVAL_SECONDS": _int(env, "RELAY_INTERVAL_SECONDS", 30),
        "SLA_SWEEP_INTERVAL_SECONDS": _int(env, "SLA_SWEEP_INTERVAL_SECONDS", 60),
        "ROLLUP_INTERVAL_SECONDS": _int(env, "ROLLUP_INTERVAL_SECONDS", 300),
        "HOUSEKEEPING_INTERVAL_SECONDS": _int(env, "HOUSEKEEPING_INTERVAL_SECONDS", 3600),
        "AUTO_CLOSE_RESOLVED_DAYS": _int(env, "AUTO_CLOSE_RESOLVED_DAYS", 7),
        "AUTO_CLOSE_WAITING_DAYS": _int(env, "AUTO_CLOSE_WAITING_DAYS", 15),
        # Retention (app/privacy/retention.py): anonymized, never deleted.
        "RETENTION_INTERVAL_SECONDS": _int(env, "RETENTION_INTERVAL_SECONDS", 3600),
        "RETENTION_YEARS": _int(env, "RETENTION_YEARS", 5),
        "SMS_RETENTION_DAYS": _int(env, "SMS_RETENTION_DAYS", 180),
        "RETENTION_BATCH": _int(env, "RETENTION_BATCH", 200),
        "RETENTION_MAX_ROUNDS": _int(env, "RETENTION_MAX_ROUNDS", 50),
        # Practice tickets ("Modo práctica") are deleted this many days after filing.
        "PRACTICE_RETENTION_DAYS": _int(env, "PRACTICE_RETENTION_DAYS", 30),
        "SURVEY_MAX_AGE_DAYS": _int(env, "SURVEY_MAX_AGE_DAYS", 30),
        # Diagnoses (app/diagnoses): results by unit (staff questionnaire) and public figures
        # (attention survey) are shown only for groups of at least this many answers.
        "DIAGNOSIS_MIN_GROUP": _int(env, "DIAGNOSIS_MIN_GROUP", 5),
        # How long the link that confirms a resident's email works (app/tickets/people.py).
        "EMAIL_LINK_MAX_AGE_DAYS": _int(env, "EMAIL_LINK_MAX_AGE_DAYS", 30),
        # How long a signed link in a notice works (answer, survey, receipt: app/tickets/proof.py).
        "RESIDENT_LINK_MAX_AGE_DAYS": _int(env, "RESIDENT_LINK_MAX_AGE_DAYS", 30),
        # A browser that proved it is the resident's may act this long (app/public/grants.py).
        "RESIDENT_ACCESS_MINUTES": _int(env, "RESIDENT_ACCESS_MINUTES", 30),
        # One-time codes (app/tickets/access_codes.py).
        "ACCESS_CODE_TTL_MINUTES": _int(env, "ACCESS_CODE_TTL_MINUTES", 10),
        "ACCESS_CODE_MAX_ATTEMPTS": _int(env, "ACCESS_CODE_MAX_ATTEMPTS", 5),
        "ACCESS_CODES_PER_DAY": _int(env, "ACCESS_CODES_PER_DAY", 5),
        "ACCESS_CODE_INTERVAL_SECONDS": _int(env, "ACCESS_CODE_INTERVAL_SECONDS", 60),
        # Jobs in process (no REDIS_URL): JOBS_SYNC runs each at once, in the request (tests);
        # EMBEDDED_SCHEDULER runs the periodic jobs on a thread of the web process (bin/run).
        "JOBS_SYNC": _bool(env.get("JOBS_SYNC")),
        "EMBEDDED_SCHEDULER": _bool(env.get("EMBEDDED_SCHEDULER"), default=True),
        "TWILIO_TIMEOUT_SECONDS": _int(env, "TWILIO_TIMEOUT_SECONDS", 10),
        # Redis in the request path (rate limits, enqueue): each call waits at most this long,
        # and after a failure this process leaves Redis alone for REDIS_RETRY_SECONDS.
        "REDIS_TIMEOUT_SECONDS": _float(env, "REDIS_TIMEOUT_SECONDS", 0.1),
        "REDIS_RETRY_SECONDS": _float(env, "REDIS_RETRY_SECONDS", 5.0),
        # Categories, units and the business calendar: each process keeps what it read this
        # long (its own admin changes drop it at once); 0 reads them on every request.
        "REFERENCE_CACHE_SECONDS": _float(env, "REFERENCE_CACHE_SECONDS", 10.0),
        "MAIL_TIMEOUT_SECONDS": _int(env, "MAIL_TIMEOUT_SECONDS", 10),
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": 10 * 3600,  # a working day
        # Failed logins: per address (and per known browser), and per account from browsers
        # that never logged into it (README: "Staff workspace").
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT") or "10 per 15 minutes",
        "LOGIN_ACCOUNT_RATE_LIMIT": env.get("LOGIN_ACCOUNT_RATE_LIMIT") or "50 per 15 minutes",
        # One-time codes a resident asks for on a ticket's page (app/public/access.py).
        "ACCESS_CODE_SEND_RATE_LIMIT": env.get("ACCESS_CODE_SEND_RATE_LIMIT") or "5 per hour",
        "ACCESS_CODE_CHECK_RATE_LIMIT": env.get("ACCESS_CODE_CHECK_RATE_LIMIT")
        or "10 per 15 minutes",
        "BABEL_DEFAULT_LOCALE": "es",
        "BABEL_DEFAULT_TIMEZONE": env.get("TIMEZONE") or "America/Santiago",
        "LANGUAGES": ["es", "en"],
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # Photos (README: "Fotos y lugares"): where they are kept ("local" under PHOTO_DIR, or
        # "s3" in any S3-compatible bucket), and how large each may be. The forms that take
        # photos accept PHOTO_MAX_COUNT of them in one request; every other door keeps 2 MB.
        "PHOTO_STORAGE": (env.get("PHOTO_STORAGE") or "local").strip().lower(),
        "PHOTO_DIR": env.get("PHOTO_DIR") or str(INSTANCE_DIR / "photos"),
        "PHOTO_S3_BUCKET": env.get("PHOTO_S3_BUCKET") or None,
        "PHOTO_S3_ENDPOINT": env.get("PHOTO_S3_ENDPOINT") or None,
        "PHOTO_S3_REGION": env.get("PHOTO_S3_REGION") or "us-east-1",
        "PHOTO_MAX_MB": _int(env, "PHOTO_MAX_MB", 10),
        "PHOTO_MAX_COUNT": _int(env, "PHOTO_MAX_COUNT", 3),
        # Places (README: "Fotos y lugares"): the service area every door checks a point
        # against (a GeoJSON file's path, the GeoJSON itself, or "off"), and the map's tiles
        # (empty URL: the map is drawn without tiles).
        "SERVICE_AREA": env.get("SERVICE_AREA")
        or str(PROJECT_ROOT / "app" / "geo" / "penalolen.geojson"),
        "MAP_TILE_URL": env.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
        "MAP_TILE_ATTRIBUTION": env.get("MAP_TILE_ATTRIBUTION")
        or '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
        "NEARBY_RADIUS_M": _int(env, "NEARBY_RADIUS_M", 150),
        "API_TITLE": "Conectados API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        # Rate limits (Flask-Limiter syntax); a Redis outage never blocks a resident's request.
        "WEB_INTAKE_RATE_LIMIT": env.get("WEB_INTAKE_RATE_LIMIT") or "10 per minute;60 per hour",
        "TRACKING_RATE_LIMIT": env.get("TRACKING_RATE_LIMIT") or "60 per minute",
        "OPEN311_RATE_LIMIT": env.get("OPEN311_RATE_LIMIT") or "60 per minute",
        # Answers to the open attention survey (/opina...) per address.
        "SURVEY_RATE_LIMIT": env.get("SURVEY_RATE_LIMIT") or "5 per 10 minutes;30 per day",
        "RATELIMIT_SWALLOW_ERRORS": True,
        # One counter per window and address (app/ratelimit.py counts it in batches).
        "RATELIMIT_STRATEGY": "fixed-window",
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis-backed limits: a process counts up to this many hits of one key (and at most a
        # tenth of its limit, under half of it) between round trips; 1 sends every hit.
        "RATELIMIT_BATCH": _int(env, "RATELIMIT_BATCH", 10),
    }


def check(settings: Mapping[str, Any]) -> None:
    """Refuse to start without a real secret key (unless development was asked for) and, in
    production, without a long one and the Twilio token."""
    secret = settings.get("SECRET_KEY") or ""
    app_env = settings.get("APP_ENV") or ""
    if not secret or (secret == DEV_SECRET_KEY and app_env != "development"):
        raise ConfigError(
            "SECRET_KEY is required: set it to a long random value (python3 -c 'import secrets; "
            "print(secrets.token_hex(32))'), or set APP_ENV=development to run with the "
            "development key (bin/run does)"
        )
    for name in ("RETENTION_YEARS", "SMS_RETENTION_DAYS", "PRACTICE_RETENTION_DAYS"):
        # 0 would anonymize every closed ticket (or SMS) on the next run.
        if int(settings.get(name, 1)) < 1:
            raise ConfigError(f"{name} must be at least 1")
    if float(settings.get("NOTIFY_CLAIM_TIMEOUT_SECONDS", 300)) <= DRAIN_JOB_SECONDS:
        raise ConfigError(
            f"NOTIFY_CLAIM_TIMEOUT_SECONDS must be more than {DRAIN_JOB_SECONDS} (the longest an "
            "outbox drain runs): a shorter claim could be sent twice"
        )
    if settings.get("PHOTO_STORAGE", "local") not in ("local", "s3"):
        raise ConfigError("PHOTO_STORAGE must be 'local' or 's3'")
    if settings.get("PHOTO_STORAGE") == "s3" and not settings.get("PHOTO_S3_BUCKET"):
        raise ConfigError("PHOTO_S3_BUCKET is required when PHOTO_STORAGE=s3")
    if app_env != "production":
        return
    if len(secret) < MIN_PRODUCTION_SECRET:
        raise ConfigError(
            f"SECRET_KEY must have at least {MIN_PRODUCTION_SECRET} characters in production"
        )
    if settings.get("SMS_BACKEND") == "twilio" and not settings.get("TWILIO_AUTH_TOKEN"):
        raise ConfigError("TWILIO_AUTH_TOKEN is required when SMS_BACKEND=twilio in production")
