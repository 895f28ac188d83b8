from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from factories import make_coordinator
from peerpath.core.models import AuditEntry
from peerpath.programs.lifecycle import NotReadyError
from peerpath.programs.models import Participant, ParticipantStatusChange
from peerpath.programs.services import participant_transition, program_update
from peerpath.recruitment.consent import ConsentLinkError
from peerpath.recruitment.models import Application, GuardianConsent, ScreeningRecord
from peerpath.recruitment.readiness import consent_missing, has_consent, screening_missing
from peerpath.recruitment.services import (
    ApplicationAnswers,
    IneligibleError,
    application_submit,
    applications_decide,
    consent_from_withdraw_link,
    consent_request,
    consent_respond,
    consent_withdraw,
    referral_create,
    screening_item_create,
    screening_record_set,
)

AVAILABILITY = ["mon-2", "wed-2", "thu-3"]


def tutor_answers(s, grade=91):
    return ApplicationAnswers(
        subjects=[s.algebra],
        interests=["chess", "coding"],
        languages=["en", "es"],
        availability=AVAILABILITY,
        goals="Help younger students feel at home in algebra.",
        motivation="A tutor helped me in 9th grade.",
        subject_grades={s.algebra.pk: grade},
    )


def tutee_answers(s):
    return ApplicationAnswers(
        subjects=[s.algebra], languages=["en"], availability=AVAILABILITY, goals="Pass algebra."
    )


def link_from(message) -> str:
    match = re.search(r"https?://\S+/consent/(\S+?)/\s", message.body)
    assert match, message.body
    return match.group(1)


def test_application_submit_saves_answers_and_emails_after_commit(
    setup, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        participant = application_submit(
            actor=setup.tutor.user,
            program=setup.program,
            role="mentor",
            answers=tutor_answers(setup),
        )
        assert mail.outbox == []  # nothing is sent before the commit
    assert len(callbacks) == 1
    assert participant.status == "applied"
    assert list(participant.subjects.all()) == [setup.algebra]
    application = participant.application
    assert application.availability == ["mon-2", "wed-2", "thu-3"]
    assert application.languages == ["en", "es"]
    assert application.subject_grades == {str(setup.algebra.pk): 91}
    assert application.submitted_at is not None
    [message] = mail.outbox
    assert message.to == ["tina.tutor@maple.test"]
    assert message.subject == "We received your application to Maple Tutoring"
    assert message.alternatives[0][1] == "text/html"
    assert "<strong>Maple Tutoring</strong>" in message.alternatives[0][0]


def test_ineligible_grade_and_subject_grade_are_all_reported_and_nothing_saved(setup):
    with pytest.raises(IneligibleError) as excinfo:
        application_submit(
            actor=setup.tutee.user,
            program=setup.program,
            role="mentor",
            answers=tutor_answers(setup, grade=72),
        )
    assert excinfo.value.problems == [
        "Mentors in this program are in grades 11–12; you are in grade 9.",
        "Tutors need at least 80% in a subject they offer; you have 72% in Algebra I.",
    ]
    assert not Participant.objects.filter(student=setup.tutee).exists()
    assert not Application.objects.exists()


def test_tutor_must_give_grade_and_tutee_must_choose_a_subject(setup):
    answers = ApplicationAnswers(
        subjects=[setup.biology], languages=["en"], availability=AVAILABILITY, motivation="x"
    )
    with pytest.raises(IneligibleError) as excinfo:
        application_submit(
            actor=setup.tutor.user, program=setup.program, role="mentor", answers=answers
        )
    assert excinfo.value.problems == ["Give your current grade in Biology."]
    with pytest.raises(IneligibleError) as excinfo:
        application_submit(
            actor=setup.tutee.user,
            program=setup.program,
            role="mentee",
            answers=ApplicationAnswers(languages=["en"], availability=AVAILABILITY),
        )
    assert excinfo.value.problems == ["Choose at least one subject you need help with."]


def test_closed_program_takes_no_applications(setup):
    program_update(actor=setup.coordinator, program=setup.program, status="running")
    setup.program.refresh_from_db()
    with pytest.raises(IneligibleError) as excinfo:
        application_submit(
            actor=setup.tutee.user,
            program=setup.program,
            role="mentee",
            answers=tutee_answers(setup),
        )
    assert excinfo.value.problems == ["This program is not taking applications now."]


def test_applying_twice_is_refused(setup):
    application_submit(
        actor=setup.tutee.user, program=setup.program, role="mentee", answers=tutee_answers(setup)
    )
    with pytest.raises(ValidationError):
        application_submit(
            actor=setup.tutee.user,
            program=setup.program,
            role="mentee",
            answers=tutee_answers(setup),
        )
    assert Participant.objects.filter(student=setup.tutee).count() == 1


def test_non_student_cannot_apply(setup):
    with pytest.raises(PermissionDenied):
        application_submit(
            actor=setup.staff, program=setup.program, role="mentee", answers=tutee_answers(setup)
        )


def test_referral_invites_and_the_student_completes_it(setup, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        participant = referral_create(
            actor=setup.staff,
            program=setup.program,
            student=setup.tutee,
            role="mentee",
            note="You asked about algebra help.",
        )
    [invite] = mail.outbox
    assert invite.to == ["theo.tutee@maple.test"]
    assert "You asked about algebra help." in invite.body
    assert f"/join/{setup.program.pk}/apply/mentee/" in invite.body
    assert participant.application.submitted_at is None
    assert participant.application.referred_by == setup.staff
    completed = application_submit(
        actor=setup.tutee.user, program=setup.program, role="mentee", answers=tutee_answers(setup)
    )
    assert completed.pk == participant.pk
    completed.application.refresh_from_db()
    assert completed.application.submitted_at is not None
    assert completed.application.referred_by == setup.staff


@pytest.mark.parametrize("who", ["other_coordinator", "student"])
def test_referral_denied_outside_the_school_staff(setup, who):
    actor = setup.adult_tutor.user if who == "student" else setup.other_coordinator
    with pytest.raises(PermissionDenied):
        referral_create(actor=actor, program=setup.program, student=setup.tutee, role="mentee")
    assert not Participant.objects.filter(student=setup.tutee).exists()


def test_accepting_a_minor_emails_the_guardian_a_consent_link(
    setup, django_capture_on_commit_callbacks
):
    participant = application_submit(
        actor=setup.tutor.user, program=setup.program, role="mentor", answers=tutor_answers(setup)
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        count = applications_decide(
            actor=setup.coordinator,
            program=setup.program,
            participants=[participant],
            decision="accept",
            message="Welcome aboard!",
        )
    assert count == 1
    participant.refresh_from_db()
    assert participant.status == "screening"
    consent_mail, decision = sorted(mail.outbox, key=lambda m: m.to[0])
    assert consent_mail.to == ["parent@home.test"]
    assert decision.to == ["tina.tutor@maple.test"]
    assert "Welcome aboard!" in decision.body
    consent = GuardianConsent.objects.get(participant=participant)
    assert consent.status == "pending"
    assert consent.terms_version == 1
    assert consent.guardian == setup.guardian
    assert link_from(consent_mail)


def test_accepting_an_adult_with_nothing_required_makes_them_ready(setup):
    participant = application_submit(
        actor=setup.adult_tutor.user,
        program=setup.program,
        role="mentor",
        answers=tutor_answers(setup),
    )
    applications_decide(
        actor=setup.coordinator,
        program=setup.program,
        participants=[participant],
        decision="accept",
        message="",
    )
    participant.refresh_from_db()
    assert participant.status == "ready"
    assert not GuardianConsent.objects.exists()


def test_bulk_decision_is_all_or_nothing(setup):
    good = application_submit(
        actor=setup.tutee.user, program=setup.program, role="mentee", answers=tutee_answers(setup)
    )
    bad = application_submit(
        actor=setup.adult_tutor.user,
        program=setup.program,
        role="mentor",
        answers=tutor_answers(setup),
    )
    participant_transition(actor=setup.coordinator, participant=bad, to_status="withdrawn")
    with pytest.raises(ValueError, match="cannot go from Withdrawn to Waitlisted"):
        applications_decide(
            actor=setup.coordinator,
            program=setup.program,
            participants=[good, bad],
            decision="waitlist",
            message="",
        )
    good.refresh_from_db()
    assert good.status == "applied"
    assert not Application.objects.filter(decided_by__isnull=False).exists()


@pytest.mark.parametrize("who", ["staff", "other_coordinator", "student"])
def test_only_coordinators_review_applications(setup, who):
    participant = application_submit(
        actor=setup.tutee.user, program=setup.program, role="mentee", answers=tutee_answers(setup)
    )
    actor = setup.adult_tutor.user if who == "student" else getattr(setup, who)
    with pytest.raises(PermissionDenied):
        applications_decide(
            actor=actor,
            program=setup.program,
            participants=[participant],
            decision="accept",
            message="",
        )
    participant.refresh_from_db()
    assert participant.status == "applied"


def accepted(setup, student, role="mentor"):
    answers = tutor_answers(setup) if role == "mentor" else tutee_answers(setup)
    participant = application_submit(
        actor=student.user, program=setup.program, role=role, answers=answers
    )
    applications_decide(
        actor=setup.coordinator,
        program=setup.program,
        participants=[participant],
        decision="accept",
        message="",
    )
    participant.refresh_from_db()
    return participant


def test_expired_background_check_blocks_readiness_and_says_so(setup):
    check = screening_item_create(
        actor=setup.coordinator,
        program=setup.program,
        name="Background check",
        kind="background_check",
    )
    assert check.expires is True
    participant = accepted(setup, setup.adult_tutor)
    assert participant.status == "screening"
    assert screening_missing(participant) == ["Screening: “Background check” is not recorded."]
    today = timezone.localdate()
    with pytest.raises(ValidationError):  # a background check needs its expiry date
        screening_record_set(
            actor=setup.coordinator, participant=participant, item=check, completed_on=today
        )
    screening_record_set(
        actor=setup.coordinator,
        participant=participant,
        item=check,
        completed_on=today - dt.timedelta(days=400),
        expires_on=today - dt.timedelta(days=35),
    )
    participant.refresh_from_db()
    assert participant.status == "screening"
    [reason] = screening_missing(participant)
    assert reason.startswith("Screening: “Background check” expired on ")
    with pytest.raises(NotReadyError) as excinfo:
        participant_transition(actor=setup.coordinator, participant=participant, to_status="ready")
    assert excinfo.value.missing == [reason]
    screening_record_set(
        actor=setup.coordinator,
        participant=participant,
        item=check,
        completed_on=today,
        expires_on=today + dt.timedelta(days=365),
    )
    participant.refresh_from_db()
    assert participant.status == "ready"  # promoted as soon as nothing is missing
    record = ScreeningRecord.objects.get()
    assert record.recorded_by == setup.coordinator
    assert AuditEntry.objects.filter(action="screening.record").count() == 2


def test_screening_item_for_mentors_does_not_apply_to_mentees(setup):
    screening_item_create(
        actor=setup.coordinator, program=setup.program, name="Interview", kind="interview"
    )
    participant = accepted(setup, setup.tutee, role="mentee")
    assert screening_missing(participant) == []


def test_screening_denied_for_staff_and_other_school(setup):
    with pytest.raises(PermissionDenied):
        screening_item_create(actor=setup.staff, program=setup.program, name="Interview")
    participant = accepted(setup, setup.adult_tutor)
    item = screening_item_create(actor=setup.coordinator, program=setup.program, name="Interview")
    with pytest.raises(PermissionDenied):
        screening_record_set(
            actor=setup.other_coordinator,
            participant=participant,
            item=item,
            completed_on=timezone.localdate(),
        )
    assert not ScreeningRecord.objects.exists()


def consent_token(setup, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        participant = accepted(setup, setup.tutor)
    [message] = [m for m in mail.outbox if m.to == ["parent@home.test"]]
    mail.outbox.clear()
    return participant, link_from(message)


def test_guardian_consent_makes_a_minor_ready_and_the_link_is_single_use(
    setup, django_capture_on_commit_callbacks
):
    participant, token = consent_token(setup, django_capture_on_commit_callbacks)
    assert participant.status == "screening"
    assert consent_missing(participant) == ["Guardian consent has not been given."]
    with django_capture_on_commit_callbacks(execute=True):
        consent = consent_respond(token=token, give=True, guardian_name="Paul Parent")
    assert consent.status == "given"
    assert consent.responder_name == "Paul Parent"
    assert consent.terms_version == 1
    participant.refresh_from_db()
    assert participant.status == "ready"
    assert has_consent(participant)
    [confirmation] = mail.outbox
    assert "/consent/withdraw/" in confirmation.body
    with pytest.raises(ConsentLinkError) as excinfo:
        consent_respond(token=token, give=False, guardian_name="Paul Parent")
    assert excinfo.value.reason == "used"
    consent.refresh_from_db()
    assert consent.status == "given"


def test_expired_and_forged_consent_links_are_refused(setup, django_capture_on_commit_callbacks):
    participant, token = consent_token(setup, django_capture_on_commit_callbacks)
    GuardianConsent.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(ConsentLinkError) as excinfo:
        consent_respond(token=token, give=True, guardian_name="Paul Parent")
    assert excinfo.value.reason == "expired"
    with pytest.raises(ConsentLinkError) as excinfo:
        consent_respond(token=token[:-3] + "abc", give=True, guardian_name="Paul Parent")
    assert excinfo.value.reason == "invalid"
    assert GuardianConsent.objects.get().status == "pending"
    participant.refresh_from_db()
    assert participant.status == "screening"


def test_consent_to_old_terms_no_longer_counts(setup, django_capture_on_commit_callbacks):
    participant, token = consent_token(setup, django_capture_on_commit_callbacks)
    consent_respond(token=token, give=True, guardian_name="Paul Parent")
    program_update(actor=setup.coordinator, program=setup.program, terms="New terms.")
    participant.refresh_from_db()
    assert consent_missing(participant) == [
        "Guardian consent was given to older program terms; ask again."
    ]


def test_withdrawing_consent_pauses_the_participant_at_once(
    setup, django_capture_on_commit_callbacks
):
    participant, token = consent_token(setup, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        consent = consent_respond(token=token, give=True, guardian_name="Paul Parent")
    withdraw_link = re.search(r"/consent/withdraw/(\S+?)/\s", mail.outbox[0].body).group(1)
    mail.outbox.clear()
    found = consent_from_withdraw_link(withdraw_link)
    assert found.pk == consent.pk
    with django_capture_on_commit_callbacks(execute=True):
        consent_withdraw(consent=found, actor=None)
    participant.refresh_from_db()
    assert participant.status == "paused"
    assert not has_consent(participant)
    change = ParticipantStatusChange.objects.filter(participant=participant).last()
    assert change.reason == "Guardian consent withdrawn"
    [notice] = mail.outbox
    assert notice.to == ["coord@maple.test"]
    with pytest.raises(ConsentLinkError):
        consent_from_withdraw_link(withdraw_link)


# --- E-mails and history: in the language of the person who reads them ---------------------


def test_the_consent_confirmation_reaches_a_guardian_with_an_account_in_their_language(
    setup, django_capture_on_commit_callbacks
):
    setup.guardian.preferred_language = "es"
    setup.guardian.save(update_fields=["preferred_language"])
    _participant, token = consent_token(setup, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):  # the page was read in English
        consent_respond(token=token, give=True, guardian_name="Paul Parent", language="en")
    [confirmation] = mail.outbox
    student = setup.tutor.user.get_short_name()
    assert confirmation.subject == f"Gracias: se registró el consentimiento para {student}"


def ask_a_guardian_without_an_account(setup, django_capture_on_commit_callbacks) -> str:
    participant = accepted(setup, setup.tutor)
    with django_capture_on_commit_callbacks(execute=True):
        consent_request(
            actor=setup.coordinator, participant=participant, guardian_email="gran@x.test"
        )
    [request] = [m for m in mail.outbox if m.to == ["gran@x.test"]]
    mail.outbox.clear()
    return link_from(request)


@pytest.mark.parametrize(
    ("page_language", "subject"),
    [
        ("es", "Gracias: se registró el consentimiento para {student}"),
        ("", "Thank you: consent recorded for {student}"),  # not known: the site's default
    ],
)
def test_a_guardian_without_an_account_is_confirmed_in_the_language_they_answered_in(
    setup, django_capture_on_commit_callbacks, page_language, subject
):
    token = ask_a_guardian_without_an_account(setup, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        consent_respond(token=token, give=True, guardian_name="Gran", language=page_language)
    [confirmation] = mail.outbox
    assert confirmation.to == ["gran@x.test"]
    assert confirmation.subject == subject.format(student=setup.tutor.user.get_short_name())


def test_coordinators_hear_of_a_withdrawal_each_in_their_language_and_the_history_is_english(
    setup, django_capture_on_commit_callbacks
):
    setup.coordinator.preferred_language = "es"
    setup.coordinator.save(update_fields=["preferred_language"])
    second = make_coordinator(setup.school, email="second@maple.test")  # reads English
    participant, token = consent_token(setup, django_capture_on_commit_callbacks)
    with translation.override("es"):  # a Spanish-reading guardian gives, then withdraws
        consent = consent_respond(token=token, give=True, guardian_name="Paul Parent")
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            consent_withdraw(consent=consent, actor=setup.guardian)
    name, program = str(participant.student), setup.program.name
    assert {tuple(m.to): m.subject for m in mail.outbox} == {
        ("coord@maple.test",): f"Consentimiento retirado: {name} queda en pausa en {program}",
        (second.email,): f"Consent withdrawn: {name} is paused in {program}",
    }
    reasons = list(
        ParticipantStatusChange.objects.filter(participant=participant)
        .order_by("pk")
        .values_list("reason", flat=True)
    )
    assert reasons[-2:] == [
        "Screening, consent and training complete",
        "Guardian consent withdrawn",
    ]
    with translation.override("es"):  # a page showing them can translate the message ids
        assert [translation.gettext(r) for r in reasons[-2:]] == [
            "Verificación, consentimiento y capacitación completos",
            "El tutor legal retiró el consentimiento",
        ]


def test_only_the_students_guardian_can_withdraw_when_logged_in(
    setup, django_capture_on_commit_callbacks
):
    participant, token = consent_token(setup, django_capture_on_commit_callbacks)
    consent = consent_respond(token=token, give=True, guardian_name="Paul Parent")
    with pytest.raises(PermissionDenied):
        consent_withdraw(consent=consent, actor=setup.staff)
    consent.refresh_from_db()
    assert consent.status == "given"
    consent_withdraw(consent=consent, actor=setup.guardian)
    participant.refresh_from_db()
    assert participant.status == "paused"
