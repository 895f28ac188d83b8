"""
Reminders and nudges by e-mail, each sent exactly once.

The worker's scheduler step (:func:`reminders_enqueue_due`) finds what is
due — sessions starting within the program's lead time, sessions past
without a log, goals without a check-in — and inserts one
:class:`~peerpath.meetings.models.ReminderDelivery` per recipient. Its unique
key makes that idempotent, however many schedulers run. Each due row is
handed to the ``deliver_reminder`` task (django-tasks, database backend).

Sending is a claim, then the e-mail, then the record:

1. :func:`reminder_claim` moves the row to ``sending`` with one conditional
   ``UPDATE`` (:func:`peerpath.core.claims.claim_row`); of two workers
   racing, the database lets exactly one match.
2. The e-mail goes out with a ``Message-ID`` derived from the row, so even a
   repeat after a crash is one message to the recipient's mail system.
3. The row becomes ``sent``, or ``failed`` with the error and a later retry
   time (logged, :func:`~peerpath.core.claims.record_failure`); after
   ``MAX_ATTEMPTS`` it gives up, loudly.

A worker that dies between claim and record leaves ``sending`` behind; once
the claim's lease expires, the scheduler hands it out again, or, if that was
its last attempt, gives it up (``gave_up``, logged as an error:
:func:`~peerpath.core.claims.give_up_abandoned`). Handing out is not a claim:
it counts no attempt and names no worker, it only keeps a second scheduler
from enqueueing the same row while the task waits in the queue.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from peerpath.core.claims import claim_row, give_up_abandoned, held_by, record_failure
from peerpath.core.emails import message_id_domain, send_templated_email
from peerpath.core.models import User
from peerpath.matching.models import Match
from peerpath.meetings.models import (
    Attendance,
    Goal,
    Group,
    MeetingSettings,
    ReminderDelivery,
    Session,
)
from peerpath.meetings.services import people_of, session_title

logger = logging.getLogger(__name__)

#: How long a claim holds before another worker may take the reminder over.
LEASE = dt.timedelta(minutes=10)
#: Attempts before a reminder is given up (each failure waits longer).
MAX_ATTEMPTS = 5
#: At most this many reminders are handed out (and as many given up) per scheduler step.
BATCH = 1000
#: Past sessions older than this are not nudged about any more.
LOG_NUDGE_WINDOW = dt.timedelta(days=7)
#: The longest lead time a program may set; bounds the scheduler's query.
MAX_LEAD = dt.timedelta(hours=168)

Kind = ReminderDelivery.Kind
Status = ReminderDelivery.Status


@dataclass(frozen=True)
class Due:
    kind: str
    object_id: int
    version: str
    recipient_id: int


def _settings_by_program(program_ids: Iterable[int]) -> dict[int, MeetingSettings]:
    return {s.program_id: s for s in MeetingSettings.objects.filter(program_id__in=program_ids)}


_LIVE_TARGET = Q(match__status=Match.Status.ACTIVE) | Q(group__status=Group.Status.ACTIVE)


def _session_recipients(session: Session, *, leaders_only: bool = False) -> list[User]:
    people = people_of(match=session.match, group=session.group)
    if leaders_only and session.group is not None:
        people = [p for p in people if p.role == Attendance.Role.LEADER]
    return [p.user for p in people if p.user.email and p.user.is_active]


def due_reminders(now: dt.datetime) -> list[Due]:
    """Every reminder that should exist at ``now`` (sent or not)."""
    due: list[Due] = []
    related = (
        "program",
        "match__mentor__student__user",
        "match__mentee__student__user",
        "group",
    )
    upcoming = list(
        Session.objects.filter(
            _LIVE_TARGET,
            status=Session.Status.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=now + MAX_LEAD,
        ).select_related(*related)
    )
    past = list(
        Session.objects.filter(
            _LIVE_TARGET,
            status=Session.Status.SCHEDULED,
            ends_at__lte=now,
            ends_at__gte=now - LOG_NUDGE_WINDOW,
            log__isnull=True,
        )
        .exclude(attendance__status=Attendance.Status.NO_SHOW)
        .select_related(*related)
    )
    goals = list(
        Goal.objects.filter(
            status=Goal.Status.ACTIVE, match__status=Match.Status.ACTIVE
        ).select_related("match__mentor__student__user", "match__mentee__student__user")
    )
    rules = _settings_by_program(
        {s.program_id for s in upcoming + past} | {g.match.program_id for g in goals}
    )

    def rule(program_id: int) -> MeetingSettings:
        return rules.get(program_id) or MeetingSettings()

    for session in upcoming:
        if session.starts_at - now <= dt.timedelta(
            hours=rule(session.program_id).reminder_lead_hours
        ):
            for user in _session_recipients(session):
                due.append(Due(Kind.SESSION, session.pk, str(session.sequence), user.pk))
    for session in past:
        if now - session.ends_at >= dt.timedelta(
            hours=rule(session.program_id).log_nudge_after_hours
        ):
            for user in _session_recipients(session, leaders_only=True):
                due.append(Due(Kind.LOG, session.pk, "", user.pk))
    for goal in goals:
        since = goal.last_update_at or goal.created_at
        if now - since >= dt.timedelta(days=rule(goal.match.program_id).goal_checkin_days):
            for participant in (goal.match.mentor, goal.match.mentee):
                user = participant.student.user
                due.append(Due(Kind.GOAL, goal.pk, since.date().isoformat(), user.pk))
    return due


def reminders_collect(*, now: dt.datetime | None = None) -> int:
    """Insert a delivery row for every due reminder that has none yet; return how many are due."""
    now = now or timezone.now()
    due = due_reminders(now)
    ReminderDelivery.objects.bulk_create(
        [
            ReminderDelivery(
                kind=d.kind,
                object_id=d.object_id,
                version=d.version,
                recipient_id=d.recipient_id,
                created_at=now,
                next_attempt_at=now,
            )
            for d in due
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    return len(due)


_HANDED_OUT = Q(status__in=[Status.PENDING, Status.FAILED, Status.SENDING])


def _lease_over(now: dt.datetime) -> Q:
    """Rows claimed by a worker that has not recorded an outcome within the lease."""
    return Q(status=Status.SENDING, claimed_at__lt=now - LEASE)


def _what(delivery: ReminderDelivery) -> str:
    """The row as a failure's log names it."""
    return f"Reminder {delivery.pk} ({delivery.kind}) to user {delivery.recipient_id}"


def reminders_enqueue_due(*, now: dt.datetime | None = None) -> int:
    """
    The worker's scheduler step: collect due reminders and enqueue a task per ready row.

    A row is handed out by a conditional update that pushes its next attempt
    one lease ahead, so two schedulers never enqueue it twice at once. A row
    whose last attempt's worker stopped is given up instead
    (:func:`~peerpath.core.claims.give_up_abandoned`).
    """
    from peerpath.meetings.tasks import deliver_reminder

    now = now or timezone.now()
    reminders_collect(now=now)
    give_up_abandoned(
        ReminderDelivery.objects.filter(_lease_over(now), attempts__gte=MAX_ATTEMPTS),
        gave_up_status=Status.GAVE_UP,
        log=logger,
        what=_what,
        limit=BATCH,
    )
    ready = list(
        ReminderDelivery.objects.filter(
            _HANDED_OUT, next_attempt_at__lte=now, attempts__lt=MAX_ATTEMPTS
        ).values_list("pk", "next_attempt_at")[:BATCH]
    )
    enqueued = 0
    for pk, next_attempt_at in ready:
        with transaction.atomic():
            taken = ReminderDelivery.objects.filter(pk=pk, next_attempt_at=next_attempt_at).update(
                next_attempt_at=now + LEASE, enqueued_at=now
            )
            if taken:
                deliver_reminder.enqueue(pk)
                enqueued += 1
    return enqueued


def reminder_claim(
    delivery_id: int, *, worker: str, now: dt.datetime | None = None
) -> ReminderDelivery | None:
    """Take the reminder for sending, or return ``None`` if it is sent or someone else has it."""
    now = now or timezone.now()
    # Not filtered on next_attempt_at: the scheduler pushed it one lease ahead
    # when it enqueued this task.
    claimable = ReminderDelivery.objects.filter(
        Q(status__in=[Status.PENDING, Status.FAILED]) | _lease_over(now),
        attempts__lt=MAX_ATTEMPTS,
    )
    claimed = claim_row(
        claimable,
        delivery_id,
        worker=worker,
        now=now,
        lease=LEASE,
        status=Status.SENDING,
        claimed_at=now,
    )
    if not claimed:
        return None
    return ReminderDelivery.objects.select_related("recipient").get(pk=delivery_id)


def _message(delivery: ReminderDelivery, now: dt.datetime) -> tuple[str, dict[str, object]] | None:
    """The template and context of the e-mail, or ``None`` if it is no longer needed."""
    user = delivery.recipient
    site = settings.PEERPATH_SITE_URL
    if delivery.kind in {Kind.SESSION, Kind.LOG}:
        session = (
            Session.objects.select_related(
                "program__school",
                "match__mentor__student__user",
                "match__mentee__student__user",
                "group",
                "log",
            )
            .filter(pk=delivery.object_id)
            .first()
        )
        if session is None or session.is_cancelled:
            return None
        if delivery.kind == Kind.SESSION and (
            session.starts_at <= now or str(session.sequence) != delivery.version
        ):
            return None
        if delivery.kind == Kind.LOG and hasattr(session, "log"):
            return None
        others = [
            p.user.get_short_name()
            for p in people_of(match=session.match, group=session.group)
            if p.user.pk != user.pk
        ]
        return (
            "meetings_reminder_session"
            if delivery.kind == Kind.SESSION
            else "meetings_reminder_log",
            {
                "name": user.get_short_name(),
                "title": session_title(session),
                "others": ", ".join(others),
                "program": session.program.name,
                "starts_at": session.starts_at,
                "ends_at": session.ends_at,
                "tz": session.program.school.time_zone,
                "location": session.location,
                "online_url": session.online_url,
                "url": site + reverse("meetings:session", args=[session.pk]),
            },
        )
    goal = (
        Goal.objects.select_related("match__program", "match__mentor__student__user")
        .filter(pk=delivery.object_id)
        .first()
    )
    if goal is None or goal.status != Goal.Status.ACTIVE:
        return None
    since = goal.last_update_at or goal.created_at
    if since.date().isoformat() != delivery.version:
        return None
    return (
        "meetings_reminder_goal",
        {
            "name": user.get_short_name(),
            "goal": goal.what,
            "measure": goal.measure,
            "due_on": goal.due_on,
            "progress": goal.progress,
            "program": goal.match.program.name,
            "url": site + reverse("meetings:goals", args=[goal.match_id]),
        },
    )


def _send(delivery: ReminderDelivery, template: str, context: dict[str, object]) -> None:
    user = delivery.recipient
    send_templated_email(
        to=[user.email],
        template=template,
        context=context,
        language=user.preferred_language,
        message_id=f"<reminder-{delivery.pk}-{delivery.kind}@{message_id_domain()}>",
    )


def reminder_deliver(delivery_id: int, *, worker: str = "", now: dt.datetime | None = None) -> str:
    """Claim, send and record one reminder; return its final status (the task's body)."""
    now = now or timezone.now()
    worker = worker or uuid.uuid4().hex
    delivery = reminder_claim(delivery_id, worker=worker, now=now)
    if delivery is None:
        return "not-claimed"
    mine = held_by(
        ReminderDelivery.objects.filter(status=Status.SENDING), delivery.pk, worker=worker
    )
    found = _message(delivery, now)
    if found is None:
        mine.update(status=Status.SKIPPED)
        return Status.SKIPPED
    try:
        _send(delivery, *found)
    except Exception as error:  # any transport failure: record it and retry later
        return record_failure(
            mine,
            error,
            attempts=delivery.attempts,
            max_attempts=MAX_ATTEMPTS,
            now=now,
            retry_status=Status.FAILED,
            gave_up_status=Status.GAVE_UP,
            log=logger,
            what=_what(delivery),
        )
    mine.update(status=Status.SENT, sent_at=timezone.now(), last_error="")
    return Status.SENT
