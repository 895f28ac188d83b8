"""
Text that matching stores or sends is read in the reader's language, not the writer's.

A round's progress and failure, a proposal the coordinator emptied and the
status history's reasons are written by one process (a worker, a coordinator
in Spanish) and read later by another person: Peerpath stores its own
messages in English and translates them when it shows them; text stored
before keeps its words. Criterion keys the app has no label for are named as
unknown in the reader's language, never shown bare.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from factories import PASSWORD, make_coordinator
from groupslib import GroupCohort, add, build_group_cohort
from peerpath.matching.buddies import buddy_overdue_flag, buddy_pair_new_arrivals
from peerpath.matching.groups import (
    group_round_move,
    group_round_rules_broken,
    group_round_start,
    group_settings_update,
)
from peerpath.matching.models import GroupRound, Match, MatchRound, MentorRequest, Proposal
from peerpath.matching.rounds import (
    ERROR_GAVE_UP,
    ERROR_NO_GROUPING,
    LEASE,
    MAX_ATTEMPTS,
    round_claim,
    round_error_text,
    round_progress_text,
    rounds_requeue_expired,
)
from peerpath.matching.services import (
    match_close,
    match_round_publish,
    match_round_start,
    match_settings_update,
    mentor_request_create,
    proposal_assign,
)
from peerpath.people.models import StudentProfile
from peerpath.programs.models import Participant, ParticipantStatus, ParticipantStatusChange

AFTER_LEASE = LEASE + dt.timedelta(minutes=1)


def _page(user, url: str, language: str) -> str:
    """``url`` as ``user`` reads it with ``language`` as their preferred language."""
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    # the locale middleware leaves the reader's language active in this thread
    with translation.override(translation.get_language()):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- A round's progress and failure ---------------------------------------------------


def _given_up(cohort, settings) -> MatchRound:
    """A round whose worker stopped MAX_ATTEMPTS times, given up by a worker pass."""
    settings.PEERPATH_MATCH_INLINE_LIMIT = 0
    with translation.override("es"):  # started by a coordinator reading Spanish
        match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    now = timezone.now()
    for _attempt in range(MAX_ATTEMPTS):
        assert round_claim(MatchRound, match_round.pk, now=now) is not None
        now += AFTER_LEASE
        with translation.override("es"):  # whatever language the worker runs in
            rounds_requeue_expired(MatchRound, now=now)
    match_round.refresh_from_db()
    assert match_round.status == MatchRound.Status.FAILED
    return match_round


def test_a_given_up_round_is_stored_in_english_and_read_in_each_readers_language(cohort, settings):
    match_round = _given_up(cohort, settings)
    assert match_round.error == ERROR_GAVE_UP % {"attempts": MAX_ATTEMPTS}
    url = reverse("matching:round-status", args=[match_round.pk])
    spanish = _page(cohort.coordinator, url, "es")
    assert "El proceso en segundo plano se detuvo 3 veces mientras ejecutaba" in spanish
    assert "The background worker" not in spanish
    english = _page(cohort.coordinator, url, "en")
    assert "The background worker stopped 3 times while running this round" in english


def test_progress_is_stored_in_english_and_read_in_each_readers_language(cohort, settings):
    settings.PEERPATH_MATCH_INLINE_LIMIT = 0
    with translation.override("es"):
        match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    assert match_round.progress == "Waiting to run"
    url = reverse("matching:round-status", args=[match_round.pk])
    assert "— Esperando para ejecutarse" in _page(cohort.coordinator, url, "es")
    assert "— Waiting to run" in _page(cohort.coordinator, url, "en")
    with translation.override("es"):
        assert round_claim(MatchRound, match_round.pk) is not None
    match_round.refresh_from_db()
    assert match_round.progress == "Loading participants"
    assert "— Cargando participantes" in _page(cohort.coordinator, url, "es")


def test_a_round_refused_by_the_engine_says_why_in_the_readers_language(cohort, monkeypatch):
    import peerpath.matching.services as services

    def refuse(*args, **kwargs):
        raise ValueError('mentor "9": capacity must be at least 1')

    monkeypatch.setattr(services, "solve", refuse)
    with translation.override("es"):
        match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    assert match_round.error.startswith("Peerpath could not run this round.")
    url = reverse("matching:round", args=[match_round.pk])
    spanish = _page(cohort.coordinator, url, "es")
    assert (
        "Peerpath no pudo ejecutar esta ronda. Inicie una nueva ronda; si vuelve a fallar, "
        "avise a su administrador de Peerpath con este mensaje (en inglés): "
        "mentor &quot;9&quot;: capacity must be at least 1"
    ) in spanish
    english = _page(cohort.coordinator, url, "en")
    assert "Peerpath could not run this round." in english


def test_an_error_stored_before_keeps_its_words(cohort):
    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    MatchRound.objects.filter(pk=match_round.pk).update(
        status=MatchRound.Status.FAILED, error="El proceso se detuvo (texto antiguo)."
    )
    url = reverse("matching:round-status", args=[match_round.pk])
    assert "El proceso se detuvo (texto antiguo)." in _page(cohort.coordinator, url, "en")
    assert round_error_text("solver exploded") == "solver exploded"
    assert round_progress_text("Cargando") == "Cargando"
    with translation.override("es"):  # a given-up round stored in English before is read too
        assert round_error_text(ERROR_GAVE_UP % {"attempts": 3}).startswith(
            "El proceso en segundo plano se detuvo 3 veces"
        )


@pytest.mark.parametrize("who", ["other_coordinator", "mentor"])
def test_the_round_status_is_closed_to_the_wrong_school_and_role(cohort, settings, who):
    match_round = _given_up(cohort, settings)
    user = (
        cohort.other_coordinator if who == "other_coordinator" else cohort.mentors[0].student.user
    )
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    response = client.get(reverse("matching:round-status", args=[match_round.pk]))
    assert response.status_code in {403, 404}
    assert "background worker" not in response.content.decode()


@pytest.fixture
def groups(db, settings) -> GroupCohort:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return build_group_cohort()


def test_a_group_round_with_no_grouping_is_stored_in_english_and_read_in_spanish(groups):
    c = groups
    group_settings_update(
        actor=c.coordinator,
        program=c.program,
        min_size=3,
        max_size=3,
        leaders="exactly_one",
        min_shared_slots=1,
        criteria=[],
        no_isolated=[],
    )
    Participant.objects.filter(program=c.program, role="mentor").update(
        status=ParticipantStatus.PAUSED
    )
    with translation.override("es"):
        group_round = group_round_start(actor=c.coordinator, program=c.program)
    assert group_round.status == GroupRound.Status.FAILED
    assert group_round.progress == ""
    assert group_round.error.startswith("No grouping meets the rules.")
    reason = group_round.error.split("The engine's reason: ", 1)[1]
    assert "leader" in reason  # the engine's own words, kept as the detail
    with translation.override("es"):
        spanish = round_error_text(group_round.error)
    assert spanish == (
        "Ninguna agrupación cumple las reglas. Cambie la configuración de los grupos o quiénes "
        f"participan e inicie una nueva ronda. El motivo según el motor (en inglés): {reason}"
    )
    with translation.override("en"):
        assert round_error_text(group_round.error) == ERROR_NO_GROUPING % {"detail": reason}
    # the filters the round pages use
    template = Template(
        "{% load round_text %}{{ r.error|round_error }}|{{ r.progress|round_progress }}"
    )
    with translation.override("es"):
        shown = template.render(Context({"r": group_round}))
    assert shown.startswith("Ninguna agrupación cumple las reglas.")


# --- Group publish refusals --------------------------------------------------------------


def test_the_rules_a_grouping_breaks_are_said_in_the_readers_language(groups):
    c = groups
    group_round = group_round_start(actor=c.coordinator, program=c.program)
    alg = next(g for g, m in group_round.groups.items() if str(c.people["Ada"].pk) in m)
    number = alg.removeprefix("g")
    assert group_round_rules_broken(group_round) == []
    with translation.override("es"):  # moved by a coordinator reading Spanish
        group_round = group_round_move(
            actor=c.coordinator,
            group_round=group_round,
            participant_id=c.people["Ada"].pk,
            to_group="out",
        )
    with translation.override("es"):
        assert group_round_rules_broken(group_round) == [
            f"Grupo {number}: 0 líderes; la regla es al menos un líder"
        ]
    with translation.override("en"):
        assert group_round_rules_broken(group_round) == [
            f"Group {number}: 0 leaders; the rule is at least one leader"
        ]


# --- A proposal the coordinator emptied ---------------------------------------------------


def test_removed_by_the_coordinator_is_stored_in_english_and_read_in_each_language(cohort):
    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    pair = match_round.proposals.filter(mentor__isnull=False).first()
    with translation.override("es"):
        proposal_assign(actor=cohort.coordinator, proposal=pair, mentor=None)
    pair.refresh_from_db()
    assert pair.reason == "Removed by the coordinator"
    name = pair.mentee.student.user.display_name
    url = reverse("matching:round", args=[match_round.pk])
    assert f"{name}</strong> — Quitada por el coordinador" in _page(cohort.coordinator, url, "es")
    assert f"{name}</strong> — Removed by the coordinator" in _page(cohort.coordinator, url, "en")
    # a reason stored in Spanish before keeps its words
    Proposal.objects.filter(pk=pair.pk).update(reason="Quitada por el coordinador")
    assert f"{name}</strong> — Quitada por el coordinador" in _page(cohort.coordinator, url, "en")


# --- The status history's reasons ----------------------------------------------------------


def test_status_history_reasons_are_stored_in_english_whoever_acts(cohort):
    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    with translation.override("es"):
        match_round_publish(actor=cohort.coordinator, match_round=match_round)
    change = ParticipantStatusChange.objects.filter(
        participant=cohort.mentees[0], to_status="matched"
    ).get()
    assert change.reason == f"Match round {match_round.pk} published"
    match = Match.objects.get(mentee=cohort.mentees[0])
    with translation.override("es"):
        match_close(actor=cohort.coordinator, match=match, reason="moved", rematch=True)
    closed = ParticipantStatusChange.objects.filter(
        participant=cohort.mentees[0], to_status="ready"
    ).latest("pk")
    assert closed.reason == "Match closed: Moved away or left the school"


def test_a_buddy_pairing_reason_is_stored_in_english(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    c = build_group_cohort(program_type="buddy")
    add(c, "Kai", "mentor", course=c.algebra, free=["mon-2"], grade=9)
    add(c, "Nia", "mentee", course=c.algebra, free=["mon-2"], grade=9)
    StudentProfile.objects.filter(pk=c.people["Nia"].student_id).update(
        arrived_on=timezone.localdate() - dt.timedelta(days=2)
    )
    with translation.override("es"):  # paired by a coordinator reading Spanish
        pairing = buddy_pair_new_arrivals(actor=c.coordinator, program=c.program)
    assert [(m.mentee, m.mentor) for m in pairing.matches] == [(c.people["Nia"], c.people["Kai"])]
    reasons = set(
        ParticipantStatusChange.objects.filter(
            participant__program=c.program, to_status="matched"
        ).values_list("reason", flat=True)
    )
    assert reasons == {"Buddy for a new arrival"}
    with translation.override("es"):  # the message id: a page that shows it can translate it
        assert translation.gettext(reasons.pop()) == "Compañero guía para un recién llegado"


# --- E-mails: in the language of the person who reads them -----------------------------


def test_a_mentor_request_reaches_the_mentor_in_the_mentors_language(
    cohort, django_capture_on_commit_callbacks
):
    match_settings_update(
        actor=cohort.coordinator,
        program=cohort.program,
        criteria=[{"key": "subjects", "weight": 1, "hard": False}],
        mode="optimal",
        allow_mentee_requests=True,
    )
    dee, ada, bea = cohort.mentees[0], cohort.mentors[0], cohort.mentors[2]
    ada.student.user.preferred_language = "es"
    ada.student.user.save(update_fields=["preferred_language"])
    dee_name = dee.student.user.get_short_name()
    with django_capture_on_commit_callbacks(execute=True):  # the mentee asks in English
        mentor_request_create(actor=dee.student.user, mentee=dee, mentor=ada)
    [spanish] = mail.outbox
    assert spanish.to == [ada.student.user.email]
    assert spanish.subject == f"A {dee_name} le gustaría que fueras su mentor"
    MentorRequest.objects.all().delete()  # one pending request at a time
    with translation.override("es"), django_capture_on_commit_callbacks(execute=True):
        mentor_request_create(actor=dee.student.user, mentee=dee, mentor=bea)
    english = mail.outbox[1]
    assert english.to == [bea.student.user.email]
    assert english.subject == f"{dee_name} would like you as a mentor"


def test_coordinators_hear_of_waiting_arrivals_each_in_their_language(
    db, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    c = build_group_cohort(program_type="buddy")
    add(c, "Omar", "mentee", course=c.algebra, free=["wed-2"], grade=10)
    StudentProfile.objects.filter(pk=c.people["Omar"].student_id).update(
        arrived_on=timezone.localdate() - dt.timedelta(days=10)
    )
    c.coordinator.preferred_language = "es"
    c.coordinator.save(update_fields=["preferred_language"])
    second = make_coordinator(c.school, email="second@birch.test")  # reads English
    with django_capture_on_commit_callbacks(execute=True):
        assert buddy_overdue_flag() == 1
    subjects = {tuple(m.to): m.subject for m in mail.outbox}
    program = c.program.name
    assert subjects == {
        (second.email,): f"New arrivals still without a buddy in {program}",
        (c.coordinator.email,): f"Recién llegados todavía sin compañero guía en {program}",
    }


# --- Criterion keys the app has no label for ------------------------------------------------


def test_unknown_criterion_keys_are_named_in_the_readers_language(cohort):
    match_round = match_round_start(actor=cohort.coordinator, program=cohort.program)
    pair = match_round.proposals.filter(mentor__isnull=False).first()
    Proposal.objects.filter(pk=pair.pk).update(
        explanation={"interests": 0.5, "zodiac_sign": 0.25}, broken=["zodiac_sign", "same_person"]
    )
    url = reverse("matching:round", args=[match_round.pk])
    spanish = _page(cohort.coordinator, url, "es")
    assert "<li>criterio desconocido (zodiac_sign): 0,250</li>" in spanish
    assert (
        "Incumple: criterio desconocido (zodiac_sign), un estudiante no puede ser su propio mentor"
    ) in spanish
    english = _page(cohort.coordinator, url, "en")
    assert "<li>unknown criterion (zodiac_sign): 0.250</li>" in english
    assert "<li>Shared interests: 0.500</li>" in english
    assert "Breaks: unknown criterion (zodiac_sign), a student cannot mentor themselves" in english
