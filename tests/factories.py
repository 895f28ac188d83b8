"""
Build test data through Peerpath's real services.

Plain functions, one per kind of thing, so that every test (unit, view or
browser) can build the small school it needs in a few lines::

    from factories import PASSWORD, make_coordinator, make_participant, make_program, make_school

    school = make_school()
    coordinator = make_coordinator(school)
    program = make_program(school, coordinator)
    make_participant(program, role="mentor", status="ready")

Every write goes through the services (``organization_create``,
``school_create``, ``user_create``, ``role_grant``, ``student_profile_create``,
``course_create``, ``program_create``, ``participant_enrol``,
``participant_transition``), so the data carries the same audit entries and
passes the same validation as data made in the product. Names, e-mails and
slugs are unique within a test process (a counter), so a test can call a
factory as often as it likes. They need the database (``db`` or
``transactional_db``).
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from peerpath.core.models import Organization, Role, School, User
from peerpath.core.services import organization_create, role_grant, school_create, user_create
from peerpath.core.twofactor import two_factor_required
from peerpath.people.models import Course, StudentProfile
from peerpath.people.services import course_create, student_profile_create
from peerpath.programs.models import (
    Participant,
    ParticipantRole,
    ParticipantStatus,
    Program,
    ProgramType,
)
from peerpath.programs.services import participant_enrol, participant_transition, program_create

__all__ = [
    "PASSWORD",
    "TERM_END",
    "TERM_START",
    "make_coordinator",
    "make_course",
    "make_organization",
    "make_participant",
    "make_program",
    "make_school",
    "make_staff",
    "make_student",
    "make_user",
    "move_participant",
    "totp_code",
    "totp_device",
    "two_factor_verify_session",
]

#: The password of every user a factory creates with a password.
PASSWORD = "correct-horse-battery-42"

#: The default term of programs made by :func:`make_program`.
TERM_START = dt.date(2026, 9, 1)
TERM_END = dt.date(2027, 1, 29)

_GIVEN_NAMES = [
    "Amara", "Bilal", "Chloe", "Dmitri", "Esperanza", "Farah", "Gabriel", "Hana",
    "Isaac", "Jun", "Kofi", "Leila", "Mateo", "Nadia", "Oscar", "Priya",
    "Quinn", "Rosa", "Samir", "Tamsin", "Uriel", "Valentina", "Wei", "Ximena",
    "Yusuf", "Zara",
]  # fmt: skip
_FAMILY_NAMES = [
    "Abara", "Brennan", "Castillo", "Dubois", "Eriksen", "Fofanah", "Garcia", "Haddad",
    "Ishikawa", "Jensen", "Kowalski", "Lindqvist", "Moreau", "Nguyen", "Okafor", "Petrov",
    "Quispe", "Rahman", "Santos", "Tanaka", "Usman", "Varga", "Whitfield", "Xu",
    "Yilmaz", "Zeller",
]  # fmt: skip

_counter = itertools.count(1)


def _next() -> int:
    return next(_counter)


def make_organization(name: str = "", **kwargs: Any) -> Organization:
    """Create an organization (a school district unless ``kind`` says otherwise)."""
    n = _next()
    return organization_create(actor=None, name=name or f"Riverside District {n}", **kwargs)


def make_school(name: str = "", *, organization: Organization | None = None) -> School:
    """Create a school, in a new organization unless ``organization`` is given."""
    n = _next()
    organization = organization or make_organization()
    return school_create(actor=None, organization=organization, name=name or f"Northside High {n}")


def make_user(
    organization: Organization | None,
    *,
    given_name: str = "",
    family_name: str = "",
    email: str = "",
    password: str | None = PASSWORD,
    **kwargs: Any,
) -> User:
    """
    Create a user of ``organization`` who logs in with ``email`` and ``password``.

    Names default to the next ones in a fixed list; the e-mail defaults to one
    made from the names and a counter. ``password=None`` makes a user who
    cannot log in yet (as rostered students are).
    """
    n = _next()
    given_name = given_name or _GIVEN_NAMES[n % len(_GIVEN_NAMES)]
    family_name = family_name or _FAMILY_NAMES[(n * 7) % len(_FAMILY_NAMES)]
    email = email or f"{given_name}.{family_name}.{n}@example.org".lower()
    return user_create(
        actor=None,
        email=email,
        given_name=given_name,
        family_name=family_name,
        organization=organization,
        password=password,
        **kwargs,
    )


def make_staff(school: School, role: str = Role.STAFF, **user_kwargs: Any) -> User:
    """Create a user holding ``role`` (a :class:`~peerpath.core.models.Role`) in ``school``."""
    user = make_user(school.organization, **user_kwargs)
    role_grant(actor=None, user=user, role=role, organization=school.organization, school=school)
    return user


def make_coordinator(school: School, **user_kwargs: Any) -> User:
    """Create a coordinator of ``school``; they log in with :data:`PASSWORD` by default."""
    return make_staff(school, Role.COORDINATOR, **user_kwargs)


def make_student(
    school: School,
    grade: int = 10,
    *,
    given_name: str = "",
    family_name: str = "",
    email: str = "",
    password: str | None = None,
    **profile_kwargs: Any,
) -> StudentProfile:
    """
    Create a student in ``grade`` at ``school`` and return their profile.

    The student cannot log in unless a ``password`` is given. Further keyword
    arguments (``languages``, ``interests``, ``availability``, ``background``,
    ``birth_date``, ``age_band``) go to ``student_profile_create``.
    """
    user = make_user(
        school.organization,
        given_name=given_name,
        family_name=family_name,
        email=email,
        password=password,
    )
    profile_kwargs.setdefault("languages", ["en"])
    return student_profile_create(
        actor=None, user=user, school=school, grade_level=grade, **profile_kwargs
    )


def make_course(
    school: School, name: str = "", *, code: str = "", area: str = Course.Area.MATH
) -> Course:
    """Create a course taught at ``school``."""
    n = _next()
    return course_create(
        actor=None, school=school, code=code or f"C{n}", name=name or f"Algebra {n}", area=area
    )


def make_program(
    school: School,
    actor: User | None = None,
    *,
    name: str = "",
    program_type: str = ProgramType.PEER_TUTORING,
    status: str = Program.Status.RECRUITING,
    term_start: dt.date = TERM_START,
    term_end: dt.date = TERM_END,
    **fields: Any,
) -> Program:
    """
    Create a program at ``school`` as ``actor``, who must be able to manage it.

    Without an ``actor`` a new coordinator of the school creates it. Other
    keyword arguments are program fields (see ``PROGRAM_FIELDS``).
    """
    actor = actor or make_coordinator(school)
    return program_create(
        actor=actor,
        school=school,
        name=name or f"Peer Tutoring {_next()}",
        program_type=program_type,
        status=status,
        term_start=term_start,
        term_end=term_end,
        **fields,
    )


def make_participant(
    program: Program,
    student: StudentProfile | None = None,
    role: str = ParticipantRole.MENTEE,
    status: str = ParticipantStatus.APPLIED,
    *,
    actor: User | None = None,
    **kwargs: Any,
) -> Participant:
    """
    Enrol ``student`` (a new grade-10 student by default) in ``program``.

    The participant enters directly at ``status``, as when a coordinator
    enrols someone or data is imported; use :func:`move_participant` to walk
    the lifecycle instead.
    """
    student = student or make_student(program.school)
    return participant_enrol(
        actor=actor, program=program, student=student, role=role, status=status, **kwargs
    )


def move_participant(
    participant: Participant, *path: str, actor: User | None = None
) -> Participant:
    """
    Walk ``participant`` through the statuses in ``path``, one transition at a time.

    ``move_participant(p, "screening", "ready", "matched")`` applies each
    transition through ``participant_transition``, so each is checked against
    the lifecycle and leaves a status change and an audit entry.
    """
    for to_status in path:
        participant = participant_transition(
            actor=actor, participant=participant, to_status=to_status
        )
    return participant


# --- Two-factor authentication --------------------------------------------------------

#: The name of the authenticator-app device the test helpers give a user.
TEST_DEVICE_NAME = "Test authenticator"


def totp_device(user: User) -> TOTPDevice:
    """Return ``user``'s confirmed authenticator-app device, making one if needed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TEST_DEVICE_NAME, confirmed=True)
    return device


def totp_code(device: TOTPDevice) -> str:
    """
    The code an authenticator app would show now for ``device``; if the current
    code was already used (django-otp refuses a code twice), the next one,
    which the device's tolerance of one step accepts.

    django-otp counts time steps *with* the device's drift (``TOTP.t()`` adds
    it), and a code accepted one step ahead moves the drift by one; so the
    counter chosen here includes the drift, and the token is computed for that
    counter with no drift added a second time (which a second login within
    the same 30 seconds used to do, typing a code two steps ahead).
    """
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    last_t = device.last_t if device.last_t is not None else -1
    counter = max(totp.t(), last_t + 1)
    totp.drift = 0
    totp.time = device.t0 + counter * device.step
    return f"{totp.token():0{device.digits}d}"


def two_factor_verify_session(session: Any, user: User) -> None:
    """Mark ``session`` as verified with ``user``'s authenticator app (as django_otp.login does)."""
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id


def two_factor_for_test_client_logins(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    """
    A ``user_logged_in`` receiver: a login made by the test client
    (``client.login``, ``client.force_login``; its request has no path) of
    someone who needs two-factor authentication gets a verified session, as
    if they had typed a code. Logins through the real login page are untouched.
    """
    if request is not None and request.path == "" and two_factor_required(user):
        two_factor_verify_session(request.session, user)
