"""
A real SMTP server on loopback for tests (aiosmtpd), shared by any test directory.

Use it as a fixture: ``from smtp_testlib import smtp_server`` in a conftest,
then ``def test_x(smtp_server): port, received = smtp_server``. Point
Django's SMTP backend at ``127.0.0.1:port``; ``received`` collects the
parsed messages.
"""

from __future__ import annotations

import email.message
import socket
from collections.abc import Iterator

import pytest


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, list[email.message.Message]]]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received: list[email.message.Message] = []

    class Keep(Message):
        def handle_message(self, message):  # type: ignore[no-untyped-def,override]
            received.append(message)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


def use_smtp_server(settings, port: int) -> None:  # type: ignore[no-untyped-def]
    """Send Django's e-mail through the loopback server on ``port``."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
