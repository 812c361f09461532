"""Conectados: the Flask application factory. Importing this package opens no connection."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_babel import format_date, format_datetime, get_locale, lazy_gettext

from config import INSTANCE_DIR, from_env
from config import check as check_settings
from config.settings import AppConfig, settings

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def select_locale() -> str:
    """Spanish (es-CL) unless the person asked for English (``?lang=en``, cookie, or browser)."""
    asked = request.args.get("lang") or request.cookies.get("lang")
    if asked in ("es", "en"):
        return asked
    return request.accept_languages.best_match(["es", "en"], default="es") or "es"


def show_console_messages(app: Flask) -> None:
    """With the console backends, log the messages that would have been sent (whatever
    ``LOG_LEVEL`` says; the log mask still applies)."""
    if "console" in (app.config["SMS_BACKEND"], app.config["MAIL_BACKEND"]):
        logging.getLogger("channels").setLevel(logging.INFO)


class ConectadosFlask(Flask):
    config_class = AppConfig  # app.config.settings: the typed settings (config/settings.py)


def _real_tickets_only() -> None:
    from app.models.practice import REAL, set_request_scope  # not at the top: see create_app

    set_request_scope(REAL)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    # Imported here, not at the top: importing any ``app.*`` module (Alembic's env, bench scripts,
    # workers) runs this file first, and must not load every door, channel and worker with it.
    from app import cli, database, error_reports, health, inputs, logs, security
    from app.api import api, render_conflict
    from app.api.docs import bp as api_docs_bp
    from app.api.views import blp as api_blp
    from app.dashboards.transparency import bp as transparency_bp
    from app.dashboards.views import bp as dashboards_bp
    from app.delivery import init_app as init_delivery
    from app.directory.views import bp as directory_bp
    from app.extensions import (
        babel,
        csrf,
        db,
        limiter,
        login_manager,
        migrate,
        quick_redis_options,
    )
    from app.initiatives.views import bp as initiatives_bp
    from app.localized import spanish, tr, tr_paragraphs
    from app.models.base import render_item
    from app.notices import init_app as init_notices
    from app.open311 import bp as open311_bp
    from app.photos.hooks import init_app as init_photos
    from app.public import bp as public_bp
    from app.public.presenters import channel_label
    from app.staff import bp as staff_bp
    from app.staff.auth import load_session_user
    from app.tickets import StaleTicket
    from channels.sms.inbound import bp as sms_bp
    from channels.web import bp as web_bp
    from workers import hooks as workers_hooks

    app = ConectadosFlask(__name__, instance_path=str(INSTANCE_DIR))
    inputs.init_app(app)  # before the blueprints: their <int:...> routes bind its converter
    app.config.from_mapping(from_env())
    if config:
        app.config.from_mapping(config)
    check_settings(app.config)  # no real SECRET_KEY (and no development asked for): no start
    app.config.settings  # noqa: B018 - typed once: a missing or mistyped setting stops the start
    logs.configure(app)  # first: every later line (and every request) has its ids
    error_reports.init_app(app)  # only with SENTRY_DSN
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    security.init_app(app)  # headers on every answer; proxies give the client address only
    if app.config["RATELIMIT_STORAGE_URI"].startswith("redis"):
        quick = quick_redis_options(float(app.config["REDIS_TIMEOUT_SECONDS"]))
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", quick)
    from app import ratelimit  # registers the batched+redis:// storage

    ratelimit.storage_settings(app.config)  # RATELIMIT_BATCH: counted here between trips
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    database.prepare(app)
    db.init_app(app)
    database.init_app(app)  # SQLite: WAL, busy timeout, BEGIN IMMEDIATE for writers
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
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "staff.login"
    login_manager.login_message = lazy_gettext("Inicie sesión para continuar.")

    login_manager.user_loader(load_session_user)

    app.jinja_env.filters["format_date"] = format_date
    app.jinja_env.filters["format_datetime"] = format_datetime
    app.jinja_env.filters["es"] = spanish  # Spanish names on English pages: lang="es-CL"
    app.jinja_env.globals["channel_label"] = channel_label  # never a channel's code on screen
    app.jinja_env.globals["tr"] = tr  # a text the municipality wrote, in the page's language
    app.jinja_env.globals["tr_paragraphs"] = tr_paragraphs

    @app.context_processor
    def page_language() -> dict[str, str]:
        locale = get_locale()
        return {"html_lang": "en" if locale and locale.language == "en" else "es-CL"}

    @app.context_processor
    def public_numbers() -> dict[str, str]:
        """The number residents text and the OIRS phone line, shown wherever a page needs them."""
        knobs = settings()
        return {"sms_number": knobs.sms_public_number, "oirs_phone": knobs.oirs_phone}

    show_console_messages(app)
    init_notices(app)  # ticket events write their notices in the same transaction
    init_delivery(app)  # outbox rows are announced after commit
    init_photos(app)  # so are photos to fetch (MMS)
    workers_hooks.init_app(app)  # ... and enqueued for a worker
    app.register_blueprint(public_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(staff_bp)
    # Every request sees real tickets only; the staff blueprint switches a practising staff
    # member's requests to practice tickets (app/staff/practice.py).
    app.before_request(_real_tickets_only)
    app.register_blueprint(sms_bp)
    app.register_blueprint(dashboards_bp)
    app.register_blueprint(transparency_bp)
    app.register_blueprint(initiatives_bp)
    app.register_blueprint(directory_bp)
    api.init_app(app)
    api.register_blueprint(api_blp)
    csrf.exempt(api_blp)  # API keys; staff sessions are checked in app/api/auth.py
    app.register_blueprint(api_docs_bp)

    @app.after_request
    def remember_language(response):
        if request.args.get("lang") in ("es", "en"):
            response.set_cookie(
                "lang",
                request.args["lang"],
                max_age=365 * 24 * 3600,
                samesite="Lax",
                secure=app.config["SESSION_COOKIE_SECURE"],
            )
        return response

    app.register_error_handler(StaleTicket, render_conflict)  # last resort: forms answer first
    app.register_blueprint(health.bp)
    csrf.exempt(health.bp)
    csrf.exempt(open311_bp)  # authenticated by api_key, not by a session cookie
    app.register_blueprint(open311_bp)
    cli.register(app)
    return app
