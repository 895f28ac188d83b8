"""The privacy tests' well-connected person (built by privacy_testlib.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from privacy_testlib import PrivacyWorld, build_privacy_world  # noqa: E402


@pytest.fixture
def world(db, settings) -> PrivacyWorld:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return build_privacy_world()
