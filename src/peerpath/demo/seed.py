"""
Seed the demo school, Riverbend High, through the same services the product uses.

:func:`demo_seed` generates a district, one high school, its courses, staff,
students, guardians and two programs with applicants at every step of the
lifecycle. The generated data depends only on ``seed``, ``students`` and
``today``. Every write goes through the domain services, so every row has
its audit entry and every participant a real application and status history;
see :mod:`peerpath.demo.enrol` for why the seed commits in two parts (a
failure in either deletes everything the seed made).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from peerpath.core.models import AuditEntry, Organization, Role, School, User
from peerpath.core.services import organization_create, role_grant, school_create, user_create
from peerpath.demo.catalogue import (
    COURSES,
    DEMO_GUARDIAN,
    DEMO_GUARDIAN_CHILDREN,
    FEATURED_STUDENTS,
    ORGANIZATION_NAME,
    ORGANIZATION_SLUG,
    PROGRAMS,
    SCHOOL_NAME,
    SCHOOL_SLUG,
    STAFF,
    STUDENT_DOMAIN,
    STUDY_GROUPS,
    ProgramSpec,
)
from peerpath.demo.enrol import Enroller, consent_tokens
from peerpath.demo.groups import build_group_plan, demo_group_counts, demo_groups, group_rng
from peerpath.demo.outcomes import demo_outcomes
from peerpath.demo.plan import EnrolmentSpec, build_plan
from peerpath.demo.roster import (
    GuardianSpec,
    StudentSpec,
    build_guardians,
    build_students,
    email_local_part,
    school_year_start,
)
from peerpath.meetings.demo import demo_meetings
from peerpath.people.models import Course, GuardianLink, StudentProfile
from peerpath.people.services import course_create, guardian_link_create, student_profile_create
from peerpath.programs.models import Participant, Program
from peerpath.programs.selectors import program_status_counts
from peerpath.programs.services import program_create, program_update

DEMO_PASSWORD = "peerpath-demo-2026"
DEFAULT_SEED = 2026
DEFAULT_STUDENTS = 640
MIN_STUDENTS = 40


@dataclass(frozen=True)
class DemoLogin:
    """A demo account that can log in with :data:`DEMO_PASSWORD`."""

    email: str
    name: str
    role: str


@dataclass(frozen=True)
class ProgramSummary:
    name: str
    program_type: str
    status: str
    term_start: dt.date
    term_end: dt.date
    mentors: int
    mentees: int
    by_status: dict[str, int]
    groups: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoSummary:
    """What the demo school holds, and whether this run created it."""

    created: bool
    organization: str
    school: str
    students: int
    students_by_grade: dict[int, int]
    guardians: int
    courses: int
    programs: tuple[ProgramSummary, ...]
    logins: tuple[DemoLogin, ...]
    password: str = DEMO_PASSWORD


@dataclass
class _Context:
    """The objects later steps of the seed refer to."""

    organization: Organization
    school: School
    staff: dict[str, User]
    courses: dict[str, Course]
    students: dict[str, StudentProfile]
    featured: dict[str, StudentProfile]


def demo_logins() -> tuple[DemoLogin, ...]:
    """Every demo account that can log in, staff first."""
    logins = [DemoLogin(s.email, f"{s.given_name} {s.family_name}", s.label) for s in STAFF]
    logins.append(
        DemoLogin(
            DEMO_GUARDIAN.email,
            f"{DEMO_GUARDIAN.given_name} {DEMO_GUARDIAN.family_name}",
            DEMO_GUARDIAN.label,
        )
    )
    for f in FEATURED_STUDENTS:
        if f.can_log_in:
            email = f"{email_local_part(f.given_name, f.family_name)}@{STUDENT_DOMAIN}"
            logins.append(DemoLogin(email, f"{f.given_name} {f.family_name}", f.label))
    return tuple(logins)


def demo_organization() -> Organization | None:
    """Return the demo organization if the database has one."""
    return Organization.objects.filter(slug=ORGANIZATION_SLUG).first()


def demo_reset() -> bool:
    """
    Delete the demo organization and everything in it; return whether there was one.

    Only an organization with the demo's slug *and* name is deleted, so a real
    organization that happens to use the slug is never touched. There are no
    delete services (real data is never deleted wholesale), so this works on
    the models directly.
    """
    organization = Organization.objects.filter(
        slug=ORGANIZATION_SLUG, name=ORGANIZATION_NAME
    ).first()
    if organization is None:
        return False
    with transaction.atomic():
        Program.objects.filter(school__organization=organization).delete()
        StudentProfile.objects.filter(school__organization=organization).delete()
        User.objects.filter(organization=organization).delete()
        School.objects.filter(organization=organization).delete()
        AuditEntry.objects.filter(organization=organization).delete()
        organization.delete()
    return True


def demo_seed(
    *,
    seed: int = DEFAULT_SEED,
    students: int = DEFAULT_STUDENTS,
    today: dt.date | None = None,
) -> DemoSummary:
    """
    Create the demo school unless it exists, and return its summary.

    The same ``seed``, ``students`` and ``today`` always give the same names,
    e-mail addresses, profiles and participant statuses; ``today`` (default:
    the local date) places the programs in the current semester.
    """
    if students < MIN_STUDENTS:
        raise ValueError(f"The demo school needs at least {MIN_STUDENTS} students.")
    existing = demo_organization()
    if existing is not None:
        return demo_summary(existing, created=False)
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "demo_seed() commits twice (guardians answer the consent e-mails sent when the "
            "first part commits), so it cannot run inside a transaction."
        )
    today = today or timezone.localdate()
    validate_password(DEMO_PASSWORD)
    rng = random.Random(seed)
    roster = build_students(rng, count=students, today=today)
    guardians = build_guardians(rng, roster)
    plan = build_plan(rng, roster)
    groups_rng = group_rng(seed)
    group_plan = build_group_plan(groups_rng, roster)
    # The services e-mail hundreds of invented people: keep those messages in
    # memory (the guardians' consent links are read from them), then drop them.
    earlier_outbox = getattr(mail, "outbox", [])
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        mail.outbox = []
        try:
            organization = _seed(rng, roster, guardians, plan, today, (groups_rng, group_plan))
        except BaseException:
            demo_reset()
            raise
        finally:
            mail.outbox = earlier_outbox
    return demo_summary(organization, created=True)


def _seed(
    rng: random.Random,
    roster: Sequence[StudentSpec],
    guardians: Sequence[GuardianSpec],
    plan: Sequence[EnrolmentSpec],
    today: dt.date,
    groups: tuple[random.Random, Sequence[EnrolmentSpec]],
) -> Organization:
    groups_rng, group_plan = groups
    with transaction.atomic():
        ctx = _create_school()
        _create_students(ctx, roster, today)
        _create_guardians(ctx, guardians)
        programs = _create_programs(ctx, today)
        term_start, term_end = semester(today)
        circles = _create_program(ctx, STUDY_GROUPS, term_start, term_end)
        enroller = Enroller(
            coordinator=ctx.staff["coordinator"],
            referrers={"tutoring": ctx.staff["teacher"], "mentoring": ctx.staff["staff"]},
            programs=programs,
            courses=ctx.courses,
            students=ctx.students,
            today=today,
            rng=rng,
            featured_emails={p.user.email for p in ctx.featured.values()},
        )
        enroller.set_up_programs()
        enroller.apply_and_decide(plan)
        # The study circles' participants, with the program's own generator.
        circle_enroller = Enroller(
            coordinator=ctx.staff["coordinator"],
            referrers={STUDY_GROUPS.key: ctx.staff["teacher"]},
            programs={STUDY_GROUPS.key: circles},
            courses=ctx.courses,
            students=ctx.students,
            today=today,
            rng=groups_rng,
        )
        circle_enroller.set_up_programs()
        circle_enroller.apply_and_decide(group_plan)
    # Committed: the consent requests are now in the outbox, as in a guardian's inbox.
    with transaction.atomic():
        tokens = consent_tokens(mail.outbox)
        enroller.make_ready(plan, tokens)
        circle_enroller.make_ready(group_plan, tokens)
        every_program = {**programs, STUDY_GROUPS.key: circles}
        for spec in (*PROGRAMS, STUDY_GROUPS):
            if spec.status != every_program[spec.key].status:
                program_update(
                    actor=ctx.staff["coordinator"],
                    program=every_program[spec.key],
                    status=spec.status,
                )
    # Pairs have met (sessions, logs, goals) and the school sent its outcome files.
    with transaction.atomic():
        for spec in PROGRAMS:
            demo_meetings(program=programs[spec.key], today=today)
    # The study circles: a closed pilot circle, a formation round, and a board.
    demo_groups(program=circles, coordinator=ctx.staff["coordinator"])
    start, _end = semester(today)
    demo_outcomes(
        school=ctx.school,
        coordinator=ctx.staff["coordinator"],
        baseline=semester(start - dt.timedelta(days=120)),  # the semester before
        current=semester(today),
        rng=rng,
    )
    return ctx.organization


def _login_user(spec_email: str, given: str, family: str, org: Organization) -> User:
    return user_create(
        actor=None,
        email=spec_email,
        given_name=given,
        family_name=family,
        organization=org,
        password=DEMO_PASSWORD,
    )


def _create_school() -> _Context:
    """The district, its admin, the school, its staff and its courses."""
    organization = organization_create(
        actor=None, name=ORGANIZATION_NAME, slug=ORGANIZATION_SLUG, kind=Organization.Kind.DISTRICT
    )
    staff: dict[str, User] = {}
    school: School | None = None
    for spec in STAFF:
        user = _login_user(spec.email, spec.given_name, spec.family_name, organization)
        actor = staff.get("admin")
        if spec.role == Role.ORG_ADMIN:
            role_grant(
                actor=None, user=user, role=spec.role, organization=organization, school=None
            )
        else:
            if school is None:
                school = school_create(
                    actor=actor, organization=organization, name=SCHOOL_NAME, slug=SCHOOL_SLUG
                )
            role_grant(
                actor=actor, user=user, role=spec.role, organization=organization, school=school
            )
        staff[spec.key] = user
    assert school is not None, "STAFF lists at least one school role."
    courses = {
        c.code: course_create(
            actor=staff["admin"], school=school, code=c.code, name=c.name, area=c.area
        )
        for c in COURSES
    }
    return _Context(organization, school, staff, courses, students={}, featured={})


def _age_band(age: int) -> str:
    if age < 13:
        return StudentProfile.AgeBand.UNDER_13
    if age <= 15:
        return StudentProfile.AgeBand.AGE_13_15
    if age <= 17:
        return StudentProfile.AgeBand.AGE_16_17
    return StudentProfile.AgeBand.ADULT


def _create_students(ctx: _Context, roster: Sequence[StudentSpec], today: dt.date) -> None:
    """Accounts and profiles, as a roster import by the district admin would make them."""
    can_log_in = {f.key for f in FEATURED_STUDENTS if f.can_log_in}
    admin = ctx.staff["admin"]
    for spec in roster:
        user = user_create(
            actor=admin,
            email=spec.email,
            given_name=spec.given_name,
            family_name=spec.family_name,
            preferred_name=spec.preferred_name,
            organization=ctx.organization,
            password=DEMO_PASSWORD if spec.featured in can_log_in else None,
        )
        profile = student_profile_create(
            actor=admin,
            user=user,
            school=ctx.school,
            grade_level=spec.grade,
            birth_date=spec.birth_date,
            age_band=_age_band(spec.age_on(today)),
            languages=list(spec.languages),
            interests=list(spec.interests),
            availability=list(spec.availability),
            background=dict(spec.background),
        )
        ctx.students[spec.email] = profile
        if spec.featured:
            ctx.featured[spec.featured] = profile


def _create_guardians(ctx: _Context, guardians: Sequence[GuardianSpec]) -> None:
    """Guardians without logins, and the demo guardian who can log in."""
    admin = ctx.staff["admin"]
    for spec in guardians:
        user = user_create(
            actor=admin,
            email=spec.email,
            given_name=spec.given_name,
            family_name=spec.family_name,
            organization=ctx.organization,
        )
        guardian_link_create(
            actor=admin,
            guardian=user,
            student=ctx.students[spec.student_email],
            relationship=spec.relationship,
        )
    demo_guardian = _login_user(
        DEMO_GUARDIAN.email, DEMO_GUARDIAN.given_name, DEMO_GUARDIAN.family_name, ctx.organization
    )
    for key in DEMO_GUARDIAN_CHILDREN:
        guardian_link_create(
            actor=admin, guardian=demo_guardian, student=ctx.featured[key], relationship="mother"
        )


def semester(today: dt.date) -> tuple[dt.date, dt.date]:
    """
    The current (or, in summer, the coming) semester's first and last day.

    Fall runs from the day after Labor Day (the first Monday of September) to
    the Friday before the fourth Monday of January, spring from that Monday to the
    second Friday of June.
    """
    year = school_year_start(today)
    if today > _spring_end(year + 1):
        year += 1
    fall_start = _monday_on_or_after(dt.date(year, 9, 1)) + dt.timedelta(days=1)
    spring_start = _monday_on_or_after(dt.date(year + 1, 1, 22))
    if today < spring_start:
        return fall_start, spring_start - dt.timedelta(days=3)
    return spring_start, _spring_end(year + 1)


def _monday_on_or_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def _spring_end(year: int) -> dt.date:
    """The second Friday of June."""
    first_friday = dt.date(year, 6, 1) + dt.timedelta(days=(4 - dt.date(year, 6, 1).weekday()) % 7)
    return first_friday + dt.timedelta(days=7)


def _create_programs(ctx: _Context, today: dt.date) -> dict[str, Program]:
    term_start, term_end = semester(today)
    programs = {}
    for spec in PROGRAMS:
        programs[spec.key] = _create_program(ctx, spec, term_start, term_end)
    return programs


def _create_program(
    ctx: _Context, spec: ProgramSpec, term_start: dt.date, term_end: dt.date
) -> Program:
    return program_create(
        actor=ctx.staff["coordinator"],
        school=ctx.school,
        name=spec.name,
        program_type=spec.program_type,
        status=Program.Status.RECRUITING,
        description=spec.description,
        objectives=spec.objectives,
        guidelines=spec.guidelines,
        eligibility_notes=spec.eligibility_notes,
        term_start=term_start,
        term_end=term_end,
        mentor_grade_min=spec.mentor_grades[0],
        mentor_grade_max=spec.mentor_grades[1],
        mentee_grade_min=spec.mentee_grades[0],
        mentee_grade_max=spec.mentee_grades[1],
        default_mentor_capacity=spec.capacity,
        meeting_cadence=spec.cadence,
        session_minutes=spec.session_minutes,
        accepts_applications=True,
        mentor_commitment=spec.mentor_commitment,
        mentee_commitment=spec.mentee_commitment,
        mentor_min_subject_grade=spec.mentor_min_subject_grade,
        consent_age=18,
        terms=spec.terms,
        mentor_training_minutes=spec.mentor_training_minutes,
    )


def demo_summary(organization: Organization, *, created: bool) -> DemoSummary:
    """Count what the demo organization holds."""
    school = School.objects.filter(organization=organization).order_by("pk").first()
    profiles = StudentProfile.objects.filter(school__organization=organization)
    by_grade = Counter(profiles.values_list("grade_level", flat=True))
    guardians = (
        GuardianLink.objects.filter(student__school__organization=organization)
        .values("guardian")
        .distinct()
        .count()
    )
    programs = list(Program.objects.filter(school__organization=organization).order_by("pk"))
    return DemoSummary(
        created=created,
        organization=organization.name,
        school=school.name if school else "",
        students=sum(by_grade.values()),
        students_by_grade=dict(sorted(by_grade.items())),
        guardians=guardians,
        courses=Course.objects.filter(school__organization=organization).count(),
        programs=_program_summaries(programs),
        logins=demo_logins(),
    )


def _program_summaries(programs: Sequence[Program]) -> tuple[ProgramSummary, ...]:
    counts = program_status_counts(programs)
    summaries = []
    for program in programs:
        roles = Counter(Participant.objects.filter(program=program).values_list("role", flat=True))
        summaries.append(
            ProgramSummary(
                name=program.name,
                program_type=program.get_program_type_display(),
                status=program.get_status_display(),
                term_start=program.term_start,
                term_end=program.term_end,
                mentors=roles["mentor"] + roles["both"],
                mentees=roles["mentee"] + roles["both"],
                by_status={k: v for k, v in counts[program.pk].items() if v},
                groups=demo_group_counts(program) if program.is_group_program else {},
            )
        )
    return tuple(summaries)
