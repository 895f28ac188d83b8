"""The directory opt-out hides a student from every list another student sees."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from django.test import Client
from django.urls import reverse

from factories import PASSWORD, make_coordinator, make_program, make_school, make_student
from matchlib import adult_birth_date, build_cohort
from peerpath.matching.services import match_settings_update
from peerpath.meetings.services import group_create, session_schedule
from peerpath.people.directory import peer_visible
from peerpath.people.models import StudentProfile
from peerpath.programs.services import participant_enrol
from peerpath.rosters.services import students_import

NY = ZoneInfo("America/New_York")


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


def opt_out(profile: StudentProfile) -> None:
    profile.directory_opt_out = True
    profile.save(update_fields=["directory_opt_out"])


def test_peer_visible_keeps_the_viewer_and_counts_the_hidden(db):
    school = make_school()
    shy = make_student(school, given_name="Shy")
    opt_out(shy)
    open_ = make_student(school, given_name="Open")
    profiles = [shy, open_]
    shown, hidden = peer_visible(profiles, viewer_id=open_.user_id, profile_of=lambda p: p)
    assert (shown, hidden) == ([open_], 1)
    shown, hidden = peer_visible(profiles, viewer_id=shy.user_id, profile_of=lambda p: p)
    assert (shown, hidden) == (profiles, 0)


def test_mentor_request_page_hides_an_opted_out_mentor(db):
    cohort = build_cohort()
    match_settings_update(
        actor=cohort.coordinator,
        program=cohort.program,
        criteria=[{"key": "subjects", "weight": 1, "hard": False}],
        mode="optimal",
        allow_mentee_requests=True,
    )
    ben = cohort.mentors[1].student
    opt_out(ben)
    page = login(cohort.mentees[0].student.user).get(reverse("matching:requests"))
    text = page.content.decode()
    assert page.status_code == 200
    assert cohort.mentors[0].student.user.get_short_name() in text
    assert ben.user.get_short_name() not in text
    # The coordinator still sees Ben among the participants.
    staff = login(cohort.coordinator).get(
        reverse("programs:participants", args=[cohort.program.pk])
    )
    assert ben.user.display_name in staff.content.decode()


def _group_world():
    school = make_school("Maple High")
    coordinator = make_coordinator(school)
    program = make_program(
        school, coordinator, name="Maple Circles", program_type="study_groups", status="running"
    )

    def enrol(name: str):
        student = make_student(
            school, 12, given_name=name, password=PASSWORD, birth_date=adult_birth_date()
        )
        return participant_enrol(
            actor=coordinator, program=program, student=student, role="mentee", status="ready"
        )

    leader, member, shy = enrol("Leonora"), enrol("Maximilian"), enrol("Philippa")
    opt_out(shy.student)
    group = group_create(
        actor=coordinator, program=program, name="Circle A", leaders=[leader], members=[member, shy]
    )
    [session] = session_schedule(
        actor=coordinator,
        group=group,
        starts_at=dt.datetime(2026, 10, 6, 15, 0, tzinfo=NY),
        location="Room 12",
        now=dt.datetime(2026, 10, 1, 12, 0, tzinfo=NY),
    )
    return coordinator, group, session, leader, member, shy


def test_group_page_and_group_session_hide_an_opted_out_member_from_peers_only(db):
    coordinator, group, session, leader, member, shy = _group_world()
    shy_name = shy.student.user.display_name
    group_url = reverse("meetings:group", args=[group.pk])
    session_url = reverse("meetings:session", args=[session.pk])

    as_member = login(member.student.user)
    page = as_member.get(group_url).content.decode()
    assert member.student.user.display_name in page
    assert shy_name not in page
    assert "And 1 member who keeps their name out of peer lists." in page
    assert shy_name not in as_member.get(session_url).content.decode()

    # The peer leader runs the group and takes attendance; the coordinator sees all.
    for viewer in (leader.student.user, coordinator):
        client = login(viewer)
        assert shy_name in client.get(group_url).content.decode()
        assert shy_name in client.get(session_url).content.decode()

    # The opted-out student sees themselves.
    own = login(shy.student.user).get(group_url).content.decode()
    assert shy_name in own


def test_plain_csv_import_sets_and_keeps_the_flag(db, tmp_path: Path):
    school = make_school()
    source = tmp_path / "students.csv"
    source.write_text(
        "student_id,given_name,family_name,grade,directory_opt_out\n"
        "s1,Amara,Abara,9,true\n"
        "s2,Bilal,Brennan,10,false\n"
        "s3,Chloe,Castillo,10,\n"
    )
    report = students_import(actor=None, school=school, source=source)
    assert report.ok, report.errors
    flags = dict(StudentProfile.objects.values_list("sourced_id", "directory_opt_out"))
    assert flags == {"s1": True, "s2": False, "s3": False}

    # A re-import with the column empty keeps the flag; a value changes it.
    source.write_text(
        "student_id,given_name,family_name,grade,directory_opt_out\n"
        "s1,Amara,Abara,9,\n"
        "s2,Bilal,Brennan,10,true\n"
    )
    assert students_import(actor=None, school=school, source=source).ok
    flags = dict(StudentProfile.objects.values_list("sourced_id", "directory_opt_out"))
    assert flags == {"s1": True, "s2": True, "s3": False}
    # A file without the column at all keeps every flag as it is.
    source.write_text("student_id,given_name,family_name,grade\ns2,Bilal,Brennan,11\n")
    assert students_import(actor=None, school=school, source=source).ok
    assert StudentProfile.objects.get(sourced_id="s2").directory_opt_out
