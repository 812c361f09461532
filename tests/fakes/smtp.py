"""A local SMTP server (aiosmtpd) that keeps what it receives, for the real smtplib to talk to.

Faults, switchable per test: ``delay_seconds`` (every message is kept at once but answered that
much later: a slow server, or with a long delay a lost answer), ``refuse(address)`` (550 at
RCPT) and ``on_message`` (called with each message once it is kept, before the 250 answer:
a test can break something right after the provider accepted).
"""

from __future__ import annotations

import asyncio
import email
import logging
import socket
import threading
from collections.abc import Callable
from email.message import Message

from aiosmtpd.controller import Controller

# aiosmtpd tells of every connection at INFO ("EOF received", "connection lost"), also after
# the test that opened it has ended: only its warnings are of interest here.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()
        self.port = free_port()
        self.delay_seconds = 0.0
        self.refused: set[str] = set()
        self.on_message: Callable[[Message], None] | None = None
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    def refuse(self, address: str, refused: bool = True) -> None:
        (self.refused.add if refused else self.refused.discard)(address)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content)
        with self.lock:
            self.messages.append(message)
        if self.on_message is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.on_message, message)
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
