"""Scheduling from shared free time, changes with reasons, attendance, logs, notes, groups."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from meetings_testlib import NOW, NY, local

from peerpath.core.models import AuditEntry
from peerpath.meetings import selectors
from peerpath.meetings.models import Attendance, Group, Session, SessionLog, SessionNote
from peerpath.meetings.scheduling import suggest_times, weekly_occurrences
from peerpath.meetings.services import (
    attendance_confirm,
    group_attendance_record,
    group_create,
    session_cancel,
    session_log_save,
    session_note_add,
    session_record_held,
    session_reschedule,
    session_schedule,
)
from peerpath.recruitment.models import GuardianConsent
from peerpath.recruitment.services import consent_withdraw

pytestmark = pytest.mark.django_db


def schedule(world, starts_at, *, actor=None, match=None, **kwargs):
    kwargs.setdefault("location", "Library, room 2")
    return session_schedule(
        actor=actor or world.ada,
        match=match or world.pair,
        starts_at=starts_at,
        now=kwargs.pop("now", NOW),
        **kwargs,
    )


# --- Suggestions ----------------------------------------------------------------


def test_suggestions_are_shared_slots_on_real_dates_in_school_time(world):
    found = selectors.session_suggestions(
        participants=[world.pair.mentor, world.pair.mentee], program=world.program, now=NOW
    )
    # Ada and Dee share Tuesday 15:00 (tue-2) and Wednesday 15:45 (wed-3); Dee's Friday is hers alone.
    assert [(s.slot, s.starts_at.astimezone(NY)) for s in found[:4]] == [
        ("tue-2", local(2026, 10, 6, 15, 0)),
        ("wed-3", local(2026, 10, 7, 15, 45)),
        ("tue-2", local(2026, 10, 13, 15, 0)),
        ("wed-3", local(2026, 10, 14, 15, 45)),
    ]
    assert found[0].ends_at - found[0].starts_at == dt.timedelta(minutes=45)
    assert len(found) == 6  # three weeks of two slots


def test_suggestions_keep_local_time_across_daylight_saving_and_skip_busy_times(world):
    # New York leaves daylight saving on Sunday 1 November 2026.
    after = local(2026, 10, 26, 8, 0)
    busy = [(local(2026, 10, 27, 15, 0), local(2026, 10, 27, 15, 45))]
    found = suggest_times(
        slots=["tue-2"],
        time_zone="America/New_York",
        minutes=45,
        after=after,
        until=dt.date(2026, 11, 10),
        busy=busy,
    )
    assert [s.starts_at.astimezone(dt.UTC) for s in found] == [
        dt.datetime(2026, 11, 3, 20, 0, tzinfo=dt.UTC),  # 15:00 EST
        dt.datetime(2026, 11, 10, 20, 0, tzinfo=dt.UTC),
    ]
    assert all(s.starts_at.astimezone(NY).hour == 15 for s in found)


def test_suggestions_avoid_either_partners_other_sessions_and_stop_at_term_end(world):
    schedule(world, local(2026, 10, 6, 15, 0))
    found = selectors.session_suggestions(
        participants=[world.pair.mentor, world.pair.mentee], program=world.program, now=NOW
    )
    assert local(2026, 10, 6, 15, 0) not in [s.starts_at for s in found]
    late = selectors.session_suggestions(
        participants=[world.pair.mentor, world.pair.mentee],
        program=world.program,
        now=local(2027, 1, 25, 12, 0),
    )
    assert [s.starts_at.date() for s in late] == [dt.date(2027, 1, 26), dt.date(2027, 1, 27)]


def test_weekly_series_keeps_wall_clock_time_over_the_spring_change():
    starts = weekly_occurrences(local(2027, 3, 9, 15, 45), 2, "America/New_York")
    assert [s.astimezone(dt.UTC).hour for s in starts] == [20, 19]


# --- Scheduling --------------------------------------------------------------------


def test_schedule_tells_both_sides_after_commit_and_audits(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        [session] = schedule(world, local(2026, 10, 6, 15, 0), online_url="https://meet.example/ab")
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.ada.email, world.dee.email])
    message = next(m for m in mail.outbox if m.to == [world.dee.email])
    assert message.subject == "Session on Tue 6 Oct, 15:00"
    assert "Tuesday 6 October 2026, 15:00–15:45 (America/New_York)" in message.body
    assert "Place: Library, room 2" in message.body
    assert f"http://testserver/sessions/{session.pk}/calendar.ics" in message.body
    assert session.starts_at == dt.datetime(2026, 10, 6, 19, 0, tzinfo=dt.UTC)
    assert session.duration_minutes == 45
    assert (
        AuditEntry.objects.filter(action="meetings.session.schedule", actor=world.ada).count() == 1
    )


def test_weekly_series_creates_one_row_per_week(world):
    sessions = schedule(world, local(2026, 10, 27, 15, 0), weeks=3)
    assert [s.starts_at.astimezone(NY).strftime("%m-%d %H:%M") for s in sessions] == [
        "10-27 15:00",
        "11-03 15:00",
        "11-10 15:00",
    ]
    assert len({s.series for s in sessions}) == 1
    assert sessions[0].series is not None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"starts_at": local(2026, 9, 30, 15, 0)}, "Choose a time in the future."),
        ({"location": ""}, "Say where you will meet"),
        ({"online_url": "ftp://x", "location": ""}, "must start with https://"),
        ({"weeks": 17}, "1 to 16 weekly sessions"),
    ],
)
def test_schedule_refusals_change_nothing(world, kwargs, message):
    kwargs.setdefault("starts_at", local(2026, 10, 6, 15, 0))
    with pytest.raises(ValidationError, match=message):
        schedule(world, **kwargs)
    assert not Session.objects.exists()


def test_schedule_refuses_a_clash_with_another_session_of_either_partner(world):
    schedule(world, local(2026, 10, 6, 15, 0))
    with pytest.raises(ValidationError, match="clashes"):
        schedule(world, local(2026, 10, 6, 15, 30), actor=world.dee)
    # Eve's pair meets on 13 October; a series of Dee's pair that reaches it is refused whole.
    schedule(world, local(2026, 10, 13, 15, 0), match=world.other_pair, actor=world.ben)
    schedule(world, local(2026, 10, 20, 15, 0), match=world.other_pair, actor=world.ben)
    assert (
        len(schedule(world, local(2026, 10, 7, 15, 45), weeks=2)) == 2
    )  # Ben's times are not Ada's
    with pytest.raises(ValidationError, match="Tuesday 13 October 2026, 15:00 clashes"):
        schedule(
            world, local(2026, 10, 13, 15, 0), match=world.other_pair, actor=world.eve, weeks=3
        )
    assert Session.objects.count() == 5


def test_minor_without_consent_cannot_be_scheduled(world):
    consent = GuardianConsent.objects.get(participant=world.pair.mentee, status="given")
    consent_withdraw(consent=consent, actor=world.guardian)
    with pytest.raises(ValidationError, match="consent is missing for Dee"):
        schedule(world, local(2026, 10, 6, 15, 0))
    assert not Session.objects.exists()


def test_only_the_pair_and_its_coordinators_schedule(world):
    for outsider in (world.ben, world.teacher, world.other_coordinator, world.guardian):
        with pytest.raises(PermissionDenied):
            schedule(world, local(2026, 10, 6, 15, 0), actor=outsider)
    assert not Session.objects.exists()
    schedule(world, local(2026, 10, 6, 15, 0), actor=world.coordinator)
    assert Session.objects.count() == 1


# --- Cancel and reschedule -------------------------------------------------------------


def test_cancel_needs_a_reason_and_tells_both(world, django_capture_on_commit_callbacks):
    [session] = schedule(world, local(2026, 10, 6, 15, 0))
    with pytest.raises(ValidationError, match="Give a reason"):
        session_cancel(actor=world.dee, session=session, reason="  ", now=NOW)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        session_cancel(actor=world.dee, session=session, reason="Exam revision", now=NOW)
    session.refresh_from_db()
    assert (session.status, session.sequence, session.change_reason) == (
        "cancelled",
        1,
        "Exam revision",
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.ada.email, world.dee.email])
    assert all(m.subject == "Cancelled: session on Tue 6 Oct, 15:00" for m in mail.outbox)
    assert "Dee cancelled Peer session: Ada and Dee" in mail.outbox[0].body
    assert "Reason: Exam revision" in mail.outbox[0].body


def test_each_person_reads_the_session_title_in_their_language(
    world, django_capture_on_commit_callbacks
):
    world.ada.preferred_language = "es"
    world.ada.save(update_fields=["preferred_language"])
    [session] = schedule(world, local(2026, 10, 6, 15, 0))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        session_cancel(actor=world.dee, session=session, reason="Exam revision", now=NOW)
    body = {m.to[0]: m.body for m in mail.outbox}
    assert "Sesión entre pares: Ada y Dee" in body[world.ada.email]
    assert "Peer session: Ada and Dee" not in body[world.ada.email]
    assert "Dee cancelled Peer session: Ada and Dee" in body[world.dee.email]


def test_cancel_the_rest_of_a_series(world):
    _first, second, third = schedule(world, local(2026, 10, 6, 15, 0), weeks=3)
    cancelled = session_cancel(
        actor=world.ada, session=second, reason="Half term", whole_series=True, now=NOW
    )
    assert [s.pk for s in cancelled] == [second.pk, third.pk]
    assert list(Session.objects.order_by("starts_at").values_list("status", flat=True)) == [
        "scheduled",
        "cancelled",
        "cancelled",
    ]


def test_reschedule_moves_keeps_uid_raises_sequence_and_tells_both(
    world, django_capture_on_commit_callbacks
):
    [session] = schedule(world, local(2026, 10, 6, 15, 0))
    uid = session.uid
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        moved = session_reschedule(
            actor=world.ada,
            session=session,
            starts_at=local(2026, 10, 7, 15, 45),
            reason="Football match",
            now=NOW,
        )
    assert (moved.uid, moved.sequence, moved.change_reason) == (uid, 1, "Football match")
    assert moved.ends_at == local(2026, 10, 7, 16, 30)
    assert len(mail.outbox) == 2
    assert (
        "Ada moved Peer session: Ada and Dee from Tuesday 6 October 2026, 15:00 to "
        "Wednesday 7 October 2026, 15:45–16:30" in mail.outbox[0].body
    )


def test_reschedule_refusals_change_nothing(world):
    [session] = schedule(world, local(2026, 10, 6, 15, 0))
    [other] = schedule(world, local(2026, 10, 6, 15, 0), match=world.other_pair, actor=world.ben)
    for kwargs, message in [
        ({"reason": ""}, "Give a reason"),
        ({"starts_at": local(2026, 9, 1)}, "in the future"),
    ]:
        with pytest.raises(ValidationError, match=message):
            session_reschedule(
                actor=world.ada,
                session=session,
                **{"starts_at": local(2026, 10, 8), "reason": "x", **kwargs},
                now=NOW,
            )
    with pytest.raises(PermissionDenied):
        session_reschedule(
            actor=world.ben, session=session, starts_at=local(2026, 10, 8), reason="x", now=NOW
        )
    with pytest.raises(ValidationError, match="started"):
        session_reschedule(
            actor=world.ada,
            session=session,
            starts_at=local(2026, 10, 8),
            reason="x",
            now=local(2026, 10, 6, 15, 10),
        )
    session.refresh_from_db()
    assert (session.starts_at, session.sequence) == (local(2026, 10, 6, 15, 0), 0)
    assert other.sequence == 0


# --- Attendance, logs, notes ------------------------------------------------------------


def test_each_side_confirms_and_a_partners_own_account_stands(world):
    [session] = schedule(world, local(2026, 10, 6, 15, 0))
    with pytest.raises(ValidationError, match="once it has started"):
        attendance_confirm(actor=world.ada, session=session, held=True, now=NOW)
    after = local(2026, 10, 6, 16, 0)
    attendance_confirm(actor=world.ada, session=session, held=False, now=after)
    rows = {a.participant_id: a for a in Attendance.objects.filter(session=session)}
    assert rows[world.pair.mentor.pk].status == "present"
    assert rows[world.pair.mentee.pk].status == "no_show"
    # Dee says she was there: her own account replaces Ada's report about her...
    attendance_confirm(actor=world.dee, session=session, held=True, now=after)
    rows = {a.participant_id: a for a in Attendance.objects.filter(session=session)}
    assert rows[world.pair.mentee.pk].status == "present"
    assert rows[world.pair.mentee.pk].recorded_by == world.dee
    # ...and Ada can no longer overwrite it.
    attendance_confirm(actor=world.ada, session=session, held=False, now=after)
    assert Attendance.objects.get(participant=world.pair.mentee).status == "present"
    with pytest.raises(PermissionDenied):
        attendance_confirm(actor=world.coordinator, session=session, held=True, now=after)


def test_log_by_either_side_confirms_an_unconfirmed_session(world):
    [session] = schedule(world, local(2026, 10, 6, 15, 0))
    with pytest.raises(ValidationError):
        session_log_save(
            actor=world.dee, session=session, duration_minutes=40, topics="Fractions", now=NOW
        )
    after = local(2026, 10, 6, 17, 0)
    session_log_save(
        actor=world.dee,
        session=session,
        duration_minutes=40,
        topics="Fractions",
        went_well="Word problems",
        next_steps="Practice sheet 3",
        now=after,
    )
    assert set(Attendance.objects.values_list("status", flat=True)) == {"present"}
    session_log_save(
        actor=world.ada,
        session=session,
        duration_minutes=50,
        topics="Fractions, decimals",
        now=after,
    )
    log = SessionLog.objects.get()
    assert (log.duration_minutes, log.topics, log.author) == (50, "Fractions, decimals", world.ada)
    for outsider in (world.ben, world.coordinator):
        with pytest.raises(PermissionDenied):
            session_log_save(
                actor=outsider, session=session, duration_minutes=5, topics="x", now=after
            )
    assert SessionLog.objects.get().duration_minutes == 50


def test_private_notes_are_read_by_their_author_alone(world, client):
    [session] = schedule(world, local(2026, 10, 6, 15, 0))
    session_note_add(actor=world.ada, session=session, body="Bring the workbook", private=False)
    session_note_add(actor=world.ada, session=session, body="SECRET-ADA-NOTE", private=True)
    session_note_add(actor=world.dee, session=session, body="SECRET-DEE-NOTE", private=True)
    assert [n.body for n in selectors.notes_visible(session, world.ada)] == [
        "Bring the workbook",
        "SECRET-ADA-NOTE",
    ]
    assert [n.body for n in selectors.notes_visible(session, world.dee)] == [
        "Bring the workbook",
        "SECRET-DEE-NOTE",
    ]
    assert [n.body for n in selectors.notes_visible(session, world.coordinator)] == [
        "Bring the workbook"
    ]
    for user, hidden in (
        (world.dee, "SECRET-ADA-NOTE"),
        (world.ada, "SECRET-DEE-NOTE"),
        (world.coordinator, "SECRET-"),
    ):
        client.force_login(user)
        for url in (
            f"/sessions/{session.pk}/",
            f"/sessions/{session.pk}/calendar.ics",
            f"/matches/{world.pair.pk}/sessions/",
            f"/programs/{world.program.pk}/sessions/",
        ):
            body = client.get(url).content.decode()
            assert hidden not in body, (user, url)
    # The audit records that a private note exists, never its text.
    assert "SECRET" not in str(list(AuditEntry.objects.values_list("after", flat=True)))
    assert all("SECRET" not in m.body for m in mail.outbox)
    with pytest.raises(PermissionDenied):
        session_note_add(actor=world.coordinator, session=session, body="x", private=True)
    assert SessionNote.objects.count() == 3


def test_record_a_meeting_that_was_not_scheduled(world):
    session = session_record_held(
        actor=world.dee,
        match=world.pair,
        starts_at=local(2026, 9, 29, 15, 0),
        duration_minutes=30,
        location="Cafeteria",
        now=NOW,
    )
    assert set(session.attendance.values_list("status", flat=True)) == {"present"}
    with pytest.raises(ValidationError, match="already ended"):
        session_record_held(
            actor=world.dee,
            match=world.pair,
            starts_at=local(2026, 10, 1, 11, 45),
            duration_minutes=30,
            now=NOW,
        )


# --- Groups -------------------------------------------------------------------------------


@pytest.fixture
def study_group(world):
    from meetings_testlib import enrol

    from factories import make_program

    program = make_program(
        world.school,
        world.coordinator,
        name="Birch Study Groups",
        program_type="study_groups",
        status="running",
        mentor_training_minutes=0,
    )
    leader = enrol(
        program, world.coordinator, "mentor", name="Lea", age=19, free=["mon-2", "thu-2"]
    )
    members = [
        enrol(program, world.coordinator, "mentee", name=n, age=18, free=["mon-2", "thu-2"])
        for n in ("Max", "Mia")
    ]
    group = group_create(
        actor=world.coordinator,
        program=program,
        name="Algebra circle",
        leaders=[leader],
        members=members,
    )
    return group, leader, members


def test_group_sessions_with_per_member_attendance(world, study_group):
    group, leader, members = study_group
    found = selectors.session_suggestions(
        participants=[m.participant for m in selectors.group_members(group)],
        program=group.program,
        now=NOW,
    )
    assert [(s.slot, s.starts_at) for s in found[:2]] == [
        ("thu-2", local(2026, 10, 1, 15, 0)),  # today, later than an hour from now
        ("mon-2", local(2026, 10, 5, 15, 0)),
    ]
    [session] = session_schedule(
        actor=leader.student.user,
        group=group,
        starts_at=found[0].starts_at,
        location="Room 12",
        now=NOW,
    )
    with pytest.raises(PermissionDenied):
        session_schedule(
            actor=members[0].student.user,
            group=group,
            starts_at=found[1].starts_at,
            location="x",
            now=NOW,
        )
    group_attendance_record(
        actor=leader.student.user,
        session=session,
        present=[leader.pk, members[0].pk],
        now=local(2026, 10, 1, 16, 0),
    )
    assert dict(Attendance.objects.values_list("participant_id", "status")) == {
        leader.pk: "present",
        members[0].pk: "present",
        members[1].pk: "no_show",
    }
    assert Attendance.objects.get(participant=leader).role == "leader"
    with pytest.raises(PermissionDenied):
        group_attendance_record(
            actor=members[1].student.user, session=session, present=[members[1].pk]
        )


def test_groups_only_in_group_programs_and_by_coordinators(world, study_group):
    group, leader, members = study_group
    with pytest.raises(ValidationError, match="Only group programs"):
        group_create(
            actor=world.coordinator,
            program=world.program,
            name="x",
            leaders=[world.pair.mentor],
            members=[world.pair.mentee],
        )
    with pytest.raises(PermissionDenied):
        group_create(
            actor=world.other_coordinator,
            program=group.program,
            name="y",
            leaders=[leader],
            members=members,
        )
    assert Group.objects.count() == 1
