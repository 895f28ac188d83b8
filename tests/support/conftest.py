"""A published tutoring cohort (tests/matchlib.py) plus a safeguarding lead."""

from __future__ import annotations

import pytest

from factories import make_staff
from matchlib import Cohort, build_cohort
from peerpath.core.models import Role
from peerpath.matching.services import match_round_publish, match_round_start


@pytest.fixture
def published(db, settings) -> Cohort:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cohort = build_cohort()
    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    match_round_publish(actor=cohort.coordinator, match_round=match_round)
    cohort.lead = make_staff(cohort.school, role=Role.SAFEGUARDING_LEAD, email="lead@birch.test")
    return cohort
