"""Staff accounts and API keys have one home (app/accounts.py): the CLI and the admin pages
create users by the same rules, every door authenticates keys the same way, and each creation
is in the access trail."""

from sqlalchemy import select

from app.models import AccessLogEntry, ApiKey, Department, StaffUser


def test_the_cli_and_the_admin_page_refuse_the_same_users_and_record_both(app, client, demo, login):
    runner = app.test_cli_runner()
    no_unit = runner.invoke(
        args=["create-user", "c@penalolen.cl", "--role", "agent", "--password-stdin"],
        input="una-clave-larga\n",
    )
    assert no_unit.exit_code != 0 and "Elija la unidad del funcionario" in no_unit.output
    created = runner.invoke(
        args=["create-user", "d@penalolen.cl", "--role", "agent", "--department", "DOP"],
        input="una-clave-larga\nuna-clave-larga\n",
    )
    assert created.exit_code == 0, created.output
    clash = runner.invoke(
        args=["create-user", "D@penalolen.cl", "--role", "admin", "--password-stdin"],
        input="una-clave-larga\n",
    )
    assert "Ya existe un usuario con ese correo" in clash.output

    login(demo.scalar(select(StaffUser).where(StaffUser.role == "admin")))
    dop = demo.scalar(select(Department).where(Department.code == "DOP"))
    page = client.post(
        "/staff/admin/usuarios/nuevo",
        data={"email": "d@penalolen.cl", "name": "D", "role": "agent", "department": dop.id},
    )
    assert page.status_code == 200 and "Ya existe un usuario con ese correo." in page.get_data(
        as_text=True
    )
    demo.expire_all()
    trail = demo.scalars(select(AccessLogEntry).where(AccessLogEntry.kind == "user_created")).all()
    assert any("d@penalolen.cl" in (entry.target or "") for entry in trail)


def test_a_key_is_stamped_once_a_minute_whichever_door_it_uses(client, demo, api_key):
    first = client.get("/api/v1/tickets", headers={"X-API-Key": api_key})
    assert first.status_code == 200
    demo.rollback()  # what the request committed, not what it left in the session
    stamped = demo.scalar(select(ApiKey)).last_used_at
    assert stamped is not None
    client.get("/api/v1/tickets", headers={"X-API-Key": api_key})
    filed = client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": api_key,
            "service_code": "luminaria",
            "description": "Poste apagado frente al número 8735",
            "address_string": "Av. Grecia 8735",
        },
    )
    assert filed.status_code == 200, filed.get_data(as_text=True)
    demo.expire_all()
    assert demo.scalar(select(ApiKey)).last_used_at == stamped
