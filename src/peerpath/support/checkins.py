"""
Check-in invitations by e-mail on each program's cadence, each sent exactly once.

A match's check-ins fall due every ``SupportSettings.checkin_every_days``
days from the day it began (the first one cadence after that day). When one
is due, each partner who has not answered a check-in lately gets one e-mail
with a link to the check-in form.

``peerpath worker`` calls :func:`checkin_reminders_run` periodically (declared
in :class:`~peerpath.support.apps.SupportConfig`). It works like the meetings
reminders:

1. :func:`checkin_reminders_collect` inserts one
   :class:`~peerpath.support.models.CheckInReminder` per due (participant,
   match, due date); the unique key makes that idempotent, however many
   workers run it at once.
2. :func:`checkin_reminder_claim` moves a row to ``sending`` with one
   conditional ``UPDATE`` (:func:`peerpath.core.claims.claim_row`); of two
   workers racing, the database lets exactly one match.
3. The e-mail goes out with a ``Message-ID`` derived from the row; the row
   becomes ``sent``, or ``failed`` with a later retry (``gave_up`` after
   ``MAX_ATTEMPTS``, :func:`~peerpath.core.claims.record_failure`).

A worker that dies between claim and record leaves ``sending`` behind; once
the claim's lease expires another run takes it over, or, if that was its last
attempt, gives it up (``gave_up``, logged as an error:
:func:`~peerpath.core.claims.give_up_abandoned`). Only the current period is
ever sent: a worker that was down for weeks does not send the missed ones.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from peerpath.core.claims import claim_row, give_up_abandoned, held_by, record_failure
from peerpath.core.emails import message_id_domain, send_templated_email
from peerpath.matching.models import Match
from peerpath.support.health import settings_by_program
from peerpath.support.models import CheckInReminder, CheckInResponse

logger = logging.getLogger(__name__)

#: How long a claim holds before another worker may take the e-mail over.
LEASE = dt.timedelta(minutes=10)
#: Attempts before an e-mail is given up (each failure waits longer).
MAX_ATTEMPTS = 5
#: At most this many e-mails per run, so that one run never holds the worker long.
BATCH = 200

Status = CheckInReminder.Status


def current_due_date(started: dt.date, every_days: int, today: dt.date) -> dt.date | None:
    """The due date of the check-in period ``today`` is in, or ``None`` before the first one."""
    every = max(every_days, 1)
    periods = (today - started).days // every
    if periods < 1:
        return None
    return started + dt.timedelta(days=periods * every)


def answered_recently(last: dt.date | None, due_on: dt.date, every_days: int) -> bool:
    """A check-in answered in the second half of the previous period (or later) counts."""
    return last is not None and last >= due_on - dt.timedelta(days=every_days // 2)


@dataclass(frozen=True)
class DueCheckIn:
    participant_id: int
    match_id: int
    due_on: dt.date


def due_checkins(today: dt.date) -> list[DueCheckIn]:
    """Every check-in invitation that should exist on ``today`` (in three queries)."""
    matches = list(
        Match.objects.filter(status=Match.Status.ACTIVE, program__term_end__gte=today).only(
            "pk", "program_id", "started_at", "mentor_id", "mentee_id"
        )
    )
    rules = settings_by_program(m.program_id for m in matches)
    people = {pid for m in matches for pid in (m.mentor_id, m.mentee_id)}
    last_answer = {
        row["participant_id"]: timezone.localdate(row["last"])
        for row in CheckInResponse.objects.filter(
            participant_id__in=people, kind=CheckInResponse.Kind.CHECKIN
        )
        .values("participant_id")
        .annotate(last=Max("submitted_at"))
    }
    due: list[DueCheckIn] = []
    for match in matches:
        every = rules[match.program_id].checkin_every_days
        due_on = current_due_date(timezone.localdate(match.started_at), every, today)
        if due_on is None:
            continue
        for participant_id in (match.mentor_id, match.mentee_id):
            if not answered_recently(last_answer.get(participant_id), due_on, every):
                due.append(DueCheckIn(participant_id, match.pk, due_on))
    return due


def checkin_reminders_collect(*, now: dt.datetime | None = None) -> int:
    """Insert a row for every due invitation that has none yet; return how many are due."""
    now = now or timezone.now()
    due = due_checkins(timezone.localdate(now))
    CheckInReminder.objects.bulk_create(
        [
            CheckInReminder(
                participant_id=d.participant_id,
                match_id=d.match_id,
                due_on=d.due_on,
                created_at=now,
                next_attempt_at=now,
            )
            for d in due
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    return len(due)


def _lease_over(now: dt.datetime) -> Q:
    """Rows claimed by a worker that has not recorded an outcome within the lease."""
    return Q(status=Status.SENDING, claimed_at__lt=now - LEASE)


def _claimable(now: dt.datetime) -> Q:
    return (
        Q(status__in=[Status.PENDING, Status.FAILED], next_attempt_at__lte=now) | _lease_over(now)
    ) & Q(attempts__lt=MAX_ATTEMPTS)


def _what(reminder: CheckInReminder) -> str:
    """The row as a failure's log names it."""
    return f"Check-in e-mail {reminder.pk} to participant {reminder.participant_id}"


def checkin_reminder_claim(
    reminder_id: int, *, worker: str, now: dt.datetime | None = None
) -> CheckInReminder | None:
    """Take the e-mail for sending, or return ``None`` if it is sent or someone else has it."""
    now = now or timezone.now()
    claimed = claim_row(
        CheckInReminder.objects.filter(_claimable(now)),
        reminder_id,
        worker=worker,
        now=now,
        lease=LEASE,
        status=Status.SENDING,
        claimed_at=now,
    )
    if not claimed:
        return None
    return CheckInReminder.objects.select_related(
        "participant__student__user", "participant__program", "match"
    ).get(pk=reminder_id)


def _still_needed(reminder: CheckInReminder) -> bool:
    """The match is still on and the participant has not answered since the e-mail fell due."""
    if reminder.match.status != Match.Status.ACTIVE:
        return False
    user = reminder.participant.student.user
    if not (user.is_active and user.email):
        return False
    every = settings_by_program([reminder.match.program_id])[
        reminder.match.program_id
    ].checkin_every_days
    last = (
        CheckInResponse.objects.filter(
            participant=reminder.participant, kind=CheckInResponse.Kind.CHECKIN
        )
        .order_by("-submitted_at")
        .values_list("submitted_at", flat=True)
        .first()
    )
    return not answered_recently(timezone.localdate(last) if last else None, reminder.due_on, every)


def _send(reminder: CheckInReminder) -> None:
    participant = reminder.participant
    user = participant.student.user
    site = settings.PEERPATH_SITE_URL
    context = {
        "name": user.get_short_name(),
        "program": participant.program.name,
        "url": site + reverse("support:checkin", args=[participant.pk, "checkin"]),
    }
    send_templated_email(
        to=[user.email],
        template="checkin_due",
        context=context,
        language=user.preferred_language,
        message_id=f"<checkin-{reminder.pk}-{reminder.due_on:%Y%m%d}@{message_id_domain()}>",
    )


def checkin_reminder_deliver(
    reminder_id: int, *, worker: str = "", now: dt.datetime | None = None
) -> str:
    """Claim, send and record one invitation; return its final status."""
    now = now or timezone.now()
    worker = worker or uuid.uuid4().hex
    reminder = checkin_reminder_claim(reminder_id, worker=worker, now=now)
    if reminder is None:
        return "not-claimed"
    mine = held_by(
        CheckInReminder.objects.filter(status=Status.SENDING), reminder.pk, worker=worker
    )
    if not _still_needed(reminder):
        mine.update(status=Status.SKIPPED)
        return Status.SKIPPED
    try:
        _send(reminder)
    except Exception as error:  # any transport failure: record it and retry later
        return record_failure(
            mine,
            error,
            attempts=reminder.attempts,
            max_attempts=MAX_ATTEMPTS,
            now=now,
            retry_status=Status.FAILED,
            gave_up_status=Status.GAVE_UP,
            log=logger,
            what=_what(reminder),
        )
    mine.update(status=Status.SENT, sent_at=timezone.now(), last_error="")
    return Status.SENT


def checkin_reminders_run(*, now: dt.datetime | None = None, worker: str = "") -> int:
    """
    The worker's periodic step: collect due invitations, then send up to ``BATCH``; return sent.

    Several workers may run it at once: each row is claimed before it is sent.
    A row whose last attempt's worker stopped is given up
    (:func:`~peerpath.core.claims.give_up_abandoned`).
    """
    now = now or timezone.now()
    worker = worker or uuid.uuid4().hex
    checkin_reminders_collect(now=now)
    give_up_abandoned(
        CheckInReminder.objects.filter(_lease_over(now), attempts__gte=MAX_ATTEMPTS),
        gave_up_status=Status.GAVE_UP,
        log=logger,
        what=_what,
        limit=BATCH,
    )
    ready = list(
        CheckInReminder.objects.filter(_claimable(now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    return sum(checkin_reminder_deliver(pk, worker=worker, now=now) == Status.SENT for pk in ready)
