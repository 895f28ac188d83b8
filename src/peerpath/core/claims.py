"""
Claiming rows of a work table for one worker at a time, under a lease.

Work that must be done once although several processes may try is a table
whose rows carry an attempt count and the end of a lease. A worker *claims* a
row with one conditional ``UPDATE`` (:func:`claim_row`) that counts the
attempt, pushes the lease ahead and, where the table names its workers, sets
``claimed_by``; of two workers racing for a row, the database lets exactly one
match. A worker that dies after its claim leaves the row to be taken over once
the lease has run out (at least once: the work must carry a stable id, such as
an e-mail's ``Message-ID``, for the repeat to be recognisable). The worker
writes its outcome only through :func:`held_by`, so a row another worker has
taken over since is left alone; a failed attempt is recorded with
:func:`record_failure`, which waits :func:`backoff` before the next one. A
row whose *last* allowed attempt was claimed and never recorded (its worker
stopped) can be claimed by nobody; :func:`give_up_abandoned`, run by each
table's periodic step, gives it up once its lease has run out, as
:func:`record_failure` would have.

The caller says which rows may be claimed (a queryset filtered on its own
statuses, lease and ``attempts``) and what else a claim sets (a status, a
``claimed_at``), so one helper serves tables whose statuses differ. Its users:

- the e-mail outbox (:mod:`peerpath.core.emails`): a held row stays
  ``pending``; its lease is ``next_attempt_at``, so the same column says when
  a lease or a back-off runs out. Workers claim in batches
  (:func:`claim_due`, ``SKIP LOCKED`` on PostgreSQL). Given up is ``failed``.
- reminders (:mod:`peerpath.meetings.reminders`) and check-in e-mails
  (:mod:`peerpath.support.checkins`): a held row is ``sending`` and is taken
  over once its ``claimed_at`` is a lease ago; they claim one row at a time,
  right before sending it. Given up is ``gave_up`` (``failed`` will retry).
- background rounds (:mod:`peerpath.matching.rounds`): the lease is
  ``claimed_until``, renewed while the round runs; no worker is named, a
  run's writes are fenced by its attempt number instead; a round whose lease
  ran out is queued again by a sweep, with no back-off.

Each table keeps its own lease length and number of attempts.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import F

__all__ = [
    "ABANDONED",
    "backoff",
    "claim_due",
    "claim_row",
    "give_up_abandoned",
    "held_by",
    "record_failure",
]

_M = TypeVar("_M", bound=models.Model)

_ERROR_LENGTH = 2000  # characters of ``last_error`` kept

#: ``last_error`` of a row given up because its last attempt never finished.
ABANDONED = "The last attempt was claimed and never recorded (its process stopped)."


def backoff(attempts: int) -> dt.timedelta:
    """Return the wait after the ``attempts``-th failed attempt: 2, 4, 8, 16 … minutes."""
    return dt.timedelta(minutes=2**attempts)


def claim_row(
    claimable: models.QuerySet[_M],
    pk: Any,
    *,
    worker: str | None,
    now: dt.datetime,
    lease: dt.timedelta,
    lease_field: str = "next_attempt_at",
    **changes: Any,
) -> bool:
    """
    Claim the row ``pk`` if it is among ``claimable``; return whether this worker got it.

    Parameters
    ----------
    claimable
        The rows that may be claimed now; the condition is evaluated by the
        ``UPDATE`` itself, so a row claimed by someone else in the meantime
        does not match.
    pk
        The row's primary key.
    worker
        Who claims (kept in ``claimed_by``, cut to 64 characters), or ``None``
        for a table that names no worker and fences its writes by the attempt
        count instead (rounds).
    now
        The time of the claim; the lease runs until ``now + lease``.
    lease
        How long the claim holds before another worker may take the row over.
    lease_field
        The column that holds the lease's end.
    **changes
        Other columns the claim sets (e.g. ``status="sending"``).
    """
    if worker is not None:
        changes["claimed_by"] = worker[:64]
    updated = claimable.filter(pk=pk).update(
        attempts=F("attempts") + 1, **{lease_field: now + lease}, **changes
    )
    return updated == 1


def claim_due(
    claimable: models.QuerySet[_M],
    *,
    worker: str,
    now: dt.datetime,
    lease: dt.timedelta,
    limit: int,
    **changes: Any,
) -> list[Any]:
    """
    Claim up to ``limit`` rows of ``claimable``, those due first; return their keys.

    On PostgreSQL the candidates are read with ``SELECT … FOR UPDATE SKIP
    LOCKED``, so two workers take different rows instead of queueing on the
    same ones; each is then claimed with :func:`claim_row`, which is what makes
    the claim safe on a database without row locks (SQLite) too. The claims
    are committed before this returns: do the work outside any transaction,
    then record its result on the rows still claimed by ``worker``.

    Parameters are those of :func:`claim_row`; ``limit`` bounds one call's work.
    """
    with transaction.atomic(using=claimable.db):
        candidates = list(
            claimable.select_for_update(skip_locked=True)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        return [
            pk
            for pk in candidates
            if claim_row(claimable, pk, worker=worker, now=now, lease=lease, **changes)
        ]


def held_by(rows: models.QuerySet[_M], pk: Any, *, worker: str) -> models.QuerySet[_M]:
    """
    Return the row ``pk`` of ``rows`` for as long as ``worker``'s claim on it stands.

    Write a claim's outcome through this queryset: once another worker has
    taken the row over, it matches nothing and the late outcome is dropped.
    ``rows`` names what else must still hold (e.g. ``status="sending"``).
    """
    return rows.filter(pk=pk, claimed_by=worker[:64])


def record_failure(
    held: models.QuerySet[_M],
    error: BaseException,
    *,
    attempts: int,
    max_attempts: int,
    now: dt.datetime,
    retry_status: str,
    gave_up_status: str,
    log: logging.Logger,
    what: str,
) -> str:
    """
    Record and log a failed attempt on a held row; return the status it now has.

    The row gets ``retry_status`` and may be claimed again :func:`backoff`
    (``attempts``) after ``now``, or ``gave_up_status`` once ``attempts``
    reaches ``max_attempts``; ``last_error`` says what went wrong. The failure
    is logged on the caller's ``log`` as "``what`` failed on attempt N": a
    warning, or an error when it gives up.
    """
    gave_up = attempts >= max_attempts
    status = gave_up_status if gave_up else retry_status
    held.update(
        status=status,
        last_error=f"{type(error).__name__}: {error}"[:_ERROR_LENGTH],
        next_attempt_at=now + backoff(attempts),
    )
    _log_failure(log, what, attempts, error, gave_up=gave_up)
    return status


def give_up_abandoned(
    abandoned: models.QuerySet[_M],
    *,
    gave_up_status: str,
    log: logging.Logger,
    what: Callable[[_M], str],
    limit: int,
) -> int:
    """
    Give up the rows whose last allowed attempt never finished; return how many.

    Parameters
    ----------
    abandoned
        The rows out of attempts that are still held although their lease
        has run out: the worker that claimed their last attempt stopped
        before recording it. Nobody may claim them again, so without this
        they would stay held for ever.
    gave_up_status
        The status they get, the one :func:`record_failure` gives at the last
        attempt; ``last_error`` becomes :data:`ABANDONED`.
    log, what
        Each row given up is logged as an error on ``log``, as
        :func:`record_failure` logs a last attempt ("``what(row)`` failed on
        attempt N; giving up").
    limit
        At most this many rows per call, so that one periodic step stays short.

    Each row is given up by its own conditional ``UPDATE``: of two workers
    sweeping at once, one gives it up and logs it.
    """
    given_up = 0
    for row in abandoned.order_by("pk")[:limit]:
        if abandoned.filter(pk=row.pk).update(status=gave_up_status, last_error=ABANDONED):
            given_up += 1
            # Every claimed table counts attempts; the model type does not say so.
            attempts = row.attempts  # type: ignore[attr-defined]
            _log_failure(log, what(row), attempts, ABANDONED, gave_up=True)
    return given_up


def _log_failure(
    log: logging.Logger, what: str, attempts: int, error: object, *, gave_up: bool
) -> None:
    (log.error if gave_up else log.warning)(
        "%s failed on attempt %s%s: %s", what, attempts, "; giving up" if gave_up else "", error
    )
