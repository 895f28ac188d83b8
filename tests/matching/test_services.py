from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from peerpath.matching.criteria import default_criteria
from peerpath.matching.models import ExitSurvey, Match, MatchRound, Proposal
from peerpath.matching.services import (
    exit_survey_submit,
    match_agree,
    match_close,
    match_round_publish,
    match_round_start,
    match_settings_for,
    match_settings_update,
    proposal_assign,
    proposal_set_lock,
    proposal_swap,
)
from peerpath.programs.models import Participant


def names(match_round):
    out = {}
    for p in match_round.proposals.select_related("mentee__student__user", "mentor__student__user"):
        out[p.mentee.student.user.given_name] = (
            p.mentor.student.user.given_name if p.mentor else None
        )
    return out


def test_defaults_depend_on_the_program_type():
    tutoring = {c["key"]: c for c in default_criteria("peer_tutoring")}
    assert tutoring["subjects"] == {"key": "subjects", "weight": 4, "hard": True}
    assert tutoring["free_time"]["hard"] is True
    mentoring = {c["key"] for c in default_criteria("one_to_one")}
    assert {"interests", "languages", "grade_gap", "background", "requests"} <= mentoring
    assert "subjects" not in mentoring


def test_a_round_finds_the_best_pairs_and_explains_every_gap(cohort):
    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    assert match_round.status == "proposed"
    # Dee (algebra, Mon) -> Cy or Ada; Fay (algebra, Tue) only Ada; Eve (biology, Wed) only Ben;
    # the maximum matching gives Dee to Cy so that Fay can have Ada.
    assert names(match_round) == {"Dee": "Cy", "Eve": "Ben", "Fay": "Ada", "Gus": None}
    gus = match_round.proposals.get(mentor__isnull=True)
    assert "free" in gus.reason.lower() or "time" in gus.reason.lower()
    assert match_round.result["optimal"] is True
    assert match_round.result["matched"] == 3
    for p in match_round.proposals.filter(mentor__isnull=False):
        assert sum(p.explanation.values()) == pytest.approx(p.score, abs=1e-6)
    assert set(match_round.timings) == {"load_and_build_s", "solve_s", "save_s"}
    assert {m["id"] for m in match_round.problem["mentors"]} == {str(m.pk) for m in cohort.mentors}


def test_settings_are_validated_and_only_coordinators_change_them(cohort):
    with pytest.raises(ValidationError):
        match_settings_update(
            actor=cohort.coordinator,
            program=cohort.program,
            criteria=[{"key": "subjects", "weight": 0}],
            mode="optimal",
            allow_mentee_requests=False,
        )
    with pytest.raises(PermissionDenied):
        match_settings_update(
            actor=cohort.other_coordinator,
            program=cohort.program,
            criteria=[{"key": "subjects", "weight": 1}],
            mode="fair",
            allow_mentee_requests=True,
        )
    assert match_settings_for(cohort.program).mode == "optimal"
    updated = match_settings_update(
        actor=cohort.coordinator,
        program=cohort.program,
        criteria=[
            {"key": "subjects", "weight": 2, "hard": True},
            {"key": "free_time", "weight": 1, "hard": True, "min": 1},
        ],
        mode="fair",
        allow_mentee_requests=True,
        mentor_capacity=2,
    )
    assert updated.mode == "fair"
    cohort.program.refresh_from_db()
    assert cohort.program.default_mentor_capacity == 2


def test_rerun_keeps_locked_pairs(cohort):
    first = match_round_start(actor=cohort.coordinator, program=cohort.program)
    dee = first.proposals.get(mentee=cohort.mentees[0])
    # Pair Dee with Ada by hand and lock it; a rerun must keep it even though it costs Fay her mentor.
    proposal_assign(actor=cohort.coordinator, proposal=dee, mentor=cohort.mentors[0])
    dee.refresh_from_db()
    proposal_set_lock(actor=cohort.coordinator, proposal=dee, locked=True)
    second = match_round_start(actor=cohort.coordinator, program=cohort.program)
    first.refresh_from_db()
    assert first.status == "discarded"
    result = names(second)
    assert result["Dee"] == "Ada"
    assert second.proposals.get(mentee=cohort.mentees[0]).locked is True
    assert result["Fay"] is None


def test_manual_pairing_shows_the_new_score_and_broken_rules(cohort):
    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    gus = match_round.proposals.get(mentee=cohort.mentees[3])
    [changed] = proposal_assign(actor=cohort.coordinator, proposal=gus, mentor=cohort.mentors[1])
    assert changed.mentor == cohort.mentors[1]
    assert changed.broken == ["free_time"]  # Ben teaches biology but is only free on Wednesday
    assert changed.score > 0
    assert changed.source == "manual"


def test_swap_exchanges_mentors_and_rescores(cohort):
    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    dee = match_round.proposals.get(mentee=cohort.mentees[0])
    eve = match_round.proposals.get(mentee=cohort.mentees[1])
    a, b = proposal_swap(actor=cohort.coordinator, first=dee, second=eve)
    assert names(match_round)["Dee"] == "Ben"
    assert names(match_round)["Eve"] == "Cy"
    assert "subjects" in a.broken  # Ben does not teach algebra
    assert b.broken == ["free_time"]  # Cy teaches biology but is free only on Monday


def test_publish_is_one_transaction_and_tells_everyone_after_commit(
    cohort, django_capture_on_commit_callbacks
):
    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    with django_capture_on_commit_callbacks(execute=True):
        matches = match_round_publish(actor=cohort.coordinator, match_round=match_round)
    assert len(matches) == 3
    statuses = dict(Participant.objects.values_list("student__user__given_name", "status"))
    assert statuses == {
        "Ada": "matched",
        "Ben": "matched",
        "Cy": "matched",
        "Dee": "matched",
        "Eve": "matched",
        "Fay": "matched",
        "Gus": "ready",
    }
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert len(recipients) == 7  # 3 mentors, 3 mentees and Dee's guardian
    assert "guardian@birch.test" in recipients
    match_round.refresh_from_db()
    assert match_round.status == "published"
    with pytest.raises(ValidationError):
        match_round_publish(actor=cohort.coordinator, match_round=match_round)


def test_publish_over_capacity_changes_nothing(cohort):
    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    fay = match_round.proposals.get(mentee=cohort.mentees[2])
    proposal_assign(actor=cohort.coordinator, proposal=fay, mentor=cohort.mentors[2])  # Cy twice
    with pytest.raises(ValidationError) as excinfo:
        match_round_publish(actor=cohort.coordinator, match_round=match_round)
    assert any("capacity is 1" in m for m in excinfo.value.messages)
    assert not Match.objects.exists()
    assert set(Participant.objects.values_list("status", flat=True)) == {"ready"}
    match_round.refresh_from_db()
    assert match_round.status == "proposed"


def test_publish_denied_to_another_school(cohort):
    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    with pytest.raises(PermissionDenied):
        match_round_publish(actor=cohort.other_coordinator, match_round=match_round)
    assert not Match.objects.exists()


def test_late_applicants_fill_remaining_capacity_without_touching_published_matches(cohort):
    from matchlib import add

    first = match_round_start(actor=cohort.coordinator, program=cohort.program)
    published = {m.pk for m in match_round_publish(actor=cohort.coordinator, match_round=first)}
    ada = cohort.mentors[0]
    ada.mentor_capacity = 2
    ada.save()
    late = add(cohort, "mentee", grade=10, subjects=[cohort.algebra], free=["tue-2"], name="Hal")
    second = match_round_start(actor=cohort.coordinator, program=cohort.program)
    assert {m["id"] for m in second.problem["mentees"]} == {str(cohort.mentees[3].pk), str(late.pk)}
    assert next(m for m in second.problem["mentors"] if m["id"] == str(ada.pk))["load"] == 1
    assert names(second)["Hal"] == "Ada"
    match_round_publish(actor=cohort.coordinator, match_round=second)
    assert published <= set(Match.objects.filter(status="active").values_list("pk", flat=True))
    assert Match.objects.filter(mentor=ada, status="active").count() == 2


def test_close_and_rematch_never_pairs_the_same_two_again(
    cohort, django_capture_on_commit_callbacks
):
    first = match_round_start(actor=cohort.coordinator, program=cohort.program)
    match_round_publish(actor=cohort.coordinator, match_round=first)
    dee_match = Match.objects.get(mentee=cohort.mentees[0])
    assert dee_match.mentor == cohort.mentors[2]  # Cy
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        match_close(
            actor=cohort.coordinator,
            match=dee_match,
            reason="mismatch",
            rematch=True,
            future_contact_allowed=False,
            mentor_would_mentor_again=True,
        )
    dee_match.refresh_from_db()
    assert dee_match.status == "closed"
    assert dee_match.close_reason == "mismatch"
    assert len(mail.outbox) == 2  # both are asked for an exit survey
    assert Participant.objects.get(pk=cohort.mentees[0].pk).status == "ready"
    assert Participant.objects.get(pk=cohort.mentors[2].pk).status == "ready"
    second = match_round_start(actor=cohort.coordinator, program=cohort.program)
    assert [str(cohort.mentees[0].pk), str(cohort.mentors[2].pk)] in second.problem["forbidden"]
    assert names(second)["Dee"] is None  # Cy is forbidden and Ada is taken
    # Both matches stay in the history.
    assert Match.objects.filter(mentee=cohort.mentees[0]).count() == 1


def test_close_without_rematch_closes_both_sides_and_exit_survey(cohort):
    first = match_round_start(actor=cohort.coordinator, program=cohort.program)
    match_round_publish(actor=cohort.coordinator, match_round=first)
    match = Match.objects.get(mentee=cohort.mentees[1])
    with pytest.raises(ValidationError):
        exit_survey_submit(actor=match.mentee.student.user, match=match, rating=5)
    with pytest.raises(PermissionDenied):
        match_close(actor=cohort.other_coordinator, match=match, reason="goals_met")
    match_close(actor=cohort.coordinator, match=match, reason="goals_met")
    assert Participant.objects.get(pk=match.mentee_id).status == "closed"
    assert Participant.objects.get(pk=match.mentor_id).status == "closed"
    exit_survey_submit(
        actor=match.mentee.student.user, match=match, rating=4, helped="Weekly practice"
    )
    with pytest.raises(ValidationError):
        exit_survey_submit(actor=match.mentee.student.user, match=match, rating=4)
    with pytest.raises(PermissionDenied):
        exit_survey_submit(actor=cohort.mentees[0].student.user, match=match, rating=1)
    assert ExitSurvey.objects.count() == 1


def test_match_agreement_by_both_partners_only(cohort):
    first = match_round_start(actor=cohort.coordinator, program=cohort.program)
    match_round_publish(actor=cohort.coordinator, match_round=first)
    match = Match.objects.get(mentee=cohort.mentees[1])
    match_agree(actor=match.mentor.student.user, match=match)
    with pytest.raises(PermissionDenied):
        match_agree(actor=cohort.mentees[0].student.user, match=match)
    match_agree(actor=match.mentee.student.user, match=match)
    match.refresh_from_db()
    assert match.agreed


def test_failed_round_keeps_everything_else(cohort, monkeypatch):
    import peerpath.matching.services as services

    def boom(*args, **kwargs):
        raise ValueError("solver exploded")

    monkeypatch.setattr(services, "solve", boom)
    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    assert match_round.status == "failed"
    assert match_round.error == (  # stored in English, translated when shown
        "Peerpath could not run this round. Start a new round; if it fails again, ask your "
        "Peerpath administrator, with this message: solver exploded"
    )
    assert not Proposal.objects.exists()
    assert MatchRound.objects.count() == 1


def test_pair_by_hand_outside_a_round(cohort, django_capture_on_commit_callbacks):
    from peerpath.matching.services import match_create_manual

    gus, ben = cohort.mentees[3], cohort.mentors[1]
    with pytest.raises(PermissionDenied):
        match_create_manual(
            actor=cohort.other_coordinator, program=cohort.program, mentor=ben, mentee=gus
        )
    with pytest.raises(ValidationError):  # roles the wrong way round
        match_create_manual(
            actor=cohort.coordinator, program=cohort.program, mentor=gus, mentee=ben
        )
    with django_capture_on_commit_callbacks(execute=True):
        match = match_create_manual(
            actor=cohort.coordinator, program=cohort.program, mentor=ben, mentee=gus
        )
    assert match.status == "active"
    assert len(mail.outbox) == 2
    assert Participant.objects.get(pk=gus.pk).status == "matched"
    with pytest.raises(ValidationError, match="no room"):
        match_create_manual(
            actor=cohort.coordinator, program=cohort.program, mentor=ben, mentee=cohort.mentees[1]
        )


def test_a_close_that_fails_half_way_changes_nothing(cohort, monkeypatch):
    import peerpath.matching.services as services

    first = match_round_start(actor=cohort.coordinator, program=cohort.program)
    match_round_publish(actor=cohort.coordinator, match_round=first)
    match = Match.objects.get(mentee=cohort.mentees[0])
    real = services.participant_transition
    calls = []

    def fail_on_second(**kwargs):
        calls.append(kwargs["participant"].pk)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return real(**kwargs)

    monkeypatch.setattr(services, "participant_transition", fail_on_second)
    with pytest.raises(RuntimeError):
        match_close(actor=cohort.coordinator, match=match, reason="goals_met")
    match.refresh_from_db()
    assert match.status == "active"
    assert set(
        Participant.objects.filter(pk__in=[match.mentor_id, match.mentee_id]).values_list(
            "status", flat=True
        )
    ) == {"matched"}


def test_a_publish_that_fails_half_way_changes_nothing(cohort, monkeypatch):
    import peerpath.matching.services as services

    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    real = services.participant_transition
    calls = []

    def fail_on_fourth(**kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("power cut")
        return real(**kwargs)

    monkeypatch.setattr(services, "participant_transition", fail_on_fourth)
    with pytest.raises(RuntimeError):
        match_round_publish(actor=cohort.coordinator, match_round=match_round)
    assert not Match.objects.exists()
    assert set(Participant.objects.values_list("status", flat=True)) == {"ready"}
    match_round.refresh_from_db()
    assert match_round.status == "proposed"
