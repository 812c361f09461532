"""Staff sessions end when they should, and a stranger cannot lock a person out of their login.

Each test plays the attack through the real login form and pages: a copied session cookie,
a login probe for unknown emails, someone hammering another person's account.
"""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from app.models import StaffUser

PASSWORD = "conectados-demo"
AGENT = "agente@demo.penalolen.cl"
ADMIN = "admin@demo.penalolen.cl"
ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}
ELSEWHERE = {"REMOTE_ADDR": "198.51.100.20"}


def staff(session, email) -> StaffUser:
    return session.scalar(select(StaffUser).where(StaffUser.email == email))


def log_in(client, email, password=PASSWORD, **kwargs):
    return client.post("/staff/login", data={"email": email, "password": password}, **kwargs)


def copy_of_session(app, client):
    """A second browser holding a copy of ``client``'s session cookie (a stolen cookie)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def admin_saves(admin, person: StaffUser, **changes):
    """An admin saves the person's form (``active`` unchecked when given as None)."""
    data = {
        "email": person.email,
        "name": person.name,
        "role": person.role,
        "department": str(person.department_id or ""),
        "active": "y",
        **changes,
    }
    return admin.post(
        f"/staff/admin/usuarios/{person.id}", data={k: v for k, v in data.items() if v is not None}
    )


def lets_in(client) -> bool:
    response = client.get("/staff/tickets")
    if response.status_code == 302:
        assert "/staff/login" in response.location
        return False
    assert response.status_code == 200
    return True


# --- sessions end ------------------------------------------------------------------------------


def test_logout_ends_every_copy_of_the_session(app, client, demo):
    assert log_in(client, AGENT).status_code == 303
    thief = copy_of_session(app, client)
    other_computer = app.test_client()
    assert log_in(other_computer, AGENT).status_code == 303
    assert lets_in(thief) and lets_in(other_computer)

    client.post("/staff/logout")

    assert not lets_in(client)
    assert not lets_in(thief)  # the copied cookie gets the login page
    assert not lets_in(other_computer)  # logout ends all of this person's sessions


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, client, demo):
    log_in(client, AGENT)
    thief = copy_of_session(app, client)
    changed = client.post(
        "/staff/password",
        data={
            "current": PASSWORD,
            "new": "otra frase bien larga",
            "confirm": "otra frase bien larga",
        },
    )
    assert changed.status_code == 303
    assert lets_in(client)
    assert not lets_in(thief)


def test_an_admins_reset_ends_the_persons_sessions(app, client, demo):
    log_in(client, AGENT)
    thief = copy_of_session(app, client)
    agent = staff(demo, AGENT)
    admin = app.test_client()
    log_in(admin, ADMIN)
    reset = admin_saves(admin, agent, password="clave nueva de reposición")
    assert reset.status_code == 303
    assert not lets_in(client) and not lets_in(thief)
    assert lets_in(admin)
    assert log_in(client, AGENT, "clave nueva de reposición").status_code == 303


def test_an_admin_resetting_their_own_password_stays_logged_in(app, client, demo):
    log_in(client, ADMIN)
    thief = copy_of_session(app, client)
    assert (
        admin_saves(client, staff(demo, ADMIN), password="mi propia clave nueva").status_code == 303
    )
    assert lets_in(client) and not lets_in(thief)


def test_deactivating_a_person_ends_their_sessions(app, client, demo):
    log_in(client, AGENT)
    agent = staff(demo, AGENT)
    admin = app.test_client()
    log_in(admin, ADMIN)
    assert admin_saves(admin, agent, active=None).status_code == 303
    assert not lets_in(client)


def test_a_cookie_without_the_session_token_is_refused(client, demo):
    """A cookie naming only the user id (as before session tokens) is not a session."""
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = str(staff(demo, ADMIN).id)
        flask_session["_fresh"] = True
    assert not lets_in(client)


# --- the same cost whether or not the email exists ---------------------------------------------


@pytest.fixture
def key_derivations(monkeypatch):
    """Every password-hash derivation (scrypt or PBKDF2) the app runs, with its cost."""
    calls: list[tuple] = []
    real_scrypt, real_pbkdf2 = hashlib.scrypt, hashlib.pbkdf2_hmac

    def scrypt(password, *, salt, n, r, p, **kwargs):
        calls.append(("scrypt", n, r, p))
        return real_scrypt(password, salt=salt, n=n, r=r, p=p, **kwargs)

    def pbkdf2_hmac(name, password, salt, iterations, *args, **kwargs):
        calls.append(("pbkdf2", name, iterations))
        return real_pbkdf2(name, password, salt, iterations, *args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", scrypt)
    monkeypatch.setattr(hashlib, "pbkdf2_hmac", pbkdf2_hmac)
    return calls


def test_an_unknown_email_costs_the_same_hash_check_as_a_wrong_password(
    client, demo, key_derivations
):
    # Real passwords, hashed as the app hashes them (the suite's demo staff have a cheap hash).
    for email in (AGENT, ADMIN):
        staff(demo, email).set_password(PASSWORD)
    demo.commit()
    log_in(client, "warm-up@nowhere.cl", "x")  # the stand-in hash is made once per process
    key_derivations.clear()

    assert log_in(client, AGENT, "not the password").status_code == 401
    wrong_password = list(key_derivations)
    key_derivations.clear()
    assert log_in(client, "nadie@demo.penalolen.cl", "not the password").status_code == 401
    unknown_email = list(key_derivations)
    key_derivations.clear()
    staff(demo, ADMIN).active = False
    demo.commit()
    assert log_in(client, ADMIN, "not the password").status_code == 401
    inactive = list(key_derivations)

    assert wrong_password == [("scrypt", 2**15, 8, 1)]  # werkzeug's default, as set_password
    assert unknown_email == wrong_password
    assert inactive == wrong_password


# --- nobody locks a person out of their own login ----------------------------------------------


def test_one_address_hammering_an_account_is_slowed_and_the_person_still_logs_in(
    app, client, demo, monkeypatch
):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per 15 minutes")
    attacker = app.test_client()
    statuses = [
        log_in(attacker, AGENT, f"guess {n}", environ_base=ATTACKER).status_code for n in range(5)
    ]
    assert statuses == [401, 401, 401, 429, 429]  # the offending address is slowed down
    assert log_in(attacker, AGENT, PASSWORD, environ_base=ATTACKER).status_code == 429

    # The person, from their own computer (a browser that never logged in before), gets in.
    assert log_in(client, AGENT, environ_base=ELSEWHERE).status_code == 303
    assert lets_in(client)


def test_guessing_from_many_addresses_does_not_lock_out_the_persons_known_browser(
    app, client, demo, monkeypatch
):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_RATE_LIMIT", "3 per 15 minutes")
    assert log_in(client, AGENT, environ_base=ELSEWHERE).status_code == 303  # yesterday
    client.post("/staff/logout", environ_base=ELSEWHERE)

    botnet = app.test_client()
    for n in range(4):
        log_in(botnet, AGENT, "guess", environ_base={"REMOTE_ADDR": f"203.0.113.{n + 1}"})
    # The account is now closed to browsers that never logged into it, even with the password.
    stranger = app.test_client()
    blocked = log_in(stranger, AGENT, PASSWORD, environ_base={"REMOTE_ADDR": "203.0.113.99"})
    assert blocked.status_code == 429

    # The person's own browser (it logged in before) still gets in, from the same address too.
    assert log_in(client, AGENT, environ_base=ELSEWHERE).status_code == 303
    assert lets_in(client)


def test_a_known_browser_has_its_own_limit_and_only_for_its_account(app, client, demo, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "2 per 15 minutes")
    assert log_in(client, AGENT).status_code == 303
    client.post("/staff/logout")
    # Known for the agent's account: failures count against this browser, not the address.
    assert [log_in(client, AGENT, "x").status_code for _ in range(3)] == [401, 401, 429]
    # Not known for another account: the address limit applies there (and is untouched).
    assert [log_in(client, ADMIN, "x").status_code for _ in range(3)] == [401, 401, 429]


def test_a_forged_known_device_cookie_is_ignored(app, client, demo, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "2 per 15 minutes")
    client.set_cookie("staff_device", '["agente@demo.penalolen.cl", "x"]', path="/staff/login")
    assert [log_in(client, AGENT, "x").status_code for _ in range(3)] == [401, 401, 429]


# --- the migration -----------------------------------------------------------------------------


@pytest.fixture
def scratch_database_url(database_url):
    """An empty database of the same kind as the suite's (Postgres in CI, SQLite locally)."""
    import secrets
    import tempfile
    from pathlib import Path

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'scratch.db'}"
        return
    name = f"conectados_test_{secrets.token_hex(4)}"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def test_the_migration_gives_each_existing_person_their_own_token(scratch_database_url):
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_database_url, "SECRET_KEY": "test"})
    with app.app_context():
        upgrade(revision="0008_ticket_contacts")
        with db.engine.begin() as conn:
            for n in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO staff_users (email, name, password_hash, role, active,"
                        " created_at) VALUES (:email, 'x', 'h', 'counter', true, :now)"
                    ),
                    {"email": f"p{n}@test.cl", "now": "2026-11-01 12:00:00"},
                )
        upgrade()
        with db.engine.connect() as conn:
            tokens = conn.execute(text("SELECT session_token FROM staff_users")).scalars().all()
        db.engine.dispose()
    assert len(tokens) == 2 and all(len(t) == 32 for t in tokens) and tokens[0] != tokens[1]
