"""The application's own settings, typed, in one frozen object.

``from_env`` (config/__init__.py) is the only place a default is written; ``Settings`` reads the
resulting Flask config once, converts each knob to its type and refuses a missing one, so code
asks ``settings().notify_max_attempts`` — an ``int`` that exists — instead of repeating
``config.get("NOTIFY_MAX_ATTEMPTS", 6)``. Flask's and its extensions' own keys stay in
``app.config``; these are ours. Every one is in README's settings table.

The app's config class (``AppConfig``) builds the object on first use and drops it whenever a
key is set, so a test that changes a setting is seen at once; a running service never does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from flask import Config, current_app

from config import ConfigError


@dataclass(frozen=True)
class Settings:
    app_env: str
    secret_key: str = field(repr=False)
    public_base_url: str
    sms_public_number: str
    oirs_phone: str
    timezone: str
    open311_jurisdiction: str
    # Working hours (an admin may change them; app/tickets/sla.py reads both).
    workday_start: str
    workday_end: str
    # Database and Redis.
    sqlite_busy_timeout_seconds: float
    redis_url: str | None
    redis_timeout_seconds: float
    redis_retry_seconds: float
    reference_cache_seconds: float  # categories, units, calendar kept per process
    # Jobs: in process and at once (tests), and the embedded scheduler (``bin/run``).
    jobs_sync: bool
    embedded_scheduler: bool
    # Notifications.
    sms_backend: str
    twilio_timeout_seconds: float
    mail_timeout_seconds: float
    notify_max_attempts: int
    notify_backoff_seconds: float
    notify_backoff_max_seconds: float
    notify_claim_timeout_seconds: float
    notify_relay_grace_seconds: float
    notify_batch_size: int
    # Periodic jobs.
    relay_interval_seconds: int
    sla_sweep_interval_seconds: int
    rollup_interval_seconds: int
    housekeeping_interval_seconds: int
    retention_interval_seconds: int
    auto_close_resolved_days: int
    auto_close_waiting_days: int
    # Residents' data.
    retention_years: int
    sms_retention_days: int
    retention_batch: int
    retention_max_rounds: int
    practice_retention_days: int
    survey_max_age_days: int
    diagnosis_min_group: int
    email_link_max_age_days: int
    resident_link_max_age_days: int
    resident_access_minutes: int
    access_code_ttl_minutes: int
    access_code_max_attempts: int
    access_codes_per_day: int
    access_code_interval_seconds: int
    # Photos (app/photos).
    photo_storage: str
    photo_dir: str
    photo_s3_bucket: str | None
    photo_s3_endpoint: str | None
    photo_s3_region: str
    photo_max_mb: int
    photo_max_count: int
    # Places: the service area (path, inline GeoJSON or "off"), the map's tiles, and the
    # radius of "nearby" on the web form and the counter.
    service_area: str
    map_tile_url: str
    map_tile_attribution: str
    nearby_radius_m: int
    # Rate limits (Flask-Limiter syntax).
    web_intake_rate_limit: str
    tracking_rate_limit: str
    open311_rate_limit: str
    survey_rate_limit: str
    login_rate_limit: str
    login_account_rate_limit: str
    access_code_send_rate_limit: str
    access_code_check_rate_limit: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        values: dict[str, Any] = {}
        for spec in fields(cls):
            key = spec.name.upper()
            if key not in config:
                raise ConfigError(f"{key} is not set (config.from_env declares every setting)")
            values[spec.name] = _typed(key, str(spec.type), config[key])
        return cls(**values)


def _typed(key: str, kind: str, value: Any) -> Any:
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "bool":
            return bool(value)
        if kind == "str | None":
            return None if value in (None, "") else str(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{key} must be {kind}, got {value!r}") from exc


class AppConfig(Config):
    """Flask's config, with the typed settings built from it on first use (see the module)."""

    _settings: Settings | None = None

    def __setitem__(self, key: str, value: Any) -> None:
        self._settings = None
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self._settings = None
        super().__delitem__(key)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._settings = None
        super().update(*args, **kwargs)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self._settings = None
        return super().setdefault(key, default)

    def pop(self, key: str, *default: Any) -> Any:
        self._settings = None
        return super().pop(key, *default)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.from_config(self)
        return self._settings


def settings() -> Settings:
    """The current app's settings."""
    return current_app.config.settings
