"""Find the one person a privacy command is about."""

from __future__ import annotations

from django.core.management.base import CommandError

from peerpath.core.models import User


def person_by_email(email: str, organization: str | None = None) -> User:
    people = User.objects.filter(email__iexact=email.strip())
    if organization:
        people = people.filter(organization__slug=organization)
    person = people.select_related("organization").first()
    if person is None:
        where = f" in organization {organization!r}" if organization else ""
        raise CommandError(f"No person with the e-mail address {email!r}{where}.")
    return person
