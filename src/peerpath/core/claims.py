"""
Claiming rows of a work table for one worker at a time, under a lease.

Work that must be done once although several processes may try — sending an
e-mail of the outbox (``peerpath.core.emails``), a reminder, a check-in
invitation — is a table whose rows carry ``attempts``, ``next_attempt_at``
and ``claimed_by``. A worker *claims* a row with one conditional ``UPDATE``
that counts the attempt, names the worker and pushes ``next_attempt_at`` one
lease ahead; of two workers racing for a row, the database lets exactly one
match. A worker that dies after its claim leaves the row to be taken over
once the lease has run out (at least once; the work must carry a stable id,
such as an e-mail's ``Message-ID``, for the repeat to be recognisable).

The caller says which rows may be claimed (a queryset filtered on its own
status and ``next_attempt_at``) and what else a claim sets (a status, a
``claimed_at``), so one helper serves tables whose statuses differ.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import F

__all__ = ["backoff", "claim_due", "claim_row"]

_M = TypeVar("_M", bound=models.Model)


def backoff(attempts: int) -> dt.timedelta:
    """Return the wait after the ``attempts``-th failed attempt: 2, 4, 8, 16 … minutes."""
    return dt.timedelta(minutes=2**attempts)


def claim_row(
    claimable: models.QuerySet[_M],
    pk: Any,
    *,
    worker: str,
    now: dt.datetime,
    lease: dt.timedelta,
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
        Who claims (kept in ``claimed_by``, cut to 64 characters).
    now
        The time of the claim; the lease runs until ``now + lease``.
    lease
        How long the claim holds before another worker may take the row over.
    **changes
        Other columns the claim sets (e.g. ``status="sending"``).
    """
    updated = claimable.filter(pk=pk).update(
        attempts=F("attempts") + 1,
        next_attempt_at=now + lease,
        claimed_by=worker[:64],
        **changes,
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
