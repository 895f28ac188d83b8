"""The demo's meetings: made through the services, once, for every active pair."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.meetings.demo import demo_meetings
from peerpath.meetings.models import Goal, Session, SessionLog, SessionNote
from peerpath.meetings.selectors import mentor_hours_for_user

pytestmark = pytest.mark.django_db


def test_demo_meetings_for_active_pairs_once(world):
    today = max(timezone.localdate(), dt.date(2026, 10, 1))
    made = demo_meetings(program=world.program, today=today)
    assert made == Session.objects.count() > 0
    assert set(Session.objects.values_list("match_id", flat=True)) == {
        world.pair.pk,
        world.other_pair.pk,
    }
    assert SessionLog.objects.exists()
    assert Goal.objects.filter(match=world.pair).count() == 1
    assert SessionNote.objects.filter(private=True).count() == 2
    _terms, hours = mentor_hours_for_user(world.ada)
    assert hours > 0
    assert demo_meetings(program=world.program, today=today) == 0
