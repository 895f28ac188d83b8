"""Group formation rounds through the services: settings, run, move, publish, worker."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from groupslib import GroupCohort, build_group_cohort
from peerpath.core.models import AuditEntry
from peerpath.matching.groups import (
    OUT,
    build_group_problem,
    group_round_move,
    group_round_start,
    group_settings_for,
    group_settings_update,
    settings_snapshot,
)
from peerpath.matching.models import GroupRound
from peerpath.meetings.models import Group, GroupMember
from peerpath.meetings.services import group_round_publish
from peerpath.programs.models import Participant, ParticipantStatus


@pytest.fixture
def groups(db, settings) -> GroupCohort:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return build_group_cohort()


def _names(c: GroupCohort, ids: list[str]) -> list[str]:
    by_pk = {str(p.pk): name for name, p in c.people.items()}
    return sorted(by_pk[i] for i in ids)


def _proposed(c: GroupCohort) -> GroupRound:
    group_round = group_round_start(actor=c.coordinator, program=c.program)
    assert group_round.status == GroupRound.Status.PROPOSED, group_round.error
    return group_round


def test_problem_reads_ready_participants_with_consent(groups):
    c = groups
    built = build_group_problem(c.program, settings_snapshot(group_settings_for(c.program)))
    ids = [p.id for p in built.problem.participants]
    assert _names(c, ids) == ["Ada", "Ben", "Cal", "Dot", "Eli", "Fin", "Gia", "Hal", "Ivy"]
    assert built.skipped == {str(c.people["Jon"].pk): "Guardian consent is missing."}
    ada = next(p for p in built.problem.participants if p.id == str(c.people["Ada"].pk))
    assert ada.leader is True
    assert ada.slots == frozenset({"mon-2", "tue-2"})
    assert dict(ada.attributes) == {
        "grade": 12,
        "subject": "ALG",
        "home_language": "en",
        "first_generation": None,
    }
    assert built.problem.min_size == 3
    assert built.problem.max_size == 5
    assert built.problem.leaders == "at_least_one"


def test_round_forms_subject_groups_and_explains_them(groups):
    c = groups
    group_round = _proposed(c)
    assert sorted(_names(c, m) for m in group_round.groups.values()) == [
        ["Ada", "Cal", "Dot", "Eli"],
        ["Ben", "Fin", "Gia", "Hal"],
    ]
    evaluation = group_round.evaluation
    assert evaluation["violations"] == []
    assert [g["score"] for g in evaluation["groups"]] == [1.0, 1.0]
    assert [g["explanation"] for g in evaluation["groups"]] == [{"subject": 1.0}] * 2
    assert sorted(g["shared_slots"][0] for g in evaluation["groups"]) == ["mon-2", "mon-2"]
    [left] = group_round.result["left_out"]
    assert left["participant"] == str(c.people["Ivy"].pk)
    assert "free slot" in left["reason"]
    assert group_round.problem["size"] == {"min": 3, "max": 5}
    assert AuditEntry.objects.filter(action="matching.group_round.start").count() == 1


def test_move_rescores_both_groups_and_flags_broken_rules(groups):
    c = groups
    group_round = _proposed(c)
    alg = next(g for g, m in group_round.groups.items() if str(c.people["Ada"].pk) in m)
    bio = next(g for g in group_round.groups if g != alg)
    group_round = group_round_move(
        actor=c.coordinator,
        group_round=group_round,
        participant_id=c.people["Cal"].pk,
        to_group=bio,
    )
    scores = {g["id"]: g["score"] for g in group_round.evaluation["groups"]}
    # ALG: Ada, Dot, Eli — all algebra; BIO: Ben, Fin, Gia, Hal + Cal: 6 of 10 pairs alike.
    assert scores == {alg: 1.0, bio: 0.6}
    assert group_round.evaluation["violations"] == []
    # Taking the leader out of the algebra group breaks the leader rule there.
    group_round = group_round_move(
        actor=c.coordinator,
        group_round=group_round,
        participant_id=c.people["Ada"].pk,
        to_group=OUT,
    )
    assert group_round.evaluation["violations"] == [
        f"group {alg}: 2 members, fewer than 3",
        f"group {alg}: 0 leaders; the rule is at least one leader",
    ]
    with pytest.raises(ValidationError, match="Fix what breaks the rules"):
        group_round_publish(actor=c.coordinator, group_round=group_round)
    assert not Group.objects.exists()
    # Placing Ivy (free only on Friday) breaks the shared-time rule of her group.
    group_round = group_round_move(
        actor=c.coordinator,
        group_round=group_round,
        participant_id=c.people["Ada"].pk,
        to_group=alg,
    )
    group_round = group_round_move(
        actor=c.coordinator,
        group_round=group_round,
        participant_id=c.people["Ivy"].pk,
        to_group=alg,
    )
    assert group_round.evaluation["violations"] == [
        f"group {alg}: 0 shared free slots, fewer than 1"
    ]
    assert AuditEntry.objects.filter(action="matching.group_round.move").count() == 4


def test_move_refuses_unknown_targets_and_people(groups):
    c = groups
    group_round = _proposed(c)
    with pytest.raises(ValidationError, match="no such group"):
        group_round_move(
            actor=c.coordinator,
            group_round=group_round,
            participant_id=c.people["Cal"].pk,
            to_group="g99",
        )
    with pytest.raises(ValidationError, match="not in this round"):
        group_round_move(
            actor=c.coordinator,
            group_round=group_round,
            participant_id=c.people["Jon"].pk,
            to_group="g1",
        )
    with pytest.raises(PermissionDenied):
        group_round_move(
            actor=c.other_coordinator,
            group_round=group_round,
            participant_id=c.people["Cal"].pk,
            to_group=OUT,
        )
    group_round.refresh_from_db()
    assert group_round.groups == {g["id"]: g["members"] for g in group_round.result["groups"]}


def test_publish_creates_groups_moves_members_and_emails_after_commit(
    groups, django_capture_on_commit_callbacks
):
    c = groups
    group_round = _proposed(c)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = group_round_publish(actor=c.coordinator, group_round=group_round)
    assert mail.outbox == []  # nothing is sent before the transaction commits
    for callback in callbacks:
        callback()
    assert [g.name for g in created] == ["Group 1", "Group 2"]
    leaders = GroupMember.objects.filter(role=GroupMember.Role.LEADER)
    assert sorted(m.participant.student.user.given_name for m in leaders) == ["Ada", "Ben"]
    assert GroupMember.objects.count() == 8
    placed = Participant.objects.filter(group_memberships__isnull=False)
    assert set(placed.values_list("status", flat=True)) == {ParticipantStatus.MATCHED}
    assert Participant.objects.get(pk=c.people["Ivy"].pk).status == ParticipantStatus.READY
    group_round.refresh_from_db()
    assert group_round.status == GroupRound.Status.PUBLISHED
    assert len(mail.outbox) == 8
    cal = next(m for m in mail.outbox if m.to == ["cal@birch.test"])
    assert "Group 1" in cal.subject
    assert "Birch Study Groups" in cal.subject
    assert "Ada" in cal.body
    assert "Dot" in cal.body
    assert "Ben" not in cal.body
    with pytest.raises(ValidationError, match="no longer be changed"):
        group_round_publish(actor=c.coordinator, group_round=group_round)


def test_publish_refuses_a_member_no_longer_ready_and_changes_nothing(groups):
    c = groups
    group_round = _proposed(c)
    Participant.objects.filter(pk=c.people["Dot"].pk).update(status=ParticipantStatus.PAUSED)
    mail.outbox.clear()
    with pytest.raises(ValidationError, match="no longer ready"):
        group_round_publish(actor=c.coordinator, group_round=group_round)
    assert not Group.objects.exists()
    assert Participant.objects.filter(status=ParticipantStatus.MATCHED).count() == 0
    group_round.refresh_from_db()
    assert group_round.status == GroupRound.Status.PROPOSED
    assert mail.outbox == []


def test_publish_and_start_need_a_coordinator_of_the_program(groups):
    c = groups
    group_round = _proposed(c)
    for actor in (c.other_coordinator, c.staff, c.user("Ada")):
        with pytest.raises(PermissionDenied):
            group_round_publish(actor=actor, group_round=group_round)
        with pytest.raises(PermissionDenied):
            group_round_start(actor=actor, program=c.program)
    assert not Group.objects.exists()
    assert GroupRound.objects.count() == 1


def test_settings_are_validated_and_audited(groups):
    c = groups
    with pytest.raises(ValidationError):
        group_settings_update(
            actor=c.coordinator,
            program=c.program,
            min_size=5,
            max_size=3,
            leaders="none",
            min_shared_slots=1,
            criteria=[],
            no_isolated=[],
        )
    with pytest.raises(ValidationError):
        group_settings_update(
            actor=c.coordinator,
            program=c.program,
            min_size=3,
            max_size=5,
            leaders="none",
            min_shared_slots=1,
            criteria=[{"key": "shoe_size", "prefer": "similar", "weight": 1}],
            no_isolated=[],
        )
    with pytest.raises(ValidationError):
        group_settings_update(
            actor=c.coordinator,
            program=c.program,
            min_size=3,
            max_size=5,
            leaders="none",
            min_shared_slots=1,
            criteria=[],
            no_isolated=["grade"],
        )
    with pytest.raises(PermissionDenied):
        group_settings_update(
            actor=c.other_coordinator,
            program=c.program,
            min_size=2,
            max_size=3,
            leaders="none",
            min_shared_slots=0,
            criteria=[],
            no_isolated=[],
        )
    found = group_settings_update(
        actor=c.coordinator,
        program=c.program,
        min_size=2,
        max_size=3,
        leaders="exactly_one",
        min_shared_slots=2,
        criteria=[
            {"key": "grade", "prefer": "diverse", "weight": 2},
            {"key": "subject", "prefer": "similar", "weight": 0},
        ],
        no_isolated=["home_language"],
    )
    found.refresh_from_db()
    assert found.criteria == [{"key": "grade", "prefer": "diverse", "weight": 2.0}]
    assert (found.min_size, found.max_size, found.leaders, found.min_shared_slots) == (
        2,
        3,
        "exactly_one",
        2,
    )
    assert found.no_isolated == ["home_language"]
    assert AuditEntry.objects.filter(action="matching.group_settings").count() == 2


def test_an_infeasible_round_fails_with_the_reason(groups):
    c = groups
    group_settings_update(
        actor=c.coordinator,
        program=c.program,
        min_size=3,
        max_size=3,
        leaders="exactly_one",
        min_shared_slots=2,
        criteria=[],
        no_isolated=[],
    )
    # Everyone shares at most one of Ada's two slots with Ben's group: groups of three with
    # exactly one leader and two shared slots exist (Ada+2 ALG, Ben+2 BIO); a third cannot.
    group_round = group_round_start(actor=c.coordinator, program=c.program)
    assert group_round.status == GroupRound.Status.PROPOSED
    Participant.objects.filter(role="mentor").update(status=ParticipantStatus.PAUSED)
    group_round = group_round_start(actor=c.coordinator, program=c.program)
    assert group_round.status == GroupRound.Status.FAILED
    assert "leader" in group_round.error


def test_only_group_programs_form_groups(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    c = build_group_cohort(program_type="peer_tutoring")
    with pytest.raises(ValidationError, match="Only study groups"):
        group_round_start(actor=c.coordinator, program=c.program)


@pytest.mark.django_db(transaction=True)
def test_a_large_cohort_waits_for_the_worker(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PEERPATH_GROUP_INLINE_LIMIT = 3
    c = build_group_cohort()
    group_round = group_round_start(actor=c.coordinator, program=c.program)
    assert group_round.status == GroupRound.Status.QUEUED
    call_command("worker", "--once")
    group_round.refresh_from_db()
    assert group_round.status == GroupRound.Status.PROPOSED
    assert len(group_round.groups) == 2


def test_a_new_round_discards_the_open_one(groups):
    c = groups
    first = _proposed(c)
    second = _proposed(c)
    first.refresh_from_db()
    assert first.status == GroupRound.Status.DISCARDED
    with pytest.raises(ValidationError, match="no longer be changed"):
        group_round_move(
            actor=c.coordinator,
            group_round=first,
            participant_id=c.people["Cal"].pk,
            to_group=OUT,
        )
    assert second.status == GroupRound.Status.PROPOSED
