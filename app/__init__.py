"""Conectados: the Flask application factory. Importing this package opens no connection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_babel import get_locale

from config import INSTANCE_DIR, from_env

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def select_locale() -> str:
    """Spanish (es-CL) unless the person asked for English (``?lang=en``, cookie, or browser)."""
    asked = request.args.get("lang") or request.cookies.get("lang")
    if asked in ("es", "en"):
        return asked
    return request.accept_languages.best_match(["es", "en"], default="es") or "es"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    from app import cli, health
    from app.extensions import babel, csrf, db, login_manager, migrate
    from app.models import StaffUser
    from app.models.base import render_item
    from app.public import bp as public_bp
    from app.tickets import sla
    from workers import hooks as workers_hooks

    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_mapping(from_env())
    if config:
        app.config.from_mapping(config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=MIGRATIONS_DIR,
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
    )
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_message = "Inicie sesión para continuar."

    @login_manager.user_loader
    def load_user(user_id: str) -> StaffUser | None:
        return db.session.get(StaffUser, int(user_id))

    @app.context_processor
    def page_language() -> dict[str, str]:
        locale = get_locale()
        return {"html_lang": "en" if locale and locale.language == "en" else "es-CL"}

    sla.set_settings_provider(lambda: app.config)
    workers_hooks.init_app(app)  # outbox rows are enqueued after commit
    app.register_blueprint(public_bp)
    app.register_blueprint(health.bp)
    cli.register(app)
    return app
