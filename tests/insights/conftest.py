"""The insights tests' school (built by insights_testlib.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from insights_testlib import Campus, build_campus  # noqa: E402


@pytest.fixture
def campus(db, settings) -> Campus:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return build_campus()
