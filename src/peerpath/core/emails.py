"""
E-mail sent by Peerpath: rendered as text and HTML, sent after commit.

A template ``NAME`` is three files under ``templates/emails/``:
``NAME.subject.txt``, ``NAME.txt`` and ``NAME.html`` (which extends
``emails/base.html``). Services call :func:`email_on_commit`, so that a
message is only sent once the change it announces is saved, and never for a
change that was rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)


def render_email(template: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """Return ``(subject, text, html)`` for ``template`` rendered with ``context``."""
    ctx = {"site_url": getattr(settings, "PEERPATH_SITE_URL", ""), **context}
    subject = " ".join(render_to_string(f"emails/{template}.subject.txt", ctx).split())
    text = render_to_string(f"emails/{template}.txt", ctx)
    html = render_to_string(f"emails/{template}.html", ctx)
    return subject, text, html


def send_templated_email(
    *,
    to: Sequence[str],
    template: str,
    context: Mapping[str, Any],
    language: str | None = None,
) -> int:
    """Render and send one message to ``to`` now; return the number sent (0 or 1)."""
    recipients = [address for address in to if address]
    if not recipients:
        return 0
    with translation.override(language or settings.LANGUAGE_CODE):
        subject, text, html = render_email(template, context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=recipients
    )
    message.attach_alternative(html, "text/html")
    return message.send()


def email_on_commit(
    *,
    to: Sequence[str],
    template: str,
    context: Mapping[str, Any],
    language: str | None = None,
) -> None:
    """Send the message once the current transaction commits (at once outside one)."""
    recipients = list(to)
    frozen = dict(context)

    def send() -> None:
        try:
            send_templated_email(
                to=recipients, template=template, context=frozen, language=language
            )
        except Exception:  # the change is committed; a mail failure must not undo it
            logger.exception("Could not send %s e-mail to %s", template, recipients)

    transaction.on_commit(send)
