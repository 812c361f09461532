"""One typed settings object (config/settings.py): every knob declared once, read typed."""

import re
from pathlib import Path

import pytest

from app import create_app
from config import ConfigError, from_env
from config.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
TEST = {"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True}


def test_every_setting_is_declared_with_its_default_and_typed():
    built = Settings.from_config({**from_env({}), **TEST})
    assert built.notify_max_attempts == 6 and isinstance(built.redis_timeout_seconds, float)
    assert built.jobs_sync is False and built.embedded_scheduler is True


def test_a_mistyped_or_missing_setting_stops_the_start():
    with pytest.raises(ConfigError, match="NOTIFY_MAX_ATTEMPTS"):
        create_app({**TEST, "NOTIFY_MAX_ATTEMPTS": "seis"})
    config = {**from_env({}), **TEST}
    del config["RETENTION_BATCH"]
    with pytest.raises(ConfigError, match="RETENTION_BATCH"):
        Settings.from_config(config)


def test_a_claim_shorter_than_a_drain_stops_the_start():
    """The relay frees claims older than NOTIFY_CLAIM_TIMEOUT_SECONDS: shorter than a drain job
    may run, a row still being sent could be sent again by another worker."""
    with pytest.raises(ConfigError, match="NOTIFY_CLAIM_TIMEOUT_SECONDS"):
        create_app({**TEST, "NOTIFY_CLAIM_TIMEOUT_SECONDS": "60"})
    assert create_app({**TEST, "NOTIFY_CLAIM_TIMEOUT_SECONDS": "300"})


def test_a_changed_setting_is_seen_at_once(app):
    before = app.config.settings.retention_batch
    app.config["RETENTION_BATCH"] = before + 1
    try:
        assert app.config.settings.retention_batch == before + 1
    finally:
        app.config["RETENTION_BATCH"] = before


def test_no_call_site_repeats_a_default():
    pattern = re.compile(r'config\.get\("[A-Z_]+",')
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("app", "channels", "workers")
        for path in (ROOT / folder).rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []
