"""``peerpath seed-demo`` on an empty database, with ``--reset``, and inside a transaction."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command

from peerpath.core.models import AuditEntry, Organization, User
from peerpath.demo.seed import demo_reset, demo_seed
from peerpath.people.models import StudentProfile

TODAY = dt.date(2026, 11, 16)


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _emails() -> set[str]:
    return set(StudentProfile.objects.values_list("user__email", flat=True))


@pytest.mark.django_db(transaction=True)
def test_command_seeds_then_reset_replaces_the_demo_school() -> None:
    out = StringIO()
    call_command("seed_demo", students=40, seed=3, today=TODAY, stdout=out)
    assert "Seeded the demo school" in out.getvalue()
    assert "coordinator@riverbend.example" in out.getvalue()
    first = _emails()
    assert len(first) == 40
    assert mail.outbox == []

    out = StringIO()
    call_command("seed_demo", "--reset", students=40, seed=4, today=TODAY, stdout=out)
    assert "Deleted the existing demo organization" in out.getvalue()
    assert Organization.objects.count() == 1
    assert len(_emails()) == 40
    assert _emails() != first

    assert demo_reset() is True
    assert not User.objects.exists()
    assert not AuditEntry.objects.filter(organization__isnull=False).exists()
    assert demo_reset() is False


@pytest.mark.django_db
def test_seed_refuses_to_run_inside_a_transaction() -> None:
    with pytest.raises(RuntimeError, match="inside a transaction"):
        demo_seed(seed=1, students=40, today=TODAY)
    assert not Organization.objects.exists()


def test_command_rejects_too_few_students() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="at least"):
        call_command("seed_demo", students=5)
