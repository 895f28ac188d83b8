"""
A well-connected person for privacy tests, built through Peerpath's services.

Zephyrine Quillfeather (15, a mentee at Birch High) is matched with Ottoline
Brackenridge (19, a mentor). Between them: an application each, a guardian
(Pat Okonkwo) who consented, a session with a log and private notes, messages
both ways, a shared goal with an update, check-ins with free-text answers,
a concern Zephyrine raised and a safeguarding lead's note on it, a closed
match with an exit survey from each, a calendar feed and a web login. Their
names appear nowhere else, so a search for them finds only what is theirs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from unittest import mock
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import models
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.test import Client

from factories import PASSWORD, make_coordinator, make_program, make_school, make_staff, make_user
from peerpath.core.models import Role, School, User
from peerpath.core.services import user_create
from peerpath.matching.models import Match
from peerpath.matching.services import exit_survey_submit, match_close, match_create_manual
from peerpath.meetings.models import Session
from peerpath.meetings.services import (
    calendar_feed_create,
    goal_create,
    goal_update_progress,
    session_log_save,
    session_note_add,
    session_schedule,
)
from peerpath.messaging.services import message_send
from peerpath.people.services import guardian_link_create, student_profile_create
from peerpath.programs.models import Participant, Program
from peerpath.programs.services import participant_enrol
from peerpath.recruitment import consent as consent_links
from peerpath.recruitment.models import Application
from peerpath.recruitment.services import consent_request, consent_respond
from peerpath.support.instruments import INSTRUMENTS
from peerpath.support.services import checkin_submit, concern_raise, concern_update

NY = ZoneInfo("America/New_York")

PERSON_EMAIL = "zephyrine.quillfeather@birch-privacy.test"
PARTNER_EMAIL = "ottoline.brackenridge@birch-privacy.test"
GUARDIAN_EMAIL = "pat.okonkwo@birch-privacy.test"

#: Words that only the partner wrote, privately: never in the person's export.
PARTNER_SECRETS = (
    "ottoline-private-note",
    "ottoline-checkin-answer",
    "ottoline-exit-improve",
    "ottoline-motivation",
)


def find_everywhere(*needles: str) -> list[str]:
    """
    Every (table, column, row) whose text or JSON holds one of ``needles``.

    Every installed model is scanned, third-party ones included: the session
    store, django-otp's devices and django-axes' login attempts (whose
    ``username`` holds the e-mail address typed at login).
    """
    found = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if not isinstance(f, models.CharField | models.TextField | models.JSONField):
                continue
            alias = f"_scan_{f.name}"
            q = Q(pk__in=[])
            for needle in needles:
                q |= Q(**{f"{alias}__icontains": needle})
            rows = (
                model._default_manager.annotate(**{alias: Cast(f.name, TextField())})
                .filter(q)
                .values_list("pk", flat=True)
            )
            found.extend(f"{model._meta.db_table}.{f.column} #{pk}" for pk in rows)
    return found


def years_ago(years: int) -> dt.date:
    today = dt.date.today()
    return dt.date(today.year - years, 1, 1)


def all_fives(kind: str = "checkin") -> dict[str, int]:
    from peerpath.support.instruments import SURVEYS

    return {item.key: 5 for key in SURVEYS[kind] for item in INSTRUMENTS[key].items}


@dataclass
class PrivacyWorld:
    school: School
    other_school: School
    coordinator: User
    other_coordinator: User
    teacher: User
    lead: User
    admin: User
    other_admin: User
    guardian: User
    program: Program
    person: User
    partner: User
    mentee: Participant
    mentor: Participant
    match: Match
    session: Session
    bystander: User


def _student(school: School, given: str, family: str, email: str, age: int) -> User:
    user = user_create(
        actor=None,
        email=email,
        given_name=given,
        family_name=family,
        organization=school.organization,
        password=PASSWORD,
    )
    student_profile_create(
        actor=None,
        user=user,
        school=school,
        grade_level=10 if age < 18 else 12,
        birth_date=years_ago(age),
        interests=["astronomy"],
        languages=["en"],
        availability=["tue-2", "wed-3"],
        background={"first_generation": True},
    )
    return user


def _consent(participant: Participant, guardian: User) -> None:
    nonce, nonce_hash = consent_links.new_nonce()
    with mock.patch.object(consent_links, "new_nonce", return_value=(nonce, nonce_hash)):
        [request] = consent_request(
            actor=None, participant=participant, guardian_email=guardian.email
        )
    consent_respond(
        token=consent_links.respond_token(request.pk, nonce),
        give=True,
        guardian_name=guardian.get_full_name(),
    )


def build_privacy_world() -> PrivacyWorld:
    school = make_school("Birch High")
    other_school = make_school("Elm High", organization=school.organization)
    coordinator = make_coordinator(school, email="coord@birch-privacy.test")
    other_coordinator = make_coordinator(other_school, email="coord@elm-privacy.test")
    teacher = make_staff(school, role=Role.STAFF, email="teacher@birch-privacy.test")
    lead = make_staff(school, role=Role.SAFEGUARDING_LEAD, email="lead@birch-privacy.test")
    admin = make_user(school.organization, email="admin@birch-privacy.test")
    from peerpath.core.services import role_grant

    role_grant(
        actor=None, user=admin, role=Role.ORG_ADMIN, organization=school.organization, school=None
    )
    far_school = make_school("Far Away High")
    other_admin = make_user(far_school.organization, email="admin@far-privacy.test")
    role_grant(
        actor=None,
        user=other_admin,
        role=Role.ORG_ADMIN,
        organization=far_school.organization,
        school=None,
    )
    guardian = make_user(
        school.organization, given_name="Pat", family_name="Okonkwo", email=GUARDIAN_EMAIL
    )
    program = make_program(
        school,
        coordinator,
        name="Birch Tutoring",
        status="running",
        mentor_training_minutes=0,
        session_minutes=45,
    )
    person = _student(school, "Zephyrine", "Quillfeather", PERSON_EMAIL, 15)
    partner = _student(school, "Ottoline", "Brackenridge", PARTNER_EMAIL, 19)
    bystander = _student(school, "Bartholomew", "Fennimore", "bart@birch-privacy.test", 16)
    guardian_link_create(
        actor=coordinator, guardian=guardian, student=person.student_profile, relationship="mother"
    )
    mentee = participant_enrol(
        actor=coordinator,
        program=program,
        student=person.student_profile,
        role="mentee",
        status="ready",
    )
    mentor = participant_enrol(
        actor=coordinator,
        program=program,
        student=partner.student_profile,
        role="mentor",
        status="ready",
    )
    participant_enrol(
        actor=coordinator,
        program=program,
        student=bystander.student_profile,
        role="mentee",
        status="ready",
    )
    Application.objects.create(
        participant=mentee,
        motivation="Zephyrine wants help with algebra",
        interests=["astronomy"],
        partner_preferences="someone patient, says Zephyrine Quillfeather",
    )
    Application.objects.create(participant=mentor, motivation="ottoline-motivation")
    _consent(mentee, guardian)
    match = match_create_manual(actor=coordinator, program=program, mentor=mentor, mentee=mentee)

    now = dt.datetime(2026, 10, 1, 12, 0, tzinfo=NY)
    [session] = session_schedule(
        actor=person,
        match=match,
        starts_at=dt.datetime(2026, 10, 6, 15, 0, tzinfo=NY),
        location="Library, table of Zephyrine",
        now=now,
    )
    after = dt.datetime(2026, 10, 6, 16, 0, tzinfo=NY)
    session_log_save(
        actor=partner,
        session=session,
        duration_minutes=45,
        topics="Fractions with Zephyrine",
        went_well="Zephyrine Quillfeather solved three problems",
        now=after,
    )
    session_note_add(
        actor=person, session=session, body="Zephyrine's own private note", private=True
    )
    session_note_add(actor=partner, session=session, body="ottoline-private-note", private=True)
    message_send(actor=person, match=match, body="Hi Ottoline, this is Zephyrine. Thanks!")
    message_send(actor=partner, match=match, body="Hello Zephyrine, see you Tuesday")
    goal = goal_create(
        actor=person,
        match=match,
        what="Zephyrine passes algebra",
        measure="Test score",
        due_on=dt.date(2027, 1, 15),
        milestones=["Fractions"],
    )
    goal_update_progress(
        actor=partner, goal=goal, progress=40, note="Zephyrine is halfway", now=after
    )
    checkin_submit(
        actor=person,
        participant=mentee,
        kind="checkin",
        answers=all_fives(),
        custom_answers={"q1": "Zephyrine feels good"},
    )
    checkin_submit(
        actor=partner,
        participant=mentor,
        kind="checkin",
        answers=all_fives(),
        custom_answers={"q1": "ottoline-checkin-answer"},
    )
    concern = concern_raise(
        actor=person,
        school=school,
        category="other",
        description="Zephyrine Quillfeather was worried about a bus",
        match=match,
    )
    concern_update(actor=lead, concern=concern, note="Spoke with Zephyrine Quillfeather")
    calendar_feed_create(actor=person)
    match_close(actor=coordinator, match=match, reason="term_ended", note="Zephyrine did well")
    exit_survey_submit(actor=person, match=match, rating=5, helped="Zephyrine liked the sessions")
    exit_survey_submit(actor=partner, match=match, rating=4, improve="ottoline-exit-improve")
    match.refresh_from_db()
    client = Client()
    assert client.login(username=PERSON_EMAIL, password=PASSWORD)
    client.get("/")
    return PrivacyWorld(
        school,
        other_school,
        coordinator,
        other_coordinator,
        teacher,
        lead,
        admin,
        other_admin,
        guardian,
        program,
        person,
        partner,
        mentee,
        mentor,
        match,
        session,
        bystander,
    )
