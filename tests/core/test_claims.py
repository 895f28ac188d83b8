"""
The claim/lease helper every work table shares (``peerpath.core.claims``).

The outbox, reminders, check-in e-mails and rounds test it through their own
flows; these tests pin what the helper itself writes, on an outbox row.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from peerpath.core.claims import (
    ABANDONED,
    backoff,
    claim_row,
    give_up_abandoned,
    held_by,
    record_failure,
)
from peerpath.core.models import OutboundEmail

pytestmark = pytest.mark.django_db

LEASE = dt.timedelta(minutes=10)
Status = OutboundEmail.Status


@pytest.fixture
def now() -> dt.datetime:
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def row(now: dt.datetime) -> OutboundEmail:
    return OutboundEmail.objects.create(
        template="t",
        recipients=["a@example.org"],
        subject="s",
        message_id="<m@x>",
        next_attempt_at=now,
    )


def _values(row: OutboundEmail) -> tuple[object, ...]:
    row.refresh_from_db()
    return (row.status, row.attempts, row.claimed_by, row.next_attempt_at, row.last_error)


def test_backoff_doubles_from_two_minutes():
    assert [backoff(n).total_seconds() / 60 for n in range(1, 6)] == [2, 4, 8, 16, 32]


def test_a_claim_counts_the_attempt_names_the_worker_and_sets_the_lease(row, now):
    long_name = "w" * 80
    assert claim_row(OutboundEmail.objects.all(), row.pk, worker=long_name, now=now, lease=LEASE)
    assert _values(row) == (Status.PENDING, 1, "w" * 64, now + LEASE, "")


def test_a_claim_sets_what_the_caller_asks_and_only_matches_claimable_rows(row, now):
    claimable = OutboundEmail.objects.filter(status=Status.PENDING)
    assert claim_row(claimable, row.pk, worker="a", now=now, lease=LEASE, status=Status.SENT)
    assert not claim_row(claimable, row.pk, worker="b", now=now, lease=LEASE)
    assert _values(row) == (Status.SENT, 1, "a", now + LEASE, "")


def test_a_table_without_worker_names_claims_with_none_and_its_own_lease_column(row, now):
    later = now + dt.timedelta(hours=1)
    assert claim_row(
        OutboundEmail.objects.all(),
        row.pk,
        worker=None,
        now=later,
        lease=LEASE,
        lease_field="sent_at",
    )
    row.refresh_from_db()
    assert (row.attempts, row.claimed_by, row.sent_at, row.next_attempt_at) == (
        1,
        "",
        later + LEASE,
        now,
    )


def test_an_outcome_is_written_only_while_the_worker_holds_the_row(row, now):
    all_rows = OutboundEmail.objects.all()
    assert claim_row(all_rows, row.pk, worker="x" * 80, now=now, lease=LEASE)
    # The name was cut to 64 characters when stored; held_by cuts it the same way.
    assert held_by(all_rows, row.pk, worker="x" * 80).update(last_error="mine") == 1
    # Another worker takes the row over: the first one's late outcome is dropped.
    assert claim_row(all_rows, row.pk, worker="y", now=now + LEASE, lease=LEASE)
    assert held_by(all_rows, row.pk, worker="x" * 80).update(status=Status.SENT) == 0
    assert _values(row) == (Status.PENDING, 2, "y", now + 2 * LEASE, "mine")


def test_a_failure_waits_the_back_off_then_gives_up_at_the_last_attempt(row, now, caplog):
    held = held_by(OutboundEmail.objects.all(), row.pk, worker="w")
    claim_row(OutboundEmail.objects.all(), row.pk, worker="w", now=now, lease=LEASE)

    def fail(error: Exception, attempts: int) -> str:
        return record_failure(
            held,
            error,
            attempts=attempts,
            max_attempts=3,
            now=now,
            retry_status=Status.PENDING,
            gave_up_status=Status.FAILED,
            log=logging.getLogger("claims.test"),
            what="Row 7",
        )

    with caplog.at_level(logging.WARNING, logger="claims.test"):
        assert fail(ConnectionRefusedError("down"), 2) == Status.PENDING
        assert _values(row) == (
            Status.PENDING,
            1,
            "w",
            now + backoff(2),
            "ConnectionRefusedError: down",
        )
        assert fail(OSError("x" * 3000), 3) == Status.FAILED
    assert _values(row) == (Status.FAILED, 1, "w", now + backoff(3), "OSError: " + "x" * 1991)
    assert [(r.levelname, r.getMessage()[:42]) for r in caplog.records] == [
        ("WARNING", "Row 7 failed on attempt 2: down"),
        ("ERROR", "Row 7 failed on attempt 3; giving up: xxxx"),
    ]


def test_rows_whose_last_attempt_never_finished_are_given_up_once_and_logged(now, caplog):
    rows = [
        OutboundEmail.objects.create(
            template=f"t{n}",
            recipients=["a@example.org"],
            subject="s",
            message_id=f"<m{n}@x>",
            next_attempt_at=now,
            attempts=3,
        )
        for n in range(3)
    ]
    abandoned = OutboundEmail.objects.filter(status=Status.PENDING, attempts__gte=3)

    def sweep() -> int:
        return give_up_abandoned(
            abandoned,
            gave_up_status=Status.FAILED,
            log=logging.getLogger("claims.test"),
            what=lambda row: f"Row {row.template}",
            limit=2,
        )

    with caplog.at_level(logging.WARNING, logger="claims.test"):
        assert sweep() == 2  # the limit: the rest waits for the next step
        assert sweep() == 1
        assert sweep() == 0  # given up once, logged once
    assert [_values(row) for row in rows] == [(Status.FAILED, 3, "", now, ABANDONED)] * 3
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("ERROR", f"Row t{n} failed on attempt 3; giving up: {ABANDONED}") for n in range(3)
    ]
