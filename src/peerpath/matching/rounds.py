"""
Running rounds in the background: claim, lease, progress, outcome, restart.

Match rounds (:mod:`peerpath.matching.services`) and group formation rounds
(:mod:`peerpath.matching.groups`) are both :class:`BackgroundRound` rows and
are run the same way, by :func:`round_execute`:

1. :func:`round_claim` moves a QUEUED round to RUNNING with one conditional
   ``UPDATE`` (:func:`peerpath.core.claims.claim_row`); of two workers racing
   for it, the database lets exactly one match. The claim counts the attempt
   and holds the round for :data:`LEASE` (``claimed_until``).
2. The run renews its lease whenever it reports progress
   (:meth:`RoundRun.report`) and, while the engine works, from a heartbeat
   thread (:meth:`RoundRun.heartbeat`).
3. The outcome (PROPOSED with the result, or FAILED with the reason) is
   written by :meth:`RoundRun.finish`, fenced by the attempt: a run that lost
   its round to a later attempt writes nothing.

A worker killed mid-run leaves the round RUNNING. Once its lease has expired,
:func:`rounds_requeue_expired` (at the start of every worker pass,
:func:`rounds_run_queued`) queues it again — solving is deterministic and
nothing is published until the coordinator publishes, so the re-run is safe —
or, after :data:`MAX_ATTEMPTS` attempts, marks it FAILED with a message for
the coordinator instead of letting it kill worker after worker.

What a round's ``progress`` and ``error`` say is written by whichever process
runs it (a worker, or a coordinator's request, in any language) and read later
by any coordinator of the program, in theirs. So Peerpath's own messages are
stored in English, as their message ids, and translated when shown
(:func:`round_progress_text`, :func:`round_error_text`, the ``round_text``
template filters); text stored before, or that Peerpath did not write, is
shown as it is.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db import DatabaseError, connections, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from peerpath.core.claims import claim_row
from peerpath.matching.models import BackgroundRound, RoundStatus

__all__ = [
    "HEARTBEAT_SECONDS",
    "LEASE",
    "MAX_ATTEMPTS",
    "RoundRun",
    "round_claim",
    "round_error_text",
    "round_execute",
    "round_progress_text",
    "rounds_requeue_expired",
    "rounds_run_queued",
]

logger = logging.getLogger(__name__)

#: How long a claim holds a round without news from its worker.
LEASE = dt.timedelta(minutes=5)
#: How often a running round renews its lease while the engine works (well inside ``LEASE``).
HEARTBEAT_SECONDS = 60.0
#: Attempts before a round whose worker keeps stopping is given up.
MAX_ATTEMPTS = 3

R = TypeVar("R", bound=BackgroundRound)

#: What ``progress`` says while a round waits and runs (stored in English).
PROGRESS_WAITING = gettext_noop("Waiting to run")
PROGRESS_LOADING = gettext_noop("Loading participants")
PROGRESS_REQUEUED = gettext_noop("Waiting to run again: the worker running it stopped")
PROGRESS_SOLVING = gettext_noop("Solving")
PROGRESS_FORMING_GROUPS = gettext_noop("Forming groups")
_PROGRESS = frozenset(
    {
        PROGRESS_WAITING,
        PROGRESS_LOADING,
        PROGRESS_REQUEUED,
        PROGRESS_SOLVING,
        PROGRESS_FORMING_GROUPS,
    }
)

#: Why a round failed, as ``error`` stores it: the English message with its
#: parameters filled in; :func:`round_error_text` reads them back.
ERROR_GAVE_UP = gettext_noop(
    "The background worker stopped %(attempts)s times while running this round, "
    "so it was given up. Start a new round; if it stops again, ask your Peerpath "
    "administrator to check the worker (a very large program may need more memory)."
)
#: ``detail`` is the exception's message (the engine's names the entry it refused;
#: it is English only: the engine cannot translate).
ERROR_INPUT_REFUSED = gettext_noop(
    "Peerpath could not run this round. Start a new round; if it fails again, ask your "
    "Peerpath administrator, with this message: %(detail)s"
)
#: A group formation round for which the engine found no grouping that meets
#: the hard rules; ``detail`` is the engine's reason (English only).
ERROR_NO_GROUPING = gettext_noop(
    "No grouping meets the rules. Change the group settings or who takes part, then "
    "start a new round. The engine's reason: %(detail)s"
)


def _stored_pattern(message: str) -> re.Pattern[str]:
    """A regular expression matching ``message`` with any value for each ``%(name)s``."""
    parts = re.split(r"%\((\w+)\)s", message)
    return re.compile(
        "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.*)" for i, p in enumerate(parts))
        + r"\Z",
        re.DOTALL,
    )


_ERRORS = tuple(
    (message, _stored_pattern(message))
    for message in (ERROR_GAVE_UP, ERROR_INPUT_REFUSED, ERROR_NO_GROUPING)
)


def round_progress_text(progress: str) -> str:
    """Return a round's stored ``progress`` in the active language."""
    return _(progress) if progress in _PROGRESS else progress


def round_error_text(error: str) -> str:
    """
    Return a round's stored ``error`` in the active language.

    Peerpath's own messages are recognised with their parameters; anything
    else (a message stored before they were stored in English) is returned as
    it is.
    """
    for message, pattern in _ERRORS:
        found = pattern.match(error)
        if found:
            return _(message) % found.groupdict()
    return error


@dataclass
class RoundRun(Generic[R]):
    """One attempt at running a claimed round; every write is fenced by ``attempt``."""

    round: R
    attempt: int
    timings: dict[str, float] = field(default_factory=dict)

    def _mine(self) -> QuerySet[R]:
        return type(self.round)._default_manager.filter(
            pk=self.round.pk, status=RoundStatus.RUNNING, attempts=self.attempt
        )

    def renew(self) -> bool:
        """Extend the lease; return ``False`` if the round is no longer this run's."""
        return self._mine().update(claimed_until=timezone.now() + LEASE) == 1

    def report(self, progress: str) -> bool:
        """Show the coordinator what the run is doing and renew the lease."""
        return (
            self._mine().update(progress=progress[:200], claimed_until=timezone.now() + LEASE) == 1
        )

    def finish(self, **outcome: Any) -> bool:
        """
        Record the run's outcome (its status and result fields) and release the round.

        Returns
        -------
        bool
            ``False`` if the round is no longer this run's (a later attempt took it
            over after this one lost its lease): nothing was written, and a caller
            that wrote rows of its own in the same transaction must roll them back.
        """
        now = timezone.now()
        written = self._mine().update(
            **{"progress": "", **outcome},
            finished_at=now,
            claimed_until=None,
            updated_at=now,
        )
        if not written:
            logger.warning(
                "%s %s: attempt %s lost the round to another run; its outcome is dropped",
                type(self.round).__name__,
                self.round.pk,
                self.attempt,
            )
        return written == 1

    def fail(self, error: str) -> bool:
        """
        Mark the round failed with the reason the coordinator will read.

        Give one of the ``ERROR_*`` messages with its parameters filled in, not
        a translation: it is translated when shown (:func:`round_error_text`).
        """
        return self.finish(status=RoundStatus.FAILED, error=error)

    @contextmanager
    def timed(self, key: str) -> Iterator[None]:
        """Record how long the block took, in seconds, as ``timings[key]``."""
        started = time.perf_counter()
        yield
        self.timings[key] = round(time.perf_counter() - started, 4)

    @contextmanager
    def heartbeat(self, every: float | None = None) -> Iterator[None]:
        """
        Renew the lease every ``every`` seconds (:data:`HEARTBEAT_SECONDS`) while the block runs.

        The engine reports no progress while it solves, and a large round may
        take minutes; the heartbeat keeps a live run from looking like a
        stopped one. Inside a transaction (a caller's atomic block, a test) it
        does nothing: another connection could not see this one's writes.
        """
        if transaction.get_connection().in_atomic_block:
            yield
            return
        stop = threading.Event()
        interval = HEARTBEAT_SECONDS if every is None else every

        def beat() -> None:
            try:
                while not stop.wait(interval):
                    try:
                        if not self.renew():
                            return
                    except DatabaseError:  # a missed beat is not fatal; the next may land
                        logger.warning("Could not renew the lease of round %s", self.round.pk)
            finally:
                connections.close_all()  # this thread's own connections

        thread = threading.Thread(target=beat, name=f"round-heartbeat-{self.round.pk}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


def round_claim(
    model: type[R],
    round_id: int,
    *,
    select_related: tuple[str, ...] = (),
    now: dt.datetime | None = None,
) -> RoundRun[R] | None:
    """
    Take a queued round for this process, or return ``None`` if it is not queued any more.

    The claim is one conditional ``UPDATE``; of two processes racing for the
    round, exactly one gets it. Rounds name no worker: a run's writes are
    fenced by the attempt the claim counted (:class:`RoundRun`).
    """
    now = now or timezone.now()
    claimed = claim_row(
        model._default_manager.filter(status=RoundStatus.QUEUED),
        round_id,
        worker=None,
        now=now,
        lease=LEASE,
        lease_field="claimed_until",
        status=RoundStatus.RUNNING,
        started_at=now,
        progress=PROGRESS_LOADING,
        updated_at=now,
    )
    if not claimed:
        return None
    found = model._default_manager.select_related(*select_related).get(pk=round_id)
    return RoundRun(round=found, attempt=found.attempts)


def round_execute(
    model: type[R],
    *,
    round_id: int,
    work: Callable[[RoundRun[R]], None],
    select_related: tuple[str, ...] = (),
) -> R | None:
    """
    Claim a queued round and run ``work`` on it; return the round as it ended.

    ``work`` reports progress and records the outcome with
    :meth:`RoundRun.finish`. Invalid input (``KeyError``, ``ValueError`` and
    the engine's ``ProblemError``) fails the round with the reason and
    changes nothing else; any other exception propagates and leaves the
    round RUNNING, to be restarted once its lease expires.
    """
    run = round_claim(model, round_id, select_related=select_related)
    if run is None:
        return None
    try:
        with run.heartbeat():
            work(run)
    except (KeyError, ValueError) as error:  # the engine's ProblemError is a ValueError
        logger.exception("%s %s failed", model.__name__, round_id)
        run.fail(ERROR_INPUT_REFUSED % {"detail": error})
    run.round.refresh_from_db()
    return run.round


def rounds_requeue_expired(model: type[BackgroundRound], *, now: dt.datetime | None = None) -> int:
    """
    Queue again the running rounds whose worker stopped; fail those out of attempts.

    A round is abandoned when its lease has expired (or it has none: it was
    claimed before rounds had leases). Returns how many were queued again.
    """
    now = now or timezone.now()
    abandoned = model._default_manager.filter(
        Q(claimed_until__lt=now) | Q(claimed_until__isnull=True), status=RoundStatus.RUNNING
    )
    with transaction.atomic():
        failed = abandoned.filter(attempts__gte=MAX_ATTEMPTS).update(
            status=RoundStatus.FAILED,
            error=ERROR_GAVE_UP % {"attempts": MAX_ATTEMPTS},
            progress="",
            claimed_until=None,
            finished_at=now,
            updated_at=now,
        )
        requeued = abandoned.filter(attempts__lt=MAX_ATTEMPTS).update(
            status=RoundStatus.QUEUED,
            progress=PROGRESS_REQUEUED,
            claimed_until=None,
            restarted_at=now,
            updated_at=now,
        )
    if failed or requeued:
        logger.warning(
            "%s: %s abandoned round(s) queued again, %s given up after %s attempts",
            model.__name__,
            requeued,
            failed,
            MAX_ATTEMPTS,
        )
    return requeued


def rounds_run_queued(model: type[R], execute: Callable[..., R | None], *, limit: int = 10) -> int:
    """
    One worker pass over a round table: restart abandoned rounds, then run queued ones.

    Rounds run oldest first, at most ``limit``; ``execute(round_id=...)``
    returns ``None`` for a round another worker took first. Returns how many
    ran here.
    """
    rounds_requeue_expired(model)
    ran = 0
    for round_id in (
        model._default_manager.filter(status=RoundStatus.QUEUED)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    ):
        if execute(round_id=round_id) is not None:
            ran += 1
    return ran
