"""
E-mail sent by Peerpath: rendered as text and HTML, stored in an outbox, sent after commit.

A template ``NAME`` is three files under ``templates/emails/``:
``NAME.subject.txt``, ``NAME.txt`` and ``NAME.html`` (which extends
``emails/base.html``).

Services call :func:`email_on_commit` (the transactional outbox):

1. it renders the message at once and saves it as an
   :class:`~peerpath.core.models.OutboundEmail` row *in the caller's
   transaction*, so the message is stored if and only if the change it
   announces is; a rollback leaves neither;
2. once the transaction commits, the same process claims the row and sends
   it (what users and tests see is unchanged: the e-mail goes out right
   after the commit);
3. ``peerpath worker`` calls :func:`outbox_send_due`, which sends what step 2
   did not: the rows of a process that died between its commit and its
   send (their claim's lease has run out) and the rows whose sending failed
   (SMTP down), after a back-off. After :data:`MAX_ATTEMPTS` a row is
   ``failed``, and logged as an error.

Claims are those of :mod:`peerpath.core.claims`: one conditional ``UPDATE``
per row, with ``SKIP LOCKED`` on PostgreSQL, so any number of workers may
run. Every attempt carries the row's ``Message-ID``: a message sent by a
process that died before recording it is sent again (at least once), and the
recipient's mail system sees one message. A sent row loses its bodies at
once and the whole row goes after :func:`outbox_keep_days` days, as do
failed rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from peerpath.core.claims import (
    claim_due,
    claim_row,
    give_up_abandoned,
    held_by,
    record_failure,
)
from peerpath.core.models import OutboundEmail, User

__all__ = [
    "BATCH",
    "LEASE",
    "MAX_ATTEMPTS",
    "email_on_commit",
    "email_users_on_commit",
    "message_id_domain",
    "outbox_keep_days",
    "outbox_purge",
    "outbox_send_due",
    "render_email",
    "send_templated_email",
]

logger = logging.getLogger(__name__)

#: How long a claim holds before a worker may take the e-mail over. A new row
#: is born claimed by the process that stores it (its after-commit send).
LEASE = dt.timedelta(minutes=10)
#: Attempts before an e-mail is given up; the waits in between (2, 4 … 128
#: minutes, :func:`~peerpath.core.claims.backoff`) ride out a four-hour outage.
MAX_ATTEMPTS = 8
#: At most this many e-mails per worker step, so that one step never holds the worker long.
BATCH = 200
#: Days sent and failed e-mails are kept (``PEERPATH_OUTBOX_KEEP_DAYS`` overrides).
DEFAULT_KEEP_DAYS = 30

Status = OutboundEmail.Status


def render_email(template: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """Return ``(subject, text, html)`` for ``template`` rendered with ``context``."""
    ctx = {"site_url": getattr(settings, "PEERPATH_SITE_URL", ""), **context}
    subject = " ".join(render_to_string(f"emails/{template}.subject.txt", ctx).split())
    text = render_to_string(f"emails/{template}.txt", ctx)
    html = render_to_string(f"emails/{template}.html", ctx)
    return subject, text, html


def message_id_domain() -> str:
    """Return the host name that ends Peerpath's ``Message-ID`` headers (the site's)."""
    return urlsplit(getattr(settings, "PEERPATH_SITE_URL", "")).hostname or "peerpath"


def send_templated_email(
    *,
    to: Sequence[str],
    template: str,
    context: Mapping[str, Any],
    language: str | None = None,
    message_id: str = "",
) -> int:
    """
    Render and send one message to ``to`` now; return the number sent (0 or 1).

    Work that is retried after a crash (a claimed reminder) gives a
    ``message_id`` derived from its row, the same on every attempt, so that
    a repeat is one message to the recipient's mail system.
    """
    recipients = [address for address in to if address]
    if not recipients:
        return 0
    with translation.override(language or settings.LANGUAGE_CODE):
        subject, text, html = render_email(template, context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers={"Message-ID": message_id} if message_id else None,
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
    """
    Store the message in the outbox now and send it once the transaction commits.

    Outside a transaction the row is saved and the message sent at once. A
    template that fails to render is logged and sends nothing; it does not
    undo the caller's change.
    """
    recipients = [address for address in to if address]
    if not recipients:
        return
    try:
        with translation.override(language or settings.LANGUAGE_CODE):
            subject, text, html = render_email(template, context)
    except DatabaseError:
        raise  # the caller's transaction is broken; it must not go on
    except Exception:
        logger.exception("Could not render %s e-mail to %s", template, recipients)
        return
    now = timezone.now()
    row = OutboundEmail.objects.create(
        created_at=now,
        template=template[:100],
        language=(language or "")[:10],
        recipients=recipients,
        subject=subject,
        body_text=text,
        body_html=html,
        message_id=f"<outbox-{uuid.uuid4().hex}@{message_id_domain()}>",
        next_attempt_at=now + LEASE,
    )
    transaction.on_commit(lambda: _send_after_commit(row))


def email_users_on_commit(
    users: Iterable[User], *, template: str, context: Mapping[str, Any]
) -> None:
    """
    :func:`email_on_commit` to several people, one message per language they read.

    Each message is rendered in its readers' language (the site's for those
    who chose none), so nobody reads a notice in the sender's language.
    Context values that are translated text must stay lazy (e.g. a choice's
    ``label``) to be translated per message.
    """
    by_language: dict[str, set[str]] = {}
    for user in users:
        if user.email:
            by_language.setdefault(user.preferred_language, set()).add(user.email)
    for language, emails in sorted(by_language.items()):
        email_on_commit(
            to=sorted(emails), template=template, context=context, language=language or None
        )


def _send_after_commit(row: OutboundEmail) -> None:
    try:
        worker = f"commit-{uuid.uuid4().hex}"
        now = timezone.now()
        # Only the first attempt is the storing process's; a worker may have taken
        # the row over already (a commit that took longer than the lease).
        first = OutboundEmail.objects.filter(status=Status.PENDING, attempts=0)
        if claim_row(first, row.pk, worker=worker, now=now, lease=LEASE):
            row.attempts, row.claimed_by = 1, worker
            _send_claimed(row, worker=worker, now=now)
    except Exception:  # the change is committed; the worker retries what is left pending
        logger.exception("Could not send outbox e-mail %s", row.pk)


def _message(row: OutboundEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(row.recipients),
        headers={"Message-ID": row.message_id},
    )
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    return message


def _what(row: OutboundEmail) -> str:
    """The row as a failure's log names it."""
    return f"Outbox e-mail {row.pk} ({row.template})"


def _send_claimed(row: OutboundEmail, *, worker: str, now: dt.datetime) -> str:
    """Send a row this worker has claimed and record the outcome; return its new status."""
    mine = held_by(OutboundEmail.objects.filter(status=Status.PENDING), row.pk, worker=worker)
    try:
        _message(row).send()
    except Exception as error:  # any transport failure: record it and retry later
        return record_failure(
            mine,
            error,
            attempts=row.attempts,
            max_attempts=MAX_ATTEMPTS,
            now=now,
            retry_status=Status.PENDING,
            gave_up_status=Status.FAILED,
            log=logger,
            what=_what(row),
        )
    # Sent: what it said is in the recipient's mailbox; keep only who, what and when.
    mine.update(
        status=Status.SENT, sent_at=timezone.now(), last_error="", body_text="", body_html=""
    )
    return Status.SENT


def _due(now: dt.datetime) -> QuerySet[OutboundEmail]:
    """The rows a worker may claim at ``now``: pending, lease or back-off over."""
    return OutboundEmail.objects.filter(
        status=Status.PENDING, next_attempt_at__lte=now, attempts__lt=MAX_ATTEMPTS
    )


def outbox_keep_days() -> int:
    """Days a sent or failed e-mail is kept (``PEERPATH_OUTBOX_KEEP_DAYS``, default 30)."""
    return int(getattr(settings, "PEERPATH_OUTBOX_KEEP_DAYS", DEFAULT_KEEP_DAYS))


def outbox_purge(*, now: dt.datetime | None = None) -> int:
    """Delete sent and failed e-mails older than :func:`outbox_keep_days`; return how many."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=outbox_keep_days())
    deleted, _ = OutboundEmail.objects.filter(
        status__in=[Status.SENT, Status.FAILED], created_at__lt=cutoff
    ).delete()
    return deleted


_PURGE_EVERY_SECONDS = 3600.0
_last_purge = float("-inf")


def outbox_send_due(*, now: dt.datetime | None = None, worker: str = "") -> str:
    """
    The worker's periodic step: send up to :data:`BATCH` due e-mails; say what happened.

    Due are pending rows whose lease or back-off has run out. A row whose
    last allowed attempt was claimed and never recorded (the process died)
    becomes ``failed`` (:func:`~peerpath.core.claims.give_up_abandoned`).
    About once an hour, old rows are purged (:func:`outbox_purge`).
    """
    global _last_purge
    now = now or timezone.now()
    worker = worker or uuid.uuid4().hex
    claimed = claim_due(_due(now), worker=worker, now=now, lease=LEASE, limit=BATCH)
    outcomes = [
        _send_claimed(row, worker=worker, now=now)
        for row in OutboundEmail.objects.filter(pk__in=claimed).order_by("next_attempt_at", "pk")
    ]
    abandoned = give_up_abandoned(
        OutboundEmail.objects.filter(
            status=Status.PENDING, attempts__gte=MAX_ATTEMPTS, next_attempt_at__lte=now
        ),
        gave_up_status=Status.FAILED,
        log=logger,
        what=_what,
        limit=BATCH,
    )
    purged = 0
    if time.monotonic() - _last_purge >= _PURGE_EVERY_SECONDS:
        _last_purge = time.monotonic()
        purged = outbox_purge(now=now)
    report = {
        "sent": outcomes.count(Status.SENT),
        "to retry": outcomes.count(Status.PENDING),
        "failed": outcomes.count(Status.FAILED) + abandoned,
        "purged": purged,
    }
    return ", ".join(f"{count} {what}" for what, count in report.items() if count)
