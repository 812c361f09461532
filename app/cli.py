"""Management commands: ``seed-demo``, ``create-user``, ``create-api-key`` (and ``worker``)."""

from __future__ import annotations

import logging
import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.accounts import MIN_PASSWORD, UserDetails, issue_api_key, save_user
from app.demo import DEMO_PASSWORD, ROLE_LOGINS, seed
from app.extensions import db
from app.models import ROLES, Contact, Department
from app.privacy.anonymize import anonymize_person
from app.tickets import SYSTEM, DomainError, ValidationFailed
from channels.sms.cli import sms_simulate
from workers.cli import worker_command


@click.command("seed-demo")
@click.option("--tickets", default=200, show_default=True, help="Demo tickets to create.")
@with_appcontext
def seed_demo(tickets: int) -> None:
    """Load demo departments, categories, staff and tickets (safe to run again)."""
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
    department = None
    if department_code:
        department = db.session.scalar(select(Department).where(Department.code == department_code))
        if department is None:
            raise click.BadParameter(
                f"no existe la unidad {department_code}", param_hint="--department"
            )
    details = UserDetails(
        email=email,
        name=name or "",
        role=role,
        department_id=department.id if department else None,
        password=_read_password(password_stdin),
    )
    try:
        save_user(db.session, SYSTEM, None, details)
    except ValidationFailed as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Usuario creado: {email.strip().lower()} ({role})")


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
    try:
        _key, secret = issue_api_key(db.session, SYSTEM, name, staff_integration=staff_integration)
    except ValidationFailed as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(secret)
    click.echo("Guarde esta clave ahora: no se volverá a mostrar.", err=True)


privacy = click.Group("privacy", help="Residents' data (Ley 21.719).")


@privacy.command("anonymize")
@click.option("--person", "person_id", type=int, required=True, help="N° del registro.")
@click.option("--reason", required=True, help="Motivo (queda registrado).")
@with_appcontext
def privacy_anonymize(person_id: int, reason: str) -> None:
    """Anonymize a person (as the system; the reason is recorded). Cannot be undone."""
    person = db.session.get(Contact, person_id)
    if person is None:
        raise click.ClickException(f"no existe la persona {person_id}")
    try:
        redaction = anonymize_person(db.session, person, SYSTEM, reason)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    counts = ", ".join(f"{table}={n}" for table, n in (redaction.counts or {}).items())
    click.echo(f"Persona {person_id} anonimizada (registro {redaction.id}): {counts}")


def register(app: Flask) -> None:
    for command in (seed_demo, create_user, create_api_key, worker_command, sms_simulate, privacy):
        app.cli.add_command(command)
