"""A published tutoring cohort (see tests/matching/conftest.py) plus a safeguarding lead."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "matching"))

from conftest import Cohort, cohort  # noqa: F401  (re-exported fixture)
from factories import make_staff
from peerpath.core.models import Role
from peerpath.matching.services import match_round_publish, match_round_start


@pytest.fixture
def published(cohort: Cohort):  # noqa: F811
    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    match_round_publish(actor=cohort.coordinator, match_round=match_round)
    cohort.lead = make_staff(cohort.school, role=Role.SAFEGUARDING_LEAD, email="lead@birch.test")
    return cohort
