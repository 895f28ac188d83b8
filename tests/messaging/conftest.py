"""Fixtures for message tests (the data is built in ``messaging_testlib``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Under --import-mode=importlib a test's directory is not on sys.path; the
# tests here import ``messaging_testlib`` and ``labelled_messages``.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from messaging_testlib import School2, build_school  # noqa: E402


@pytest.fixture
def birch(db, settings) -> School2:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return build_school()
