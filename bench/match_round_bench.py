"""
A match round for a program of 2,000 participants, from request to proposals.

Sets up a fresh SQLite (or ``--database-url``) database with a seeded school,
then runs a round through the real service (``match_round_start``) and prints
the time split into loading + building the problem, solving and saving, for
the optimal mode and, side by side, the greedy baseline and the fair mode.

    .venv/bin/python bench/match_round_bench.py [--participants 2000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--mentor-share", type=float, default=0.35)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="peerpath-bench-")
    os.environ.setdefault("PEERPATH_DATA_DIR", tmp)
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpath.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from peerpath.core.models import Role, User
    from peerpath.core.services import organization_create, role_grant, school_create, user_create
    from peerpath.matching.models import MatchRound
    from peerpath.matching.services import match_round_start, match_settings_for
    from peerpath.people.availability import SLOT_CODES
    from peerpath.people.models import Course, StudentProfile
    from peerpath.programs.models import Participant
    from peerpath.programs.services import program_create

    rng = random.Random(args.seed)
    org = organization_create(actor=None, name="Bench District")
    school = school_create(actor=None, organization=org, name="Bench High")
    coordinator = user_create(
        actor=None, email="coord@bench.test", given_name="C", family_name="B", organization=org
    )
    role_grant(actor=None, user=coordinator, role=Role.COORDINATOR, organization=org, school=school)
    import datetime as dt

    program = program_create(
        actor=coordinator,
        school=school,
        name="Bench Tutoring",
        program_type="peer_tutoring",
        status="running",
        term_start=dt.date(2026, 9, 1),
        term_end=dt.date(2027, 1, 31),
        default_mentor_capacity=3,
        consent_age=0,
        mentor_training_minutes=0,
    )
    courses = Course.objects.bulk_create(
        [Course(school=school, code=f"C{i:02d}", name=f"Course {i}") for i in range(40)]
    )
    interests = [f"i{i}" for i in range(30)]
    languages = ["en", "es", "vi", "zh", "ar", "tl"]
    n = args.participants
    users = User.objects.bulk_create(
        [
            User(
                email=f"s{i}@bench.test", given_name=f"S{i}", family_name="Bench", organization=org
            )
            for i in range(n)
        ]
    )
    mentors_n = int(n * args.mentor_share)
    profiles = StudentProfile.objects.bulk_create(
        [
            StudentProfile(
                user=u,
                school=school,
                grade_level=rng.choice([11, 12]) if i < mentors_n else rng.choice([9, 10]),
                age_band="18_plus",
                languages=["en", *rng.sample(languages[1:], rng.choice([0, 0, 1]))],
                interests=rng.sample(interests, rng.randint(2, 5)),
                availability=sorted(rng.sample(SLOT_CODES, rng.randint(4, 14))),
            )
            for i, u in enumerate(users)
        ]
    )
    participants = Participant.objects.bulk_create(
        [
            Participant(
                program=program,
                student=p,
                role="mentor" if i < mentors_n else "mentee",
                status="ready",
                mentor_capacity=rng.randint(1, 4) if i < mentors_n else None,
            )
            for i, p in enumerate(profiles)
        ]
    )
    through = Participant.subjects.through
    through.objects.bulk_create(
        [
            through(participant_id=p.pk, course_id=c.pk)
            for i, p in enumerate(participants)
            for c in rng.sample(courses, 3 if i < mentors_n else 1)
        ]
    )
    settings_obj = match_settings_for(program)

    rows = []
    for mode in ("optimal", "fair", "greedy"):
        settings_obj.mode = mode
        settings_obj.save()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            match_round = match_round_start(actor=coordinator, program=program)
            total = time.perf_counter() - started
        assert match_round.status == MatchRound.Status.PROPOSED, match_round.error
        t = match_round.timings
        rows.append(
            (
                mode,
                total,
                t["load_and_build_s"],
                t["solve_s"],
                t["save_s"],
                match_round.result["matched"],
                match_round.result["total_score"],
                match_round.result["optimal"],
                len(queries),
            )
        )
    best = rows[0][6]
    print(
        f"Match round, {n} participants ({mentors_n} mentors, {n - mentors_n} mentees), "
        f"{connection.vendor}, seed {args.seed}"
    )
    print(
        f"{'mode':8} {'total s':>8} {'load+build':>10} {'solve':>7} {'save':>7} {'matched':>8} "
        f"{'score/opt':>9} {'certified':>9} {'queries':>8}"
    )
    for mode, total, build, solve_s, save, matched, score, optimal, nq in rows:
        print(
            f"{mode:8} {total:8.2f} {build:10.3f} {solve_s:7.3f} {save:7.3f} {matched:8d} "
            f"{score / best:9.3f} {optimal!s:>9} {nq:8d}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
