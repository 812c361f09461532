"""``flask --app app sms-simulate FROM TEXT``: try the SMS channel without a phone or Twilio.

Signs the message exactly as Twilio would (with TWILIO_AUTH_TOKEN) and posts it to the real
webhook inside this process; prints the reply the resident would get.
"""

from __future__ import annotations

import secrets

import click
from flask import current_app
from flask.cli import with_appcontext
from twilio.request_validator import RequestValidator


@click.command("sms-simulate")
@click.argument("sender")
@click.argument("text")
@with_appcontext
def sms_simulate(sender: str, text: str) -> None:
    """Send TEXT from the mobile SENDER (E.164, e.g. +56987654321) to the SMS webhook."""
    app = current_app._get_current_object()  # noqa: SLF001
    base = app.config["PUBLIC_BASE_URL"]
    params = {
        "From": sender,
        "To": app.config.get("TWILIO_FROM") or "+56229999999",
        "Body": text,
        "MessageSid": "SMsim" + secrets.token_hex(14),
    }
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(
        base + "/channels/sms/inbound", params
    )
    client = app.test_client()
    response = client.post(
        "/channels/sms/inbound",
        data=params,
        base_url=base,
        headers={"X-Twilio-Signature": signature},
    )
    body = response.get_data(as_text=True)
    if response.status_code != 200:
        raise click.ClickException(f"the webhook answered {response.status_code}")
    reply = body.split("<Message>")[1].split("</Message>")[0] if "<Message>" in body else ""
    click.echo(reply or "(sin respuesta)")
