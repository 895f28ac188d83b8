"""Background tasks of meetings, run by ``peerpath worker`` (django-tasks, database backend)."""

from __future__ import annotations

from django_tasks import task

from peerpath.meetings.reminders import reminder_deliver


@task()
def deliver_reminder(delivery_id: int) -> str:
    """Send one reminder e-mail exactly once (see :mod:`peerpath.meetings.reminders`)."""
    return reminder_deliver(delivery_id)
