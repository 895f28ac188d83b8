"""
Benchmark the insights pages on a program of 10,000 participants with a year of sessions.

    .venv/bin/python bench/insights_bench.py                 # SQLite in a temp dir
    .venv/bin/python bench/insights_bench.py --postgres postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/insights_bench.py --participants 2000   # smaller, quicker

A seeded generator bulk-inserts one school with ``--participants`` participants
(half mentors, half mentees, every mentee in an active match), as many again
students in no program (the comparison pool), a status history per
participant, 52 weekly sessions per pair with attendance (mentor and mentee,
10 % no-shows) and a log for every other session, a check-in every four weeks
and pre/post surveys per mentee, one goal per pair, and two terms of outcomes
for every student. It then times, with the SQL query count of each:

* the program dashboard page (``GET /programs/<id>/insights/``: funnel, weekly
  sessions and hours, health distribution, surveys, goals, seven SVG charts);
* the impact page (nearest-neighbour matching of 5,000 mentees against a pool
  of 10,000, effect sizes and intervals);
* the fairness page and the school overview.

Each page is requested three times; the best time is reported (the first
request also warms caches).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import tempfile
import time
from pathlib import Path


def build(participants: int, seed: int) -> dict[str, object]:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from peerpath.core.models import Organization, Role, RoleAssignment, School, User
    from peerpath.insights.models import OutcomeRecord
    from peerpath.matching.models import Match
    from peerpath.meetings.models import Attendance, Goal, Session, SessionLog
    from peerpath.people.models import StudentProfile
    from peerpath.programs.models import Participant, ParticipantStatusChange, Program
    from peerpath.rosters.models import Term
    from peerpath.support.models import CheckInResponse

    rng = random.Random(seed)
    pairs = participants // 2
    pool = participants
    term_start, term_end = dt.date(2025, 9, 1), dt.date(2026, 8, 28)
    with transaction.atomic():
        org = Organization.objects.create(name="Bench District", slug="bench")
        school = School.objects.create(organization=org, name="Bench High", slug="bench-high")
        coordinator = User.objects.create(
            email="coord@bench.test", given_name="Co", family_name="Ordinator",
            organization=org, password=make_password("bench-password-1"),
        )  # fmt: skip
        RoleAssignment.objects.create(
            user=coordinator, role=Role.COORDINATOR, organization=org, school=school
        )
        program = Program.objects.create(
            school=school, name="Bench Tutoring", slug="bench-tutoring",
            program_type="peer_tutoring", status="running", term_start=term_start,
            term_end=term_end,
        )  # fmt: skip
        total_students = participants + pool
        User.objects.bulk_create(
            [
                User(email=f"s{i}@bench.test", given_name=f"S{i}", family_name="Student",
                     organization=org, password="!")
                for i in range(total_students)
            ],
            batch_size=2000,
        )  # fmt: skip
        users = list(User.objects.filter(email__endswith="@bench.test").exclude(pk=coordinator.pk)
                     .order_by("pk").values_list("pk", flat=True))  # fmt: skip
        backgrounds = [{}, {"first_generation": True}, {"first_generation": False},
                       {"home_language": "es"}, {"first_generation": True, "home_language": "ar"}]  # fmt: skip
        StudentProfile.objects.bulk_create(
            [
                StudentProfile(user_id=u, school=school, grade_level=9 + i % 4,
                               background=rng.choice(backgrounds))
                for i, u in enumerate(users)
            ],
            batch_size=2000,
        )  # fmt: skip
        students = list(
            StudentProfile.objects.filter(school=school).order_by("pk").values_list("pk", flat=True)
        )
        created = dt.datetime(2025, 8, 20, tzinfo=dt.UTC)
        Participant.objects.bulk_create(
            [
                Participant(program=program, student_id=s, role="mentor" if i < pairs else "mentee",
                            status="matched", status_changed_at=created)
                for i, s in enumerate(students[:participants])
            ],
            batch_size=2000,
        )  # fmt: skip
        people = list(
            Participant.objects.filter(program=program).order_by("pk").values_list("pk", flat=True)
        )
        mentors, mentees = people[:pairs], people[pairs:]
        ParticipantStatusChange.objects.bulk_create(
            [
                ParticipantStatusChange(participant_id=p, from_status=a, to_status=b,
                                        changed_at=created)
                for p in people
                for a, b in (("", "applied"), ("applied", "screening"), ("screening", "ready"),
                             ("ready", "matched"))
            ],
            batch_size=5000,
        )  # fmt: skip
        started = dt.datetime(2025, 9, 1, 12, tzinfo=dt.UTC)
        Match.objects.bulk_create(
            [
                Match(program=program, mentor_id=m, mentee_id=e, score=rng.uniform(0.4, 0.95),
                      started_at=started, mentor_agreed_at=started, mentee_agreed_at=started)
                for m, e in zip(mentors, mentees, strict=True)
            ],
            batch_size=2000,
        )  # fmt: skip
        matches = list(Match.objects.filter(program=program).values_list("pk", "mentor_id",
                                                                          "mentee_id"))  # fmt: skip
        first = dt.datetime(2025, 9, 2, 19, tzinfo=dt.UTC)
        sessions = 0
        for week in range(52):
            batch = []
            for pk, _m, _e in matches:
                when = first + dt.timedelta(weeks=week, days=pk % 4)
                batch.append(Session(program=program, match_id=pk, starts_at=when,
                                     ends_at=when + dt.timedelta(minutes=45), duration_minutes=45))  # fmt: skip
            Session.objects.bulk_create(batch, batch_size=5000)
            sessions += len(batch)
        rows = Session.objects.filter(program=program).values_list("pk", "match_id", "starts_at")
        by_match = {pk: (m, e) for pk, m, e in matches}
        attendance, logs = [], []
        for index, (pk, match_id, when) in enumerate(rows.iterator(chunk_size=10000)):
            mentor, mentee = by_match[match_id]
            status = "no_show" if rng.random() < 0.1 else "present"
            attendance.append(Attendance(session_id=pk, participant_id=mentor, role="mentor",
                                         status="present", recorded_at=when))  # fmt: skip
            attendance.append(Attendance(session_id=pk, participant_id=mentee, role="mentee",
                                         status=status, recorded_at=when))  # fmt: skip
            if index % 2 == 0:
                logs.append(SessionLog(session_id=pk, duration_minutes=rng.choice([30, 45, 60]),
                                       topics="Practice"))  # fmt: skip
            if len(attendance) >= 20000:
                Attendance.objects.bulk_create(attendance, batch_size=10000)
                SessionLog.objects.bulk_create(logs, batch_size=10000)
                attendance, logs = [], []
        Attendance.objects.bulk_create(attendance, batch_size=10000)
        SessionLog.objects.bulk_create(logs, batch_size=10000)
        checkins = []
        for pk, _mentor, mentee in matches:
            for week in range(0, 52, 4):
                checkins.append(CheckInResponse(
                    participant_id=mentee, match_id=pk, kind="checkin",
                    scores={"relationship": rng.choice([2.5, 3.0, 3.5, 4.0, 4.5, 5.0])},
                    submitted_at=first + dt.timedelta(weeks=week, days=1),
                ))  # fmt: skip
            pre = rng.uniform(2, 4)
            checkins.append(CheckInResponse(participant_id=mentee, kind="pre",
                                            scores={"belonging": pre, "confidence": pre},
                                            submitted_at=first))  # fmt: skip
            checkins.append(CheckInResponse(participant_id=mentee, kind="post",
                                            scores={"belonging": pre + rng.gauss(0.3, 0.5),
                                                    "confidence": pre + rng.gauss(0.2, 0.5)},
                                            submitted_at=first + dt.timedelta(weeks=51)))  # fmt: skip
        CheckInResponse.objects.bulk_create(checkins, batch_size=5000)
        Goal.objects.bulk_create(
            [
                Goal(match_id=pk, what="Pass", measure="70%", due_on=term_end,
                     status=rng.choice(["achieved", "active", "dropped"]),
                     progress=rng.randrange(101))
                for pk, _m, _e in matches
            ],
            batch_size=5000,
        )  # fmt: skip
        before = Term.objects.create(organization=org, sourced_id="t0", title="2024-25",
                                     kind="schoolYear", start_date=dt.date(2024, 9, 1),
                                     end_date=dt.date(2025, 6, 20))  # fmt: skip
        after = Term.objects.create(organization=org, sourced_id="t1", title="2025-26",
                                    kind="schoolYear", start_date=dt.date(2025, 9, 1),
                                    end_date=dt.date(2026, 6, 20))  # fmt: skip
        records = []
        for s in students:
            grade, rate = rng.uniform(50, 98), rng.uniform(70, 99.5)
            records.append(OutcomeRecord(school=school, student_id=s, term=before,
                                         grade_average=grade, grade_scale=100,
                                         grade_percent=grade, attendance_rate=rate,
                                         enrolment_status="enrolled"))  # fmt: skip
            after_grade = min(100.0, grade + rng.gauss(1.0, 4.0))
            records.append(OutcomeRecord(school=school, student_id=s, term=after,
                                         grade_average=after_grade, grade_scale=100,
                                         grade_percent=after_grade,
                                         attendance_rate=min(100.0, rate + rng.gauss(0, 2)),
                                         enrolment_status=rng.choice(["enrolled"] * 19 + ["withdrawn"])))  # fmt: skip
        OutcomeRecord.objects.bulk_create(records, batch_size=5000)
    return {
        "program": program,
        "school": school,
        "sessions": sessions,
        "attendance": Attendance.objects.count(),
        "checkins": CheckInResponse.objects.count(),
        "outcomes": OutcomeRecord.objects.count(),
    }


class QueryCounter:
    """Count every SQL statement run (no cap, unlike Django's debug query log)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.count += 1
        return execute(sql, params, many, context)


def measure(client: object, url: str, repeat: int = 3) -> tuple[float, int, int]:
    from django.db import connection

    best, queries, status = float("inf"), 0, 0
    for _ in range(repeat):
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            start = time.perf_counter()
            response = client.get(url)  # type: ignore[attr-defined]
            elapsed = time.perf_counter() - start
        best = min(best, elapsed)
        queries, status = counter.count, response.status_code
    return best, queries, status


def parts(program: object) -> list[tuple[str, float, int]]:
    """Time each figure of the dashboard on its own (to see where the time goes)."""
    from django.db import connection

    from peerpath.insights import selectors

    steps = [
        ("  funnel", lambda: selectors.program_funnel(program)),
        ("  weekly activity", lambda: selectors.weekly_activity(program)),
        ("  health (match_health)", lambda: selectors.health_distribution([program])),
        ("  surveys over time", lambda: selectors.survey_over_time(program)),
        ("  surveys pre/post", lambda: selectors.survey_pre_post(program)),
        ("  goals", lambda: selectors.goal_summary([program])),
    ]
    out = []
    for name, step in steps:
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            start = time.perf_counter()
            step()  # type: ignore[no-untyped-call]
            out.append((name, time.perf_counter() - start, counter.count))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--postgres", default="", help="server URL; a fresh database is made")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="insights-bench-"))
    os.environ["PEERPATH_DATA_DIR"] = str(work)
    if args.postgres:
        import psycopg

        base = args.postgres.rsplit("/", 1)[0]
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS peerpath_insights_bench")
            conn.execute("CREATE DATABASE peerpath_insights_bench")
        os.environ["DATABASE_URL"] = f"{base}/peerpath_insights_bench"
        backend = "PostgreSQL"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
        backend = "SQLite"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpath.config.settings")
    os.environ.setdefault("PEERPATH_ALLOWED_HOSTS", "testserver")
    # The benchmark measures the pages, not the two-step login in front of them.
    os.environ.setdefault("PEERPATH_REQUIRE_2FA", "0")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    data = build(args.participants, args.seed)
    print(
        f"backend: {backend}; built {args.participants:,} participants, "
        f"{data['sessions']:,} sessions, {data['attendance']:,} attendance rows, "
        f"{data['checkins']:,} survey responses, {data['outcomes']:,} outcome records "
        f"in {time.perf_counter() - start:.0f} s"
    )
    client = Client()
    assert client.login(email="coord@bench.test", password="bench-password-1")
    program, school = data["program"], data["school"]
    pages = [
        ("dashboard", f"/programs/{program.pk}/insights/"),  # type: ignore[attr-defined]
        ("impact report", f"/programs/{program.pk}/insights/impact/"),  # type: ignore[attr-defined]
        ("fairness", f"/programs/{program.pk}/insights/fairness/"),  # type: ignore[attr-defined]
        ("school overview", f"/insights/schools/{school.pk}/"),  # type: ignore[attr-defined]
    ]
    print(f"\n{'page':<24} {'best of 3':>10} {'SQL queries':>12}")
    for name, url in pages:
        seconds, queries, status = measure(client, url)
        assert status == 200, (name, status)
        print(f"{name:<24} {seconds:>9.2f}s {queries:>12}")
        if name == "dashboard":
            for part, part_seconds, part_queries in parts(program):
                print(f"{part:<24} {part_seconds:>9.2f}s {part_queries:>12}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
