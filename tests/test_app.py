"""The application factory, settings and the home page."""

import subprocess
import sys

import pytest

from config import ConfigError, check, from_env


def test_embedded_defaults_need_no_services():
    settings = from_env({})
    assert settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert settings["SQLALCHEMY_DATABASE_URI"].endswith("instance/conectados.db")
    assert settings["REDIS_URL"] is None
    assert settings["SMS_BACKEND"] == "console"
    assert settings["TIMEZONE"] == "America/Santiago"


def test_postgres_urls_use_psycopg3():
    assert from_env({"DATABASE_URL": "postgres://u@h/db"})["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://u@h/db"
    )


def test_production_fails_fast_without_secrets():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        check(from_env({"APP_ENV": "production"}))
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        check(from_env({"APP_ENV": "production", "SECRET_KEY": "x" * 32}))
    with pytest.raises(ConfigError, match="APP_ENV"):
        from_env({"APP_ENV": "prod"})


@pytest.mark.slow
def test_importing_the_package_opens_no_connection():
    # A database URL that cannot answer: importing and building the app must not try it.
    code = (
        "import app, app.models, app.tickets, workers.queue, channels;"
        "from app import create_app;"
        "create_app({'SQLALCHEMY_DATABASE_URI': 'postgresql+psycopg://x@127.0.0.1:1/x',"
        " 'REDIS_URL': 'redis://127.0.0.1:1/0'}); print('ok')"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_home_lists_what_we_answer_and_how_fast_in_spanish(client, app, session):
    app.test_cli_runner().invoke(args=["seed-demo", "--tickets", "0"])
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="es-CL">' in page
    assert "Luminaria apagada o dañada" in page
    assert "Acceso a la información (Ley 20.285)" in page
    assert "Plazo estimado: 20 días hábiles" in page
    assert "Por clasificar" not in page
