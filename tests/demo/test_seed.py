"""
The demo school built by ``demo_seed``: what it holds, who can log in, determinism.

Seeding takes seconds, so one demo school is seeded (and committed) for the
whole module and every test reads it inside its own rolled-back transaction.
``test_reset.py`` covers ``--reset`` and the command's first run.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings

from peerpath.core.models import AuditEntry, Role, RoleAssignment, User
from peerpath.demo.catalogue import STUDENT_DOMAIN
from peerpath.demo.groups import BOARD, PILOT_CLOSE_REASON, build_group_plan, group_rng
from peerpath.demo.plan import build_plan
from peerpath.demo.roster import build_guardians, build_students
from peerpath.demo.seed import (
    DEMO_PASSWORD,
    DemoSummary,
    demo_logins,
    demo_reset,
    demo_seed,
    semester,
)
from peerpath.people.models import GuardianLink, StudentProfile
from peerpath.programs.lifecycle import readiness_missing
from peerpath.programs.models import Participant, ParticipantStatusChange, Program
from peerpath.programs.selectors import program_list_managed
from peerpath.recruitment.models import Application, GuardianConsent, ScreeningRecord
from peerpath.training.models import ModuleProgress

SEED = 7
STUDENTS = 120
TODAY = dt.date(2026, 11, 16)
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoSummary]:
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        summary = demo_seed(seed=SEED, students=STUDENTS, today=TODAY)
    yield summary
    with django_db_blocker.unblock():
        demo_reset()


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHERS


def _plan() -> list[tuple[str, str, str, str]]:
    rng = random.Random(SEED)
    students = build_students(rng, count=STUDENTS, today=TODAY)
    build_guardians(rng, students)
    plan = build_plan(rng, students) + build_group_plan(group_rng(SEED), students)
    return sorted((e.program, e.student_email, e.role, e.status) for e in plan)


@pytest.mark.django_db
def test_school_has_students_across_grades_with_plausible_profiles(demo: DemoSummary) -> None:
    assert demo.created is True
    assert demo.organization == "Riverbend Unified School District"
    assert demo.school == "Riverbend High School"
    assert demo.students == StudentProfile.objects.count() == STUDENTS
    assert demo.students_by_grade == {9: 32, 10: 31, 11: 29, 12: 28}
    assert demo.courses >= 30
    assert demo.guardians == GuardianLink.objects.values("guardian").distinct().count()

    profiles = list(StudentProfile.objects.select_related("user"))
    ages = {p.age_on(TODAY) for p in profiles}
    assert min(ages) >= 14
    assert max(ages) <= 18
    assert len({p.user.email for p in profiles}) == STUDENTS
    assert all(p.user.email.endswith("@" + STUDENT_DOMAIN) for p in profiles)
    assert all("en" in p.languages for p in profiles)
    assert any(len(p.languages) > 1 for p in profiles)
    assert all(2 <= len(p.interests) <= 5 for p in profiles)
    assert all(len(p.availability) >= 2 for p in profiles)
    assert any(p.background for p in profiles)
    assert GuardianLink.objects.filter(student__in=[p for p in profiles if p.is_minor()]).exists()


@pytest.mark.django_db
def test_programs_have_participants_in_several_statuses_with_real_history(
    demo: DemoSummary,
) -> None:
    tutoring = Program.objects.get(program_type="peer_tutoring")
    mentoring = Program.objects.get(program_type="one_to_one")
    assert (tutoring.status, mentoring.status) == ("running", "recruiting")
    assert (tutoring.term_start, tutoring.term_end) == semester(TODAY)
    for program in (tutoring, mentoring):
        participants = Participant.objects.filter(program=program).select_related("student")
        assert participants.filter(role="mentor").count() >= 5
        assert participants.filter(role="mentee").count() >= 10
        statuses = set(participants.values_list("status", flat=True))
        assert {"applied", "screening", "ready"} <= statuses
        assert len(statuses) >= 4
        for p in participants:
            low, high = (
                (program.mentor_grade_min, program.mentor_grade_max)
                if p.role == "mentor"
                else (program.mentee_grade_min, program.mentee_grade_max)
            )
            assert low is not None
            assert high is not None
            assert low <= p.student.grade_level <= high
    assert tutoring.participants.filter(status="matched").exists()
    assert tutoring.participants.filter(role="mentee", subjects__isnull=False).exists()

    for participant in Participant.objects.all():
        changes = list(participant.status_changes.order_by("changed_at", "pk"))
        assert (changes[0].from_status, changes[0].to_status) == ("", "applied")
        assert changes[-1].to_status == participant.status
    assert ParticipantStatusChange.objects.filter(from_status="screening").exists()
    assert AuditEntry.objects.filter(action="participant.transition").exists()


@pytest.mark.django_db
def test_participants_went_through_applications_screening_consent_and_training(
    demo: DemoSummary,
) -> None:
    assert Application.objects.filter(referred_by__isnull=False).exists()
    assert Application.objects.filter(submitted_at__isnull=False).exists()
    past_screening = Participant.objects.filter(status__in=["ready", "matched", "closed"])
    assert past_screening.exists()
    for participant in past_screening.select_related("program", "student"):
        assert readiness_missing(participant) == []
        if participant.student.is_minor():
            given = GuardianConsent.objects.filter(participant=participant, status="given")
            assert given.exists()
    assert GuardianConsent.objects.filter(
        status="pending", participant__status="screening"
    ).exists()
    assert ScreeningRecord.objects.exists()
    assert ModuleProgress.objects.filter(completed_at__isnull=False).exists()


@pytest.mark.django_db
def test_database_follows_the_seeded_plan(demo: DemoSummary) -> None:
    stored = sorted(
        Participant.objects.values_list(
            "program__program_type", "student__user__email", "role", "status"
        )
    )
    keys = {"peer_tutoring": "tutoring", "one_to_one": "mentoring", "study_groups": "groups"}
    # The study circles' participants were planned "ready"; the formation round placed them.
    planned = [
        (k, e, r, "matched" if k == "groups" and s == "ready" else s) for k, e, r, s in _plan()
    ]
    assert sorted((keys[t], e, r, s) for t, e, r, s in stored) == planned


def test_same_seed_gives_the_same_school_and_another_seed_does_not() -> None:
    def generate(seed: int) -> tuple[list[Any], list[Any], list[Any]]:
        rng = random.Random(seed)
        students = build_students(rng, count=STUDENTS, today=TODAY)
        guardians = build_guardians(rng, students)
        return students, guardians, build_plan(rng, students)

    assert generate(SEED) == generate(SEED)
    other = generate(SEED + 1)
    assert [s.email for s in other[0]] != [s.email for s in generate(SEED)[0]]


@pytest.mark.django_db
def test_every_demo_login_works_and_has_its_role(demo: DemoSummary) -> None:
    assert demo.logins == demo_logins()
    for login in demo.logins:
        assert Client().login(email=login.email, password=DEMO_PASSWORD), login.email
    roles = dict(RoleAssignment.objects.values_list("user__email", "role"))
    assert roles["coordinator@riverbend.example"] == Role.COORDINATOR
    assert roles["counselor@riverbend.example"] == Role.STAFF
    assert roles["teacher@riverbend.example"] == Role.STAFF
    assert roles["safeguarding@riverbend.example"] == Role.SAFEGUARDING_LEAD
    assert roles["admin@riverbend.example"] == Role.ORG_ADMIN

    guardian = User.objects.get(email="guardian@riverbend.example")
    children = StudentProfile.objects.filter(guardian_links__guardian=guardian)
    assert children.count() == 2
    assert all(child.is_minor() and child.participations.exists() for child in children)

    student_logins = [login.email for login in demo.logins if STUDENT_DOMAIN in login.email]
    roles_in_programs = Participant.objects.filter(
        student__user__email__in=student_logins
    ).values_list("role", flat=True)
    assert set(roles_in_programs) == {"mentor", "mentee"}


@pytest.mark.django_db
def test_only_demo_logins_have_a_password(demo: DemoSummary) -> None:
    usable = {u.email for u in User.objects.all() if u.has_usable_password()}
    assert usable == {login.email for login in demo.logins}


@pytest.mark.django_db
def test_coordinator_manages_every_program(demo: DemoSummary) -> None:
    coordinator = User.objects.get(email="coordinator@riverbend.example")
    names = set(program_list_managed(coordinator).values_list("name", flat=True))
    assert names == {
        "Peer Tutoring — Math & Science",
        "Ninth-Grade Mentoring",
        "Ninth-Grade Study Circles",
    }


@pytest.mark.django_db
def test_seeding_again_changes_nothing(demo: DemoSummary) -> None:
    counts = (User.objects.count(), Participant.objects.count(), AuditEntry.objects.count())

    again = demo_seed(seed=SEED + 1, students=STUDENTS)

    assert again.created is False
    assert again.students == STUDENTS
    assert (User.objects.count(), Participant.objects.count(), AuditEntry.objects.count()) == (
        counts
    )


@pytest.mark.django_db
def test_command_on_an_existing_demo_prints_its_summary_and_logins(demo: DemoSummary) -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "already there" in text
    assert f"{STUDENTS} students" in text
    assert "coordinator@riverbend.example" in text
    assert "guardian@riverbend.example" in text
    assert DEMO_PASSWORD in text
    assert StudentProfile.objects.count() == STUDENTS


def test_semester_follows_the_school_calendar() -> None:
    assert semester(dt.date(2026, 11, 16)) == (dt.date(2026, 9, 8), dt.date(2027, 1, 22))
    assert semester(dt.date(2027, 3, 1)) == (dt.date(2027, 1, 25), dt.date(2027, 6, 11))
    assert semester(dt.date(2027, 7, 1)) == (dt.date(2027, 9, 7), dt.date(2028, 1, 21))


@pytest.mark.django_db
def test_matched_and_closed_participants_have_real_matches(demo: DemoSummary) -> None:
    from peerpath.matching.models import Match

    paired = Participant.objects.exclude(program__program_type="study_groups")
    for participant in paired.filter(status="matched", role="mentee"):
        assert Match.objects.filter(mentee=participant, status="active").count() == 1
    for participant in paired.filter(status="closed", role="mentee"):
        # Closed mentees were paired with mentors planned as closed where any had room.
        assert not Match.objects.filter(mentee=participant, status="active").exists()
    for closed in Match.objects.filter(status="closed"):
        assert closed.close_reason in {"goals_met", "term_ended", "mismatch"}
        assert closed.mentee.status == "closed"
    maya = User.objects.get(email=f"maya.okafor@{STUDENT_DOMAIN}")
    diego = User.objects.get(email=f"diego.ramirez@{STUDENT_DOMAIN}")
    match = Match.objects.get(mentee__student__user=diego, status="active")
    assert match.mentor.student.user == maya
    for m in Match.objects.filter(status="active"):
        assert Match.objects.filter(mentor=m.mentor, status="active").count() <= m.mentor.capacity


@pytest.mark.django_db
def test_pairs_have_met_and_the_school_sent_outcomes_for_two_terms(demo: DemoSummary) -> None:
    from peerpath.insights.impact import default_terms, impact_report, outcome_terms
    from peerpath.insights.models import OutcomeRecord
    from peerpath.meetings.models import Attendance, Session, SessionLog

    assert Attendance.objects.filter(status="present").exists()  # past meetings were held
    assert SessionLog.objects.exists()
    assert Session.objects.filter(starts_at__gt=dt.datetime(2026, 11, 17, tzinfo=dt.UTC)).exists()
    assert OutcomeRecord.objects.count() == 2 * STUDENTS
    program = Program.objects.filter(matches__isnull=False).distinct().first()
    assert program is not None
    baseline, outcome = default_terms(program, [c.term for c in outcome_terms(program)])
    assert baseline is not None
    assert outcome is not None
    assert baseline.end_date < program.term_start <= outcome.end_date
    report = impact_report(program, baseline=baseline, outcome=outcome, role="mentee")
    assert report.with_baseline == report.participants > 0
    assert report.pool > report.participants  # non-participants to compare with


@pytest.mark.django_db
def test_study_circles_were_formed_by_a_published_round(demo: DemoSummary) -> None:
    from peerpath.matching.models import GroupRound, GroupSettings
    from peerpath.meetings.models import Group, GroupMember

    program = Program.objects.get(program_type="study_groups")
    assert program.name == "Ninth-Grade Study Circles"
    assert program.status == "running"
    summary = next(p for p in demo.programs if p.name == program.name)
    assert summary.groups == {
        "active": Group.objects.filter(program=program).count() - 1,
        "closed": 1,
    }
    participants = Participant.objects.filter(program=program)
    assert 20 <= participants.count() <= 40
    assert {"mentor", "mentee"} == set(participants.values_list("role", flat=True))
    assert all(readiness_missing(p) == [] for p in participants)

    settings = GroupSettings.objects.get(program=program)
    assert (settings.min_size, settings.max_size, settings.leaders) == (4, 6, "at_least_one")
    assert settings.min_shared_slots >= 1
    group_round = GroupRound.objects.get(program=program)
    assert group_round.status == "published"
    active = Group.objects.filter(program=program, status="active").order_by("pk")
    # The active groups are exactly the round's groups: none was made by hand.
    assert sorted(
        sorted(str(pk) for pk in g.members.values_list("participant_id", flat=True)) for g in active
    ) == sorted(sorted(members) for members in group_round.groups.values())
    assert len(active) >= 3
    for group in active:
        members = list(group.members.select_related("participant__application"))
        assert settings.min_size <= len(members) <= settings.max_size
        assert any(m.role == GroupMember.Role.LEADER for m in members)
        assert all(m.participant.status == "matched" for m in members)
        slots = [set(m.participant.application.availability) for m in members]
        assert len(set.intersection(*slots)) >= settings.min_shared_slots
    assert not participants.filter(status="ready").exists()  # everyone was placed


@pytest.mark.django_db
def test_a_pilot_circle_was_closed_and_a_new_circle_has_a_board(demo: DemoSummary) -> None:
    from peerpath.meetings.models import Group
    from peerpath.messaging.models import Message

    program = Program.objects.get(program_type="study_groups")
    closed = Group.objects.get(program=program, status="closed")
    assert closed.closed_at is not None
    assert closed.closed_at.date() < program.term_start
    closing = AuditEntry.objects.get(action="meetings.group.close", target_id=str(closed.pk))
    assert closing.after["reason"] == PILOT_CLOSE_REASON
    assert Message.objects.filter(thread__group=closed).count() == 2
    assert closed.close_reason == PILOT_CLOSE_REASON
    assert closed.closed_by is not None
    # Formed, written on and closed last term, in that order.
    sent = sorted(Message.objects.filter(thread__group=closed).values_list("created_at", flat=True))
    assert closed.created_at < sent[0] <= sent[-1] < closed.closed_at

    board = Message.objects.filter(thread__group__status="active", thread__group__program=program)
    assert board.count() == len(BOARD)
    group = board.first().thread.group  # type: ignore[union-attr]
    members = set(group.members.values_list("participant__student__user", flat=True))
    assert set(board.values_list("author", flat=True)) <= members
    assert AuditEntry.objects.filter(action="matching.group_round.start").count() == 1


def test_the_roster_is_the_same_in_another_process() -> None:
    """Students' free times (which the study circles are formed by) do not follow hash order."""
    import os
    import subprocess
    import sys

    script = (
        "import datetime as dt, random, django, os;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'peerpath.config.settings');"
        "django.setup();"
        "from peerpath.demo.roster import build_students;"
        "s = build_students(random.Random(7), count=120, today=dt.date(2026, 11, 16));"
        "print([x.availability for x in s])"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": str(hash_seed)},
        ).stdout
        for hash_seed in (1, 2)
    }
    assert len(runs) == 1
