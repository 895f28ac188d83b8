"""
Prepare the seeded demo school for a load run and write what Locust needs.

    DJANGO_SETTINGS_MODULE=load.settings python bench/load/prepare.py OUT.json

Run by ``bench/load/run.sh`` after ``peerpath seed-demo``. It picks the
coordinator, the programs and up to ``--mentors`` mentors of active pairs who
have a session that has started (so that they may log it); the demo gives
only its featured students a login, so these mentors get the demo password,
as if they had set one. It issues the coordinator a fresh API token named
"make load" (revoking the previous run's) and writes the logins, program ids,
session ids and token to OUT.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import django

TOKEN_NAME = "make load"


def prepare(*, mentors: int) -> dict[str, object]:
    from django.utils import timezone

    from peerpath.api.models import ApiToken
    from peerpath.api.services import api_token_create, api_token_revoke
    from peerpath.core.models import User
    from peerpath.demo.catalogue import STAFF
    from peerpath.demo.seed import DEMO_PASSWORD, demo_organization
    from peerpath.matching.models import Match
    from peerpath.meetings.models import Session
    from peerpath.programs.models import Program

    organization = demo_organization()
    if organization is None:
        raise SystemExit("No demo school in this database: run `peerpath seed-demo` first.")
    coordinator_email = next(s.email for s in STAFF if s.key == "coordinator")
    coordinator = User.objects.get(email=coordinator_email)
    programs = list(
        Program.objects.filter(school__organization=organization)
        .order_by("pk")
        .values_list("pk", flat=True)
    )

    started = (
        Session.objects.filter(match__status=Match.Status.ACTIVE, starts_at__lte=timezone.now())
        .exclude(status=Session.Status.CANCELLED)
        .order_by("match__mentor_id", "starts_at")
        .values_list("pk", "match__mentor__student__user_id")
    )
    sessions_by_mentor: dict[int, list[int]] = {}
    for session_pk, user_pk in started:
        if user_pk in sessions_by_mentor or len(sessions_by_mentor) < mentors:
            sessions_by_mentor.setdefault(user_pk, []).append(session_pk)
    mentor_users = User.objects.filter(pk__in=sessions_by_mentor).order_by("pk")
    for user in mentor_users:
        if not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])

    for token in ApiToken.objects.filter(user=coordinator, name=TOKEN_NAME, revoked_at=None):
        api_token_revoke(actor=None, token=token)
    issued = api_token_create(actor=None, user=coordinator, name=TOKEN_NAME)

    return {
        "password": DEMO_PASSWORD,
        "coordinator": coordinator.email,
        "programs": programs,
        "api_token": issued.key,
        "mentors": [
            {"email": user.email, "sessions": sessions_by_mentor[user.pk]} for user in mentor_users
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="where to write the JSON for Locust")
    parser.add_argument("--mentors", type=int, default=50, help="mentors who log sessions")
    args = parser.parse_args()
    django.setup()
    fixture = prepare(mentors=args.mentors)
    args.out.write_text(json.dumps(fixture, indent=2))
    print(
        f"Load fixture: {len(fixture['mentors'])} mentors, programs {fixture['programs']}, "
        f"written to {args.out}.",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
