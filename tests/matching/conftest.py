"""The matching tests' cohort (built by tests/matchlib.py)."""

from __future__ import annotations

import pytest

from matchlib import Cohort, build_cohort


@pytest.fixture
def cohort(db, settings) -> Cohort:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return build_cohort()
