"""Delivery: the life of an outbox row once the notices wrote it — handed over after commit
(``hooks``), claimed, sent, retried, failed or suppressed, and the provider's status
(``state``); what a sender may raise (``errors``). Sending itself is the channels' job, driven
by workers."""

from __future__ import annotations

from flask import Flask

from app.delivery import hooks


def init_app(app: Flask) -> None:
    hooks.init_app(app)  # new outbox rows are announced after commit
