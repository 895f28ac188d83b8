"""
Rounds a stopped worker left running: the lease, the restart, the attempts, the race.

A worker killed mid-round is simulated by claiming a round
(:func:`round_claim`, what a worker does first) and never finishing it; the
clock is then moved past the lease with time-machine, as the next worker
pass would find it. tests/trust/test_crash_recovery.py kills a real worker.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groupslib import build_group_cohort
from peerpath.matching import rounds
from peerpath.matching.groups import group_round_start, group_rounds_run_queued
from peerpath.matching.models import GroupRound, MatchRound, Proposal
from peerpath.matching.rounds import (
    LEASE,
    MAX_ATTEMPTS,
    round_claim,
    rounds_requeue_expired,
)
from peerpath.matching.services import (
    _solve_round,
    match_round_execute,
    match_round_start,
    match_rounds_run_queued,
)

AFTER_LEASE = LEASE + dt.timedelta(minutes=1)


def _queued(cohort, settings) -> MatchRound:
    settings.PEERPATH_MATCH_INLINE_LIMIT = 0  # every round goes to the worker
    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    assert match_round.status == MatchRound.Status.QUEUED
    return match_round


def _abandoned(cohort, settings) -> MatchRound:
    """A round a worker claimed and then died on: RUNNING, one attempt, a lease, no result."""
    match_round = _queued(cohort, settings)
    run = round_claim(MatchRound, match_round.pk)
    assert run is not None
    match_round.refresh_from_db()
    assert match_round.status == MatchRound.Status.RUNNING
    assert match_round.attempts == 1
    assert match_round.claimed_until == match_round.started_at + LEASE
    return match_round


def test_a_round_left_running_is_queued_again_and_proposed_by_the_next_pass(cohort, settings):
    match_round = _abandoned(cohort, settings)
    later = match_round.claimed_until + dt.timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert match_rounds_run_queued() == 1
    match_round.refresh_from_db()
    assert match_round.status == MatchRound.Status.PROPOSED
    assert match_round.attempts == 2
    assert match_round.restarted_at == later
    assert match_round.claimed_until is None
    assert match_round.progress == ""
    assert match_round.error == ""
    assert match_round.result["matched"] == 3
    assert Proposal.objects.filter(round=match_round).count() == 4  # once each, not twice

    # The coordinator's page says that the round was restarted, and why.
    client = Client()
    client.force_login(cohort.coordinator)
    page = client.get(reverse("matching:round", args=[match_round.pk])).content.decode()
    assert "Restarted on" in page
    assert "the background worker running this round stopped before it finished" in page


def test_a_running_round_with_a_live_lease_is_left_alone(cohort, settings):
    match_round = _abandoned(cohort, settings)
    with time_machine.travel(match_round.claimed_until - dt.timedelta(seconds=1), tick=False):
        assert match_rounds_run_queued() == 0
        assert rounds_requeue_expired(MatchRound) == 0
    untouched = MatchRound.objects.get(pk=match_round.pk)
    assert untouched.status == MatchRound.Status.RUNNING
    assert untouched.attempts == 1
    assert untouched.claimed_until == match_round.claimed_until
    assert untouched.restarted_at is None
    assert not Proposal.objects.filter(round=match_round).exists()


def test_a_round_that_keeps_stopping_the_worker_ends_failed_with_a_message(cohort, settings):
    match_round = _queued(cohort, settings)
    now = timezone.now()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        run = round_claim(MatchRound, match_round.pk, now=now)
        assert run is not None
        assert run.attempt == attempt
        now += AFTER_LEASE  # ...and the worker dies: the lease runs out
        requeued = rounds_requeue_expired(MatchRound, now=now)
        assert requeued == (1 if attempt < MAX_ATTEMPTS else 0)
    match_round.refresh_from_db()
    assert match_round.status == MatchRound.Status.FAILED
    assert match_round.attempts == MAX_ATTEMPTS
    assert match_round.error.startswith(
        f"The background worker stopped {MAX_ATTEMPTS} times while running this round, "
        "so it was given up."
    )
    assert match_round.finished_at == now
    assert match_round.claimed_until is None
    # A failed round is not run again, however many passes follow.
    with time_machine.travel(now + AFTER_LEASE, tick=False):
        assert match_rounds_run_queued() == 0
    assert MatchRound.objects.get(pk=match_round.pk).status == MatchRound.Status.FAILED
    assert not Proposal.objects.filter(round=match_round).exists()

    client = Client()
    client.force_login(cohort.coordinator)
    status = client.get(reverse("matching:round-status", args=[match_round.pk]))
    assert "stopped 3 times while running this round" in status.content.decode()


def test_a_round_running_before_rounds_had_leases_is_restarted(cohort, settings):
    match_round = _queued(cohort, settings)
    MatchRound.objects.filter(pk=match_round.pk).update(
        status=MatchRound.Status.RUNNING, claimed_until=None
    )
    assert match_rounds_run_queued() == 1
    match_round.refresh_from_db()
    assert match_round.status == MatchRound.Status.PROPOSED
    assert match_round.attempts == 1


def test_a_run_that_lost_its_lease_writes_nothing(cohort, settings):
    """The first worker was only slow, not dead: its late outcome must not overwrite the restart."""
    match_round = _queued(cohort, settings)
    now = timezone.now()
    slow = round_claim(MatchRound, match_round.pk, now=now)
    assert slow is not None
    rounds_requeue_expired(MatchRound, now=now + AFTER_LEASE)
    fresh = round_claim(MatchRound, match_round.pk, now=now + AFTER_LEASE)
    assert fresh is not None
    assert fresh.attempt == 2

    _solve_round(slow)  # the slow run finishes at last: its proposals are rolled back
    assert not slow.report("Solving")
    match_round.refresh_from_db()
    assert match_round.status == MatchRound.Status.RUNNING
    assert match_round.attempts == 2
    assert not Proposal.objects.filter(round=match_round).exists()

    _solve_round(fresh)
    match_round.refresh_from_db()
    assert match_round.status == MatchRound.Status.PROPOSED
    assert Proposal.objects.filter(round=match_round).count() == 4


def test_group_rounds_are_restarted_the_same_way(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PEERPATH_GROUP_INLINE_LIMIT = 0
    c = build_group_cohort()
    group_round = group_round_start(actor=c.coordinator, program=c.program)
    assert group_round.status == GroupRound.Status.QUEUED
    assert round_claim(GroupRound, group_round.pk) is not None
    group_round.refresh_from_db()
    assert group_rounds_run_queued() == 0  # its lease is live
    later = group_round.claimed_until + dt.timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert group_rounds_run_queued() == 1
    group_round.refresh_from_db()
    assert group_round.status == GroupRound.Status.PROPOSED
    assert (group_round.attempts, group_round.restarted_at) == (2, later)
    assert len(group_round.groups) == 2

    client = Client()
    client.force_login(c.coordinator)
    page = client.get(reverse("meetings:group-round", args=[group_round.pk])).content.decode()
    assert "Restarted on" in page


@pytest.mark.django_db(transaction=True)
def test_the_worker_restarts_a_round_whose_lease_expired(cohort, settings):
    match_round = _abandoned(cohort, settings)
    call_command("worker", "--once")
    assert MatchRound.objects.get(pk=match_round.pk).status == MatchRound.Status.RUNNING
    with time_machine.travel(match_round.claimed_until + dt.timedelta(seconds=1)):
        call_command("worker", "--once")
    match_round.refresh_from_db()
    assert match_round.status == MatchRound.Status.PROPOSED
    assert match_round.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_renews_the_lease_while_the_engine_works(cohort, settings):
    match_round = _queued(cohort, settings)
    run = round_claim(MatchRound, match_round.pk)
    assert run is not None
    first = MatchRound.objects.get(pk=match_round.pk).claimed_until
    with run.heartbeat(every=0.05):
        time.sleep(0.4)
    renewed = MatchRound.objects.get(pk=match_round.pk).claimed_until
    assert renewed > first
    time.sleep(0.1)  # the heartbeat has stopped with the block
    assert MatchRound.objects.get(pk=match_round.pk).claimed_until == renewed


def _race(round_id: int, workers: int) -> list[str]:
    """``workers`` threads run the round at the same instant; what each one got."""
    barrier = threading.Barrier(workers)
    outcomes: list[str] = []

    def run() -> None:
        try:
            barrier.wait()
            ran = match_round_execute(round_id=round_id)
            outcomes.append("ran" if ran is not None else "taken")
        except Exception as error:  # any other outcome is wrong, reported by the assert
            outcomes.append(repr(error)[:80])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_run_the_same_round(cohort, settings):
    """Workers racing for one queued round, released at the same instant, three times over."""
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent claims need a server database; CI runs this on PostgreSQL.")
    settings.PEERPATH_MATCH_INLINE_LIMIT = 0
    for _ in range(3):
        match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
        assert _race(match_round.pk, 4) == ["ran", "taken", "taken", "taken"]
        match_round.refresh_from_db()
        assert match_round.status == MatchRound.Status.PROPOSED
        assert match_round.attempts == 1
        assert Proposal.objects.filter(round=match_round).count() == 4


def test_the_lease_outlasts_the_heartbeat():
    assert dt.timedelta(seconds=3 * rounds.HEARTBEAT_SECONDS) < rounds.LEASE
