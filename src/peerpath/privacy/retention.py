"""
Retention: delete personal data once it has been kept as long as it may be.

Each kind of data has a period in days (``PEERPATH_RETENTION_DAYS`` in the
settings, from ``PEERPATH_RETAIN_<KIND>_DAYS`` environment variables; the
defaults are :data:`DEFAULT_RETENTION_DAYS`, explained in
``docs/privacy.md``). :func:`retention_purge` deletes what is older, in one
transaction, and records one audit entry with the counts. ``peerpath worker``
runs it about once an hour (:func:`retention_purge_step`); ``peerpath purge
--dry-run`` shows what it would delete.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from peerpath.core.models import AuditEntry
from peerpath.matching.models import ExitSurvey, Match
from peerpath.meetings.models import Group, SessionLog, SessionNote
from peerpath.messaging.models import Message
from peerpath.programs.models import ParticipantStatus
from peerpath.recruitment.models import Application
from peerpath.support.models import CheckInResponse

__all__ = [
    "DEFAULT_RETENTION_DAYS",
    "RETENTION_KINDS",
    "retention_days",
    "retention_purge",
    "retention_purge_step",
]

#: Days each kind of data is kept; see docs/privacy.md for the reasons.
DEFAULT_RETENTION_DAYS: dict[str, int] = {
    "messages": 365,  # after the match (or the group, for its board) closes
    "session_notes": 730,  # session logs and notes, after the session
    "checkins": 1095,  # check-in and survey answers, after they were given
    "closed_applications": 365,  # declined or withdrawn, after the decision
    "audit": 2555,  # audit entries (7 years)
}


@dataclass(frozen=True)
class RetentionKind:
    key: str
    description: str
    #: (cut-off) → the querysets whose rows are past their period
    expired: Callable[[dt.datetime], list[models.QuerySet]]


def _messages(cutoff: dt.datetime) -> list[models.QuerySet]:
    return [
        Message.objects.filter(
            thread__match__status=Match.Status.CLOSED, thread__match__closed_at__lt=cutoff
        ),
        Message.objects.filter(
            thread__group__status=Group.Status.CLOSED, thread__group__closed_at__lt=cutoff
        ),
    ]


def _session_notes(cutoff: dt.datetime) -> list[models.QuerySet]:
    return [
        SessionNote.objects.filter(session__starts_at__lt=cutoff),
        SessionLog.objects.filter(session__starts_at__lt=cutoff),
    ]


def _checkins(cutoff: dt.datetime) -> list[models.QuerySet]:
    return [
        CheckInResponse.objects.filter(created_at__lt=cutoff),
        ExitSurvey.objects.filter(created_at__lt=cutoff),
    ]


def _closed_applications(cutoff: dt.datetime) -> list[models.QuerySet]:
    return [
        Application.objects.filter(
            participant__status__in=[ParticipantStatus.DECLINED, ParticipantStatus.WITHDRAWN],
            participant__status_changed_at__lt=cutoff,
        )
    ]


def _audit(cutoff: dt.datetime) -> list[models.QuerySet]:
    return [AuditEntry.objects.filter(created_at__lt=cutoff)]


RETENTION_KINDS: tuple[RetentionKind, ...] = (
    RetentionKind(
        "messages",
        "Messages of a match or a group's board, counted from the day it closed",
        _messages,
    ),
    RetentionKind("session_notes", "Session logs and notes, from the session", _session_notes),
    RetentionKind(
        "checkins",
        "Check-in and exit survey answers, from the answer",
        _checkins,
    ),
    RetentionKind(
        "closed_applications",
        "Applications declined or withdrawn, from the decision",
        _closed_applications,
    ),
    RetentionKind("audit", "Audit entries, from the entry", _audit),
)


def retention_days() -> dict[str, int]:
    """The period of each kind, in days: the defaults overridden by the settings."""
    configured = getattr(settings, "PEERPATH_RETENTION_DAYS", {}) or {}
    return {key: int(configured.get(key, days)) for key, days in DEFAULT_RETENTION_DAYS.items()}


def retention_purge(*, now: dt.datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """
    Delete every row past its retention period; return how many, by kind.

    With ``dry_run`` nothing is deleted and the counts say what would be.
    """
    now = now or timezone.now()
    periods = retention_days()
    counts: dict[str, int] = {}
    with transaction.atomic():
        for kind in RETENTION_KINDS:
            cutoff = now - dt.timedelta(days=periods[kind.key])
            total = 0
            for queryset in kind.expired(cutoff):
                if dry_run:
                    total += queryset.count()
                else:
                    _all, per_model = queryset.delete()
                    total += per_model.get(queryset.model._meta.label, 0)
            counts[kind.key] = total
        if not dry_run and any(counts.values()):
            AuditEntry.objects.create(
                actor=None,
                action="privacy.retention.purge",
                target_type="privacy.retention",
                target_id=now.date().isoformat(),
                after={"deleted": counts, "periods_days": periods},
            )
    return counts


_PURGE_EVERY_SECONDS = 3600.0
_last_purge = float("-inf")


def retention_purge_step() -> str:
    """The worker's periodic step: purge at most once an hour; say what went."""
    global _last_purge
    if time.monotonic() - _last_purge < _PURGE_EVERY_SECONDS:
        return ""
    _last_purge = time.monotonic()
    counts = retention_purge()
    deleted = {k: v for k, v in counts.items() if v}
    if not deleted:
        return ""
    return "purged " + ", ".join(f"{v} {k}" for k, v in sorted(deleted.items()))
