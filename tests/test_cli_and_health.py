"""The CLI a newcomer and an operator use, and /healthz for load balancers."""

import pytest
from sqlalchemy import func, select

from app.models import ApiKey, Category, Department, StaffUser, Ticket


@pytest.mark.slow
def test_seed_demo_loads_the_shape_of_the_service_desk_and_is_idempotent(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--tickets", "60"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.penalolen.cl" in result.output
    assert "conectados-demo" in result.output
    # A long seed shows it moves: a line on stderr every 50 tickets, and at the last one.
    shown = [line for line in result.stderr.splitlines() if "Solicitudes de demostración" in line]
    assert shown == [
        "Solicitudes de demostración: 50 de 60",
        "Solicitudes de demostración: 60 de 60",
    ]
    codes = set(session.scalars(select(Department.code)))
    assert {
        "DOP",
        "DIMAO",
        "TRANSITO",
        "SEGURIDAD",
        "DIDECO",
        "DISCAPACIDAD",
        "GOBIERNO_ABIERTO",
        "OIRS",
    } <= codes
    transparency = session.scalar(select(Category).where(Category.code == "transparencia"))
    assert transparency.resolution_minutes == 20 * 540
    roles = set(session.scalars(select(StaffUser.role)))
    assert roles == {"counter", "agent", "head", "admin"}
    tickets = session.scalar(select(func.count(Ticket.id)))
    assert tickets == 60
    statuses = set(session.scalars(select(Ticket.status)))
    channels = set(session.scalars(select(Ticket.channel)))
    assert len(statuses) >= 5 and {"web", "sms", "counter"} <= channels

    again = runner.invoke(args=["seed-demo", "--tickets", "60"])
    assert again.exit_code == 0, again.output
    assert session.scalar(select(func.count(Ticket.id))) == tickets
    assert session.scalar(select(func.count(Department.id))) == len(codes)


def test_create_user_reads_the_password_from_stdin(app, session):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo", "--tickets", "0"])
    result = runner.invoke(
        args=[
            "create-user",
            "ana@penalolen.cl",
            "--role",
            "agent",
            "--department",
            "DIMAO",
            "--password-stdin",
        ],
        input="una clave muy larga\n",
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(StaffUser).where(StaffUser.email == "ana@penalolen.cl"))
    assert user.role == "agent" and user.department.code == "DIMAO"
    assert user.check_password("una clave muy larga")
    assert "una clave" not in user.password_hash

    missing = runner.invoke(
        args=["create-user", "b@penalolen.cl", "--role", "agent", "--password-stdin"],
        input="una clave muy larga\n",
    )
    assert missing.exit_code != 0 and "unidad" in missing.output
    short = runner.invoke(
        args=["create-user", "c@penalolen.cl", "--role", "admin", "--password-stdin"],
        input="corta\n",
    )
    assert short.exit_code != 0
    assert (
        session.scalar(select(func.count(StaffUser.id))) == 13
    )  # 12 demo (an agent per unit, data protection too) + ana


def test_create_api_key_prints_the_key_once_and_stores_its_hash(app, session):
    result = app.test_cli_runner().invoke(args=["create-api-key", "app-311"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[0]
    assert key.startswith("cnd_") and len(key) > 40
    stored = session.scalar(select(ApiKey).where(ApiKey.name == "app-311"))
    assert stored.key_hash == ApiKey.hash_key(key)
    assert key not in stored.key_hash


def test_healthz_reports_the_database_and_redis(client, app):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    if app.config["REDIS_URL"]:
        assert body["checks"]["redis"] == "ok"


def test_healthz_names_the_dependency_that_does_not_answer(database_url):
    from app import create_app

    broken = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": "redis://127.0.0.1:1/0"}
    )
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["redis"]

    no_db = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = no_db.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["database"]
