"""The meetings tests' school (built by meetings_testlib.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from meetings_testlib import World, build_world  # noqa: E402


@pytest.fixture
def world(db, settings) -> World:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PEERPATH_SITE_URL = "http://testserver"
    return build_world()
