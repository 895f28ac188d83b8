"""
The world the URL access walk runs in: one school with two pairs, staff in
every role, a second school of the same district, and one object of every
kind a URL can point at.

Oak High runs "Oak Tutoring": Ada mentors Dee (15, her guardian consented),
Ben mentors Eve. Cal and Fay are ready and sit in an open match round. Oak
has a coordinator, a teacher, a safeguarding lead; the district has an
organization admin; Elm High has its own coordinator and program.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from meetings_testlib import build_world, enrol, give_consent

from factories import make_program, make_staff, make_student, make_user
from peerpath.api.services import api_token_create
from peerpath.core.models import Role, User
from peerpath.core.services import role_grant
from peerpath.insights.models import OutcomeImport
from peerpath.insights.outcomes import outcomes_import
from peerpath.matching.groups import group_round_start
from peerpath.matching.models import MatchRound, MentorRequest
from peerpath.matching.services import match_round_start
from peerpath.meetings.models import Goal, Session
from peerpath.meetings.services import (
    calendar_feed_create,
    goal_create,
    group_create,
    session_note_add,
    session_record_held,
    session_schedule,
)
from peerpath.messaging.models import Message
from peerpath.messaging.services import message_send
from peerpath.programs.models import Participant, Program
from peerpath.programs.services import participant_enrol
from peerpath.rosters.models import RosterImport, Term
from peerpath.support.models import CheckInResponse, Concern
from peerpath.support.services import concern_raise
from peerpath.training.models import TrainingModule
from peerpath.training.services import starter_curriculum_load

ROLES = (
    "anonymous",
    "mentee",
    "mentor",
    "other_mentor",
    "teacher",
    "coordinator",
    "other_coordinator",
    "safeguarding",
    "org_admin",
    "guardian",
)

#: Private text planted in the world, and who may ever see it on a page.
MARKS = {
    "concern": "Concernmark5521",
    "held": "Heldmark4410",
    "private_note": "Privnotemark3308",
    "checkin": "Checkinmark9917",
    "elm_student": "Zorvana",
}


@dataclass
class AccessWorld:
    users: dict[str, User | None]
    program: Program
    elm_program: Program
    dee: Participant
    ada: Participant
    match_pk: int
    other_match_pk: int
    session: Session
    goal: Goal
    concern: Concern
    held: Message
    module: TrainingModule
    match_round: MatchRound
    proposal_pk: int
    checkin: CheckInResponse
    outcome_import: OutcomeImport
    outcome_pk: int
    token_pk: int
    feed_token: str
    extra: dict[str, Any] = field(default_factory=dict)


def build_access_world() -> AccessWorld:
    world = build_world("oak")
    school, program = world.school, world.program
    organization = school.organization
    safeguarding = make_staff(school, role=Role.SAFEGUARDING_LEAD, email="safe@oak.test")
    org_admin = make_user(organization, email="admin@oak-district.test")
    role_grant(
        actor=None, user=org_admin, role=Role.ORG_ADMIN, organization=organization, school=None
    )
    elm_school = world.other_coordinator.role_assignments.get().school
    assert elm_school is not None
    elm_program = make_program(elm_school, world.other_coordinator, name="Elm Buddies")
    dee, ada = world.pair.mentee, world.pair.mentor

    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=7)
    [session] = session_schedule(
        actor=world.ada, match=world.pair, starts_at=starts, location="Library", weeks=1
    )
    session_record_held(
        actor=world.ada,
        match=world.pair,
        starts_at=starts - dt.timedelta(days=21),
        duration_minutes=45,
        location="Library",
    )
    goal = goal_create(
        actor=world.dee,
        match=world.pair,
        what="Pass algebra",
        measure="70% on the test",
        due_on=timezone.localdate() + dt.timedelta(days=30),
        milestones=["Review sheet"],
    )
    concern = concern_raise(
        actor=world.dee,
        school=school,
        category="other",
        description=f"{MARKS['concern']} worried me",
    )
    held = message_send(
        actor=world.dee, body=f"{MARKS['held']} text me on 555 123 4567", match=world.pair
    )
    session_note_add(actor=world.ada, session=session, body=MARKS["private_note"], private=True)
    assert held.status == "held"
    starter_curriculum_load()
    module = TrainingModule.objects.filter(organization__isnull=True).order_by("pk").first()
    assert module is not None

    enrol(program, world.coordinator, "mentor", name="Cal", age=19, free=["tue-2"])
    enrol(program, world.coordinator, "mentee", name="Fay", age=18, free=["tue-2"])
    match_round = match_round_start(actor=world.coordinator, program=program)
    proposal = match_round.proposals.order_by("pk").first()
    assert proposal is not None

    checkin = CheckInResponse.objects.create(
        participant=dee,
        kind="checkin",
        match=world.pair,
        submitted_at=timezone.now(),
        scores={"relationship": 4.0},
        answers={"relationship_1": 4},
        custom_answers={"Anything else?": MARKS["checkin"]},
    )
    term = Term.objects.create(
        organization=organization,
        sourced_id="t-fall",
        title="Fall term",
        kind="semester",
        start_date=dt.date(2026, 9, 1),
        end_date=dt.date(2027, 1, 29),
    )
    staged = outcomes_import(
        actor=world.coordinator,
        school=school,
        term=term,
        data=f"student,attendance_rate\n{world.dee.email},91",
        file_name="fall.csv",
        dry_run=True,
        stage=True,
    )
    assert staged.record is not None
    outcomes_import(
        actor=world.coordinator,
        school=school,
        term=term,
        data=f"student,attendance_rate\n{world.dee.email},91",
        file_name="fall.csv",
        dry_run=False,
    )
    outcome_pk = dee.student.outcome_records.get().pk
    token = api_token_create(actor=world.coordinator, user=world.coordinator, name="sync")
    _feed, feed_token = calendar_feed_create(actor=world.ada)
    elm_student = make_student(elm_school, 10, given_name=MARKS["elm_student"])
    # A study-group program at Oak: Ada leads a group Dee belongs to.
    groups_program = make_program(
        school, world.coordinator, name="Oak Study Groups", program_type="study_groups",
        status="running", mentor_training_minutes=0,
    )  # fmt: skip
    lead = participant_enrol(
        actor=world.coordinator, program=groups_program, student=ada.student, role="mentor",
        status="ready",
    )  # fmt: skip
    member = participant_enrol(
        actor=world.coordinator, program=groups_program, student=dee.student, role="mentee",
        status="ready",
    )  # fmt: skip
    give_consent(member, world.guardian)
    group = group_create(
        actor=world.coordinator, program=groups_program, name="Algebra circle", leaders=[lead],
        members=[member],
    )  # fmt: skip
    group_round = group_round_start(actor=world.coordinator, program=groups_program)
    roster_run = RosterImport.objects.create(
        organization=organization, school=school, actor=world.coordinator,
        kind=RosterImport.Kind.CSV, source_name="students.csv", status="mapping",
    )  # fmt: skip
    assert MentorRequest.objects.count() == 0
    return AccessWorld(
        users={
            "anonymous": None,
            "mentee": world.dee,
            "mentor": world.ada,
            "other_mentor": world.ben,
            "teacher": world.teacher,
            "coordinator": world.coordinator,
            "other_coordinator": world.other_coordinator,
            "safeguarding": safeguarding,
            "org_admin": org_admin,
            "guardian": world.guardian,
        },
        program=program,
        elm_program=elm_program,
        dee=dee,
        ada=ada,
        match_pk=world.pair.pk,
        other_match_pk=world.other_pair.pk,
        session=session,
        goal=goal,
        concern=concern,
        held=held,
        module=module,
        match_round=match_round,
        proposal_pk=proposal.pk,
        checkin=checkin,
        outcome_import=staged.record,
        outcome_pk=outcome_pk,
        token_pk=token.token.pk,
        feed_token=feed_token,
        extra={
            "elm_student": elm_student,
            "groups_program": groups_program,
            "group": group,
            "group_round": group_round,
            "roster_run": roster_run,
        },
    )
