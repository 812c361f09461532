"""Management commands: ``seed-demo``, ``create-user``, ``create-api-key`` (and ``worker``)."""

from __future__ import annotations

import logging
import secrets
import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.extensions import db
from app.models import ROLES, ApiKey, Department, StaffUser

MIN_PASSWORD = 10


@click.command("seed-demo")
@click.option("--tickets", default=200, show_default=True, help="Demo tickets to create.")
@with_appcontext
def seed_demo(tickets: int) -> None:
    """Load demo departments, categories, staff and tickets (safe to run again)."""
    from app.demo import DEMO_PASSWORD, ROLE_LOGINS, seed

    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException(
            "seed-demo crea funcionarios con una contraseña conocida: no se ejecuta en "
            "producción (APP_ENV=production)."
        )

    # The demo's made-up history is not news: no INFO line per demo ticket event.
    domain_log = logging.getLogger("app.tickets")
    level = domain_log.level
    domain_log.setLevel(logging.WARNING)
    try:
        summary = seed(db.session, tickets=tickets, progress=_seed_progress)
        db.session.commit()
    finally:
        domain_log.setLevel(level)
    click.echo(
        f"Datos de demostración: {summary.departments} unidades, {summary.categories} categorías, "
        f"{summary.users} funcionarios y {summary.tickets} solicitudes nuevas."
    )
    click.echo(f"Accesos de demostración (contraseña para todos: {DEMO_PASSWORD}):")
    for email, _, role, _ in ROLE_LOGINS:
        click.echo(f"  {role:8} {email}")


def _seed_progress(done: int, total: int) -> None:
    """A line on stderr every 50 demo tickets (and at the last one): long seeds show they move."""
    if done % 50 == 0 or done == total:
        click.echo(f"Solicitudes de demostración: {done} de {total}", err=True)


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Contraseña", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD:
        raise click.BadParameter(f"la contraseña debe tener al menos {MIN_PASSWORD} caracteres")
    return password


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--department", "department_code", help="Código de la unidad (no para admin).")
@click.option("--name", default=None, help="Nombre para mostrar.")
@click.option("--password-stdin", is_flag=True, help="Leer la contraseña de la entrada estándar.")
@with_appcontext
def create_user(
    email: str, role: str, department_code: str | None, name: str | None, password_stdin: bool
) -> None:
    """Create a staff user with a role and department."""
    email = email.strip().lower()
    if db.session.scalar(select(StaffUser).where(StaffUser.email == email)):
        raise click.ClickException(f"ya existe un usuario con el correo {email}")
    department = None
    if role == "admin":
        if department_code:
            raise click.BadParameter(
                "un administrador no pertenece a una unidad", param_hint="--department"
            )
    else:
        if not department_code:
            raise click.BadParameter("indique la unidad del funcionario", param_hint="--department")
        department = db.session.scalar(select(Department).where(Department.code == department_code))
        if department is None:
            raise click.BadParameter(
                f"no existe la unidad {department_code}", param_hint="--department"
            )
    user = StaffUser(
        email=email, name=name or email.split("@")[0], role=role, department=department
    )
    user.set_password(_read_password(password_stdin))
    db.session.add(user)
    db.session.commit()
    click.echo(f"Usuario creado: {email} ({role})")


@click.command("create-api-key")
@click.argument("name")
@click.option(
    "--staff-integration",
    is_flag=True,
    help="A municipal system: lists every ticket with its tracking code "
    "(otherwise the key lists only the tickets it filed).",
)
@with_appcontext
def create_api_key(name: str, staff_integration: bool) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    if db.session.scalar(select(ApiKey).where(ApiKey.name == name)):
        raise click.ClickException(f"ya existe una clave llamada {name}")
    key = "cnd_" + secrets.token_urlsafe(32)
    db.session.add(
        ApiKey(
            name=name,
            prefix=key[:10],
            key_hash=ApiKey.hash_key(key),
            staff_integration=staff_integration,
        )
    )
    db.session.commit()
    click.echo(key)
    click.echo("Guarde esta clave ahora: no se volverá a mostrar.", err=True)


def register(app: Flask) -> None:
    from channels.sms.cli import sms_simulate
    from workers.cli import worker_command

    for command in (seed_demo, create_user, create_api_key, worker_command, sms_simulate):
        app.cli.add_command(command)
