"""
Fixtures of the support tests.

``published``: a published tutoring cohort (tests/matchlib.py) plus a
safeguarding lead. ``world``: the meetings tests' Birch High with two pairs
(tests/meetings/meetings_testlib.py), for rules that need sessions, goals
and feedback; ``pairs`` is that world with both pairs begun on 1 September
2026 and their agreements accepted. ``smtp_server``: a real SMTP server on
loopback (tests/smtp_testlib.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_MEETINGS = str(Path(__file__).resolve().parent.parent / "meetings")
if _MEETINGS not in sys.path:
    sys.path.insert(0, _MEETINGS)

from meetings_testlib import World, build_world, local  # noqa: E402

from factories import make_staff  # noqa: E402
from matchlib import Cohort, build_cohort  # noqa: E402
from peerpath.core.models import Role  # noqa: E402
from peerpath.matching.models import Match  # noqa: E402
from peerpath.matching.services import match_round_publish, match_round_start  # noqa: E402
from peerpath.support.models import SupportContact  # noqa: E402
from smtp_testlib import smtp_server  # noqa: E402, F401

#: When the world's pairs began: Tuesday 1 September 2026, noon in New York.
BEGAN = local(2026, 9, 1, 12, 0)


@pytest.fixture
def published(db, settings) -> Cohort:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cohort = build_cohort()
    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    match_round_publish(actor=cohort.coordinator, match_round=match_round)
    cohort.lead = make_staff(cohort.school, role=Role.SAFEGUARDING_LEAD, email="lead@birch.test")
    return cohort


@pytest.fixture
def world(db, settings) -> World:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PEERPATH_SITE_URL = "http://testserver"
    return build_world()


@pytest.fixture
def pairs(world) -> World:
    Match.objects.filter(pk__in=[world.pair.pk, world.other_pair.pk]).update(
        started_at=BEGAN, mentor_agreed_at=BEGAN, mentee_agreed_at=BEGAN
    )
    world.pair.refresh_from_db()
    world.other_pair.refresh_from_db()
    # Support contacts on schedule until the end of October, so that they raise nothing.
    for match in (world.pair, world.other_pair):
        for day in (10, 30):
            SupportContact.objects.create(
                match=match,
                contacted_with="pair",
                method="in_person",
                happened_at=local(2026, 9, day, 12, 0),
            )
    return world
