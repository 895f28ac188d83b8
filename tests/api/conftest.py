"""Fixtures of the API tests (the data is built in ``api_testlib``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Under --import-mode=importlib a test's directory is not on sys.path; the
# tests here import ``api_testlib``.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from api_testlib import World, build_world  # noqa: E402


@pytest.fixture
def world(db, settings) -> World:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return build_world()
