"""
Settings shared by the whole test suite.

``tests/`` is not a package; putting it on ``sys.path`` lets every test,
whatever its directory, ``import factories`` (see ``tests/factories.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    """Argon2 is slow on purpose; tests hash many passwords (test_security checks Argon2 is set)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _language_restored():  # type: ignore[no-untyped-def]
    """
    Give every test the language it started with: the locale middleware
    activates a reader's language (Spanish, say) for a test client request and
    leaves it active in the thread, which would leak into the next test.
    """
    from django.utils import translation

    language = translation.get_language()
    yield
    if language:
        translation.activate(language)
    else:
        translation.deactivate()


@pytest.fixture(autouse=True, scope="session")
def _two_factor_for_test_client_logins():  # type: ignore[no-untyped-def]
    """
    Logins made with the test client (``client.login``, ``client.force_login``)
    of coordinators, safeguarding leads and admins come with a verified second
    factor, so that tests of what those people do need not type a code; logins
    through the login page still ask for one (tests/core/test_two_factor.py).
    """
    from django.contrib.auth.signals import user_logged_in

    from factories import two_factor_for_test_client_logins

    user_logged_in.connect(two_factor_for_test_client_logins, dispatch_uid="tests-two-factor")
    yield
    user_logged_in.disconnect(dispatch_uid="tests-two-factor")
