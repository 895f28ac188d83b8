"""
The child processes of ``test_crash_recovery.py``: each step runs as its own OS process.

    python tests/trust/crash_steps.py STEP [ARGUMENTS...]

``DATABASE_URL`` points at a scratch database (a SQLite file or a PostgreSQL
database of the test's own), never at the pytest test database: a child
process could not see a test transaction. The steps print what the parent
needs on stdout (one JSON line, or marker lines it waits for).

``round-setup PARTICIPANTS`` queues a match round large enough that the
worker takes seconds to solve it.

``publish ROUND ACTOR [PATTERN NTH]`` is the real service
(``match_round_publish``). With a pattern it stops, still inside the
publish transaction, right after the ``NTH`` SQL statement containing
``PATTERN`` has run, prints ``PAUSED`` and waits there for the SIGKILL: a
kill at an exact point rather than wherever a timer happens to land.
The statements run after the commit count too: the announcements'
on-commit sends (each an ``UPDATE`` of its outbox row to claim it, then one
to record it sent) run inside the same call, so a pattern on the outbox
table kills the process between two announcements, or between a claim and
its send.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
for _folder in (_HERE.parent, _HERE.parent / "meetings", _HERE):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))


#: Everyone in the publish cohort is free at the same times, so nearly every mentee is paired.
FREE = ["mon-2", "tue-2"]


def _fast_passwords() -> None:
    """Argon2 is slow on purpose; the setup steps create hundreds of accounts."""
    from django.test.utils import override_settings

    override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]).enable()


def publish_setup(mentees: str, mentors: str) -> dict[str, Any]:
    """A program of ``mentees`` + ``mentors`` more participants and a proposed round."""
    from matchlib import add, build_cohort
    from peerpath.matching.models import MatchRound
    from peerpath.matching.services import match_round_start

    _fast_passwords()
    cohort = build_cohort()
    both = [cohort.algebra, cohort.biology]
    for n in range(int(mentors)):
        add(cohort, "mentor", grade=12, subjects=both, free=FREE, capacity=2, name=f"Mentor{n}")
    for n in range(int(mentees)):
        add(cohort, "mentee", grade=9, subjects=[both[n % 2]], free=FREE, name=f"Mentee{n}")
    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    assert match_round.status == MatchRound.Status.PROPOSED, match_round.error
    return {
        "round": match_round.pk,
        "actor": cohort.coordinator.pk,
        "pairs": match_round.proposals.filter(mentor__isnull=False).count(),
    }


def _pause_after(pattern: str, nth: int) -> Any:
    seen = 0

    def hook(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal seen
        result = execute(sql, params, many, context)
        if pattern in sql:
            seen += 1
            if seen == nth:
                sys.stdout.write(f"PAUSED after {pattern} #{nth}\n")
                sys.stdout.flush()
                while True:  # the parent SIGKILLs us here, inside the transaction
                    time.sleep(60)
        return result

    return hook


def publish(round_id: str, actor_id: str, pattern: str = "", nth: str = "0") -> dict[str, Any]:
    """Publish the round with the real service; optionally stop for the kill at a statement."""
    from contextlib import nullcontext

    from django.core.exceptions import ValidationError
    from django.db import connection

    from peerpath.core.models import User
    from peerpath.matching.models import MatchRound
    from peerpath.matching.services import match_round_publish

    match_round = MatchRound.objects.get(pk=int(round_id))
    actor = User.objects.get(pk=int(actor_id))
    wrapper = (
        connection.execute_wrapper(_pause_after(pattern, int(nth))) if pattern else nullcontext()
    )
    sys.stdout.write("READY\n")
    sys.stdout.flush()
    try:
        with wrapper:
            matches = match_round_publish(actor=actor, match_round=match_round)
    except ValidationError as error:
        return {"refused": error.messages}
    return {"published": len(matches)}


def round_setup(participants: str) -> dict[str, Any]:
    """
    A tutoring program of ``participants`` ready students (a third mentors) and a
    match round queued for the worker: big enough that solving it takes seconds.
    """
    import random

    from django.test.utils import override_settings

    from factories import make_coordinator, make_course, make_program, make_school
    from peerpath.core.models import User
    from peerpath.matching.services import match_round_start
    from peerpath.people.availability import SLOT_CODES
    from peerpath.people.models import StudentProfile
    from peerpath.programs.models import Participant

    _fast_passwords()
    rng = random.Random(7)
    school = make_school("Bulk High")
    coordinator = make_coordinator(school, email="coord@bulk.test")
    program = make_program(
        school,
        coordinator,
        name="Bulk Tutoring",
        status="running",
        consent_age=0,
        mentor_training_minutes=0,
    )
    courses = [make_course(school, f"Course {i}", code=f"C{i:02d}") for i in range(20)]
    n = int(participants)
    mentors = n // 3
    users = User.objects.bulk_create(
        User(email=f"s{i}@bulk.test", given_name=f"S{i}", organization=school.organization)
        for i in range(n)
    )
    profiles = StudentProfile.objects.bulk_create(
        StudentProfile(
            user=user,
            school=school,
            grade_level=12 if i < mentors else 9,
            age_band="18_plus",
            languages=["en"],
            interests=rng.sample([f"i{k}" for k in range(30)], 3),
            availability=sorted(rng.sample(SLOT_CODES, 8)),
        )
        for i, user in enumerate(users)
    )
    people = Participant.objects.bulk_create(
        Participant(
            program=program,
            student=profile,
            role="mentor" if i < mentors else "mentee",
            status="ready",
            mentor_capacity=2 if i < mentors else None,
        )
        for i, profile in enumerate(profiles)
    )
    through = Participant.subjects.through
    through.objects.bulk_create(
        through(participant_id=p.pk, course_id=c.pk)
        for i, p in enumerate(people)
        for c in rng.sample(courses, 3 if i < mentors else 1)
    )
    with override_settings(PEERPATH_MATCH_INLINE_LIMIT=0):  # to the worker, as large rounds go
        match_round = match_round_start(actor=coordinator, program=program)
    return {"round": match_round.pk, "mentees": n - mentors}


def reminder_setup(sessions_per_pair: str) -> dict[str, Any]:
    """The meetings test school (two pairs) with sessions starting within the next hours."""
    import datetime as dt

    from django.utils import timezone
    from meetings_testlib import build_world

    from peerpath.meetings.services import session_schedule

    _fast_passwords()
    world = build_world("oak")
    first = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(hours=2)
    sessions = []
    for pair, actor in ((world.pair, world.ada), (world.other_pair, world.ben)):
        for n in range(int(sessions_per_pair)):
            [session] = session_schedule(
                actor=actor,
                match=pair,
                starts_at=first + dt.timedelta(minutes=50 * n),
                location="Library",
            )
            sessions.append(session.pk)
    return {"sessions": sessions}


def organization(slug: str) -> dict[str, Any]:
    """An organization to import a roster into."""
    from peerpath.core.services import organization_create

    return {"organization": organization_create(actor=None, name="Lakeside District", slug=slug).pk}


STEPS = {
    "publish-setup": publish_setup,
    "publish": publish,
    "round-setup": round_setup,
    "reminder-setup": reminder_setup,
    "organization": organization,
}

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpath.config.settings")
    import django

    django.setup()
    step, *arguments = sys.argv[1:]
    sys.stdout.write(json.dumps(STEPS[step](*arguments)) + "\n")
