"""Writes for applications, referrals, decisions, screening and consent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from peerpath.core.audit import audit_record, snapshot
from peerpath.core.emails import email_on_commit, email_users_on_commit
from peerpath.core.models import User
from peerpath.people.availability import clean_slots
from peerpath.people.models import Course, GuardianLink, StudentProfile
from peerpath.programs.lifecycle import readiness_missing
from peerpath.programs.models import Participant, ParticipantStatus, Program
from peerpath.programs.selectors import program_can_manage, program_coordinators
from peerpath.programs.services import participant_enrol, participant_transition
from peerpath.recruitment import consent as links
from peerpath.recruitment.eligibility import eligibility_problems
from peerpath.recruitment.models import (
    Application,
    GuardianConsent,
    ScreeningItem,
    ScreeningRecord,
)
from peerpath.recruitment.readiness import needs_guardian_consent

#: Why recruitment moved a participant to another status, as the status history
#: (``ParticipantStatusChange.reason``) stores it: in English, whoever acted and
#: in whatever language (as :mod:`peerpath.matching.services` does); a page
#: showing them can translate these message ids.
STATUS_CONSENT_WITHDRAWN = gettext_noop("Guardian consent withdrawn")
STATUS_READY = gettext_noop("Screening, consent and training complete")


class IneligibleError(ValidationError):
    """The student may not apply; ``problems`` says why."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(problems)


def _site(path: str) -> str:
    return f"{settings.PEERPATH_SITE_URL}{path}"


def _require_manager(actor: User, program: Program) -> None:
    if not program_can_manage(actor, program):
        raise PermissionDenied(_("Only the program's coordinators can do this."))


@dataclass(frozen=True)
class ApplicationAnswers:
    """What a student answers on the application form."""

    subjects: Sequence[Course] = ()
    interests: Sequence[str] = ()
    languages: Sequence[str] = ()
    availability: Sequence[str] = ()
    goals: str = ""
    meeting_mode: str = "either"
    partner_preferences: str = ""
    motivation: str = ""
    experience: str = ""
    subject_grades: Mapping[int, int] | None = None


@transaction.atomic
def application_submit(
    *, actor: User, program: Program, role: str, answers: ApplicationAnswers
) -> Participant:
    """
    Apply ``actor`` (a student) to ``program`` as ``role``, or complete a referral.

    Eligibility is checked first; an ineligible student gets every reason at
    once and nothing is saved.
    """
    try:
        student = StudentProfile.objects.select_related("user").get(user=actor)
    except StudentProfile.DoesNotExist:
        raise PermissionDenied(_("Only students can apply.")) from None
    subjects = list(answers.subjects)
    if any(c.school_id != program.school_id for c in subjects):
        raise ValidationError({"subjects": _("A subject is not taught at this school.")})
    existing = (
        Participant.objects.select_for_update(of=("self",))
        .filter(program=program, student=student)
        .select_related("application")
        .first()
    )
    invited = (
        existing is not None
        and existing.status == ParticipantStatus.APPLIED
        and hasattr(existing, "application")
        and existing.application.submitted_at is None
    )
    if existing is not None and not invited:
        raise ValidationError(_("You have already applied to this program."))
    problems = eligibility_problems(
        program=program,
        student=student,
        role=role,
        subjects=subjects,
        subject_grades=answers.subject_grades,
    )
    if problems:
        raise IneligibleError(problems)
    if existing is not None:
        participant = existing
        participant.role = role
        participant.goals = answers.goals
        participant.save(update_fields=["role", "goals", "updated_at"])
        participant.subjects.set(subjects)
        application = participant.application
    else:
        participant = participant_enrol(
            actor=actor,
            program=program,
            student=student,
            role=role,
            subjects=subjects,
            goals=answers.goals,
        )
        application = Application(participant=participant)
    application.interests = sorted(set(answers.interests))
    application.languages = sorted(set(answers.languages))
    application.availability = clean_slots(list(answers.availability))
    application.meeting_mode = answers.meeting_mode
    application.partner_preferences = answers.partner_preferences
    application.motivation = answers.motivation
    application.experience = answers.experience
    application.subject_grades = {str(k): v for k, v in (answers.subject_grades or {}).items()}
    application.submitted_at = timezone.now()
    application.full_clean(exclude=["participant"])
    application.save()
    audit_record(
        actor=actor,
        action="application.submit",
        target=participant,
        organization=program.school.organization,
        after={"role": role, "subjects": [c.pk for c in subjects]},
    )
    email_on_commit(
        to=[student.user.email],
        template="application_received",
        context={"name": student.user.get_short_name(), "program": program.name, "role": role},
        language=student.user.preferred_language or None,
    )
    return participant


@transaction.atomic
def referral_create(
    *, actor: User, program: Program, student: StudentProfile, role: str, note: str = ""
) -> Participant:
    """
    A teacher or counselor refers ``student``: the student is invited to apply.

    Staff and coordinators of the program's school may refer.
    """
    from peerpath.core.access import scope_for
    from peerpath.core.models import Role

    scope = scope_for(actor)
    allowed = program_can_manage(actor, program) or scope.has_school_role(
        program.school_id, Role.STAFF, Role.COORDINATOR
    )
    if not allowed:
        raise PermissionDenied(_("Only staff of this school can refer students."))
    participant = participant_enrol(actor=actor, program=program, student=student, role=role)
    Application.objects.create(
        participant=participant,
        referred_by=actor,
        referral_note=note[:500],
        interests=student.interests,
        languages=student.languages,
        availability=student.availability,
    )
    audit_record(
        actor=actor,
        action="application.refer",
        target=participant,
        organization=program.school.organization,
        after={"role": role, "note": note[:500]},
    )
    email_on_commit(
        to=[student.user.email],
        template="referral_invite",
        context={
            "name": student.user.get_short_name(),
            "program": program.name,
            "referrer": actor.display_name,
            "note": note,
            "url": _site(reverse("recruitment:apply", args=[program.pk, role])),
        },
        language=student.user.preferred_language or None,
    )
    return participant


DECISIONS = {
    "accept": ParticipantStatus.SCREENING,
    "waitlist": ParticipantStatus.WAITLISTED,
    "decline": ParticipantStatus.DECLINED,
}


@transaction.atomic
def applications_decide(
    *,
    actor: User,
    program: Program,
    participants: Sequence[Participant],
    decision: str,
    message: str,
) -> int:
    """
    Accept, waitlist or decline applications, all or none; tell each applicant by e-mail.

    Accepting moves the participant to screening and, for a minor, asks the
    guardians for consent at once.
    """
    _require_manager(actor, program)
    if decision not in DECISIONS:
        raise ValidationError({"decision": _("Unknown decision.")})
    to_status = DECISIONS[decision]
    decided = 0
    for participant in participants:
        if participant.program_id != program.pk:
            raise PermissionDenied(_("That application belongs to another program."))
        participant_transition(
            actor=actor, participant=participant, to_status=to_status, reason=message[:500]
        )
        Application.objects.filter(participant=participant).update(
            decided_by=actor, decided_at=timezone.now(), decision_message=message
        )
        student_user = participant.student.user
        email_on_commit(
            to=[student_user.email],
            template="application_decision",
            context={
                "name": student_user.get_short_name(),
                "program": program.name,
                "decision": decision,
                "message": message,
            },
            language=student_user.preferred_language or None,
        )
        if decision == "accept":
            if needs_guardian_consent(participant) and _guardian_emails(participant):
                consent_request(actor=actor, participant=participant)
            participant_promote_if_ready(actor=actor, participant=participant)
        decided += 1
    return decided


@transaction.atomic
def screening_item_create(
    *,
    actor: User,
    program: Program,
    name: str,
    kind: str = ScreeningItem.Kind.OTHER,
    applies_to: str = ScreeningItem.AppliesTo.MENTORS,
    required: bool = True,
    expires: bool = False,
) -> ScreeningItem:
    _require_manager(actor, program)
    if kind == ScreeningItem.Kind.BACKGROUND_CHECK:
        expires = True  # background checks are only good for a time
    item = ScreeningItem(
        program=program,
        name=name.strip(),
        kind=kind,
        applies_to=applies_to,
        required=required,
        expires=expires,
        order=program.screening_items.count(),
    )
    item.full_clean()
    item.save()
    audit_record(
        actor=actor,
        action="screening.item.create",
        target=item,
        organization=program.school.organization,
        after=snapshot(item, ["program", "name", "kind", "applies_to", "required", "expires"]),
    )
    return item


@transaction.atomic
def screening_record_set(
    *,
    actor: User,
    participant: Participant,
    item: ScreeningItem,
    completed_on: dt.date,
    expires_on: dt.date | None = None,
    note: str = "",
) -> ScreeningRecord:
    """Record (or update) that ``item`` was completed for ``participant``."""
    program = participant.program
    _require_manager(actor, program)
    if item.program_id != program.pk:
        raise ValidationError({"item": _("That item is not on this program's checklist.")})
    if item.expires and expires_on is None:
        raise ValidationError({"expires_on": _("This item needs an expiry date.")})
    if expires_on is not None and expires_on < completed_on:
        raise ValidationError({"expires_on": _("The expiry date is before the completion date.")})
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": _("The completion date is in the future.")})
    record, created = ScreeningRecord.objects.select_for_update().get_or_create(
        participant=participant,
        item=item,
        defaults={
            "completed_on": completed_on,
            "expires_on": expires_on,
            "note": note,
            "recorded_by": actor,
        },
    )
    before = {} if created else snapshot(record, ["completed_on", "expires_on", "note"])
    if not created:
        record.completed_on = completed_on
        record.expires_on = expires_on
        record.note = note
        record.recorded_by = actor
        record.save(
            update_fields=["completed_on", "expires_on", "note", "recorded_by", "updated_at"]
        )
    audit_record(
        actor=actor,
        action="screening.record",
        target=record,
        organization=program.school.organization,
        before=before,
        after=snapshot(record, ["participant", "item", "completed_on", "expires_on", "note"]),
    )
    participant_promote_if_ready(actor=actor, participant=participant)
    return record


def _guardian_emails(participant: Participant) -> list[tuple[str, User | None]]:
    links_ = GuardianLink.objects.filter(student=participant.student).select_related("guardian")
    return [(link.guardian.email, link.guardian) for link in links_]


@transaction.atomic
def consent_request(
    *, actor: User | None, participant: Participant, guardian_email: str = ""
) -> list[GuardianConsent]:
    """
    E-mail each guardian (or ``guardian_email``) a single-use, expiring consent link.

    A new request replaces any pending one for the participant.
    """
    program = participant.program
    if actor is not None:
        _require_manager(actor, program)
    recipients: list[tuple[str, User | None]]
    if guardian_email:
        known = User.objects.filter(email__iexact=guardian_email).first()
        recipients = [(guardian_email.lower(), known)]
    else:
        recipients = _guardian_emails(participant)
    if not recipients:
        raise ValidationError(
            _("No guardian is linked to %(name)s; enter the guardian's e-mail.")
            % {"name": participant.student}
        )
    GuardianConsent.objects.filter(
        participant=participant, status=GuardianConsent.Status.PENDING
    ).update(status=GuardianConsent.Status.SUPERSEDED)
    created: list[GuardianConsent] = []
    expires_at = timezone.now() + dt.timedelta(seconds=links.link_lifetime_seconds())
    for email, guardian in recipients:
        nonce, nonce_hash = links.new_nonce()
        consent = GuardianConsent.objects.create(
            participant=participant,
            guardian_email=email,
            guardian=guardian,
            terms_version=program.terms_version,
            nonce_hash=nonce_hash,
            expires_at=expires_at,
            requested_by=actor,
        )
        token = links.respond_token(consent.pk, nonce)
        audit_record(
            actor=actor,
            action="consent.request",
            target=consent,
            organization=program.school.organization,
            after={"participant": participant.pk, "terms_version": program.terms_version},
        )
        email_on_commit(
            to=[email],
            template="consent_request",
            context={
                "student": participant.student.user.get_short_name(),
                "program": program.name,
                "school": program.school.name,
                "url": _site(reverse("recruitment:consent", args=[token])),
                "days": links.link_lifetime_seconds() // 86400,
            },
            language=(guardian.preferred_language if guardian else "") or None,
        )
        created.append(consent)
    return created


def _consent_for_update(consent_id: int) -> GuardianConsent:
    try:
        return (
            GuardianConsent.objects.select_for_update(of=("self",))
            .select_related(
                "participant__program__school__organization", "participant__student__user"
            )
            .get(pk=consent_id)
        )
    except GuardianConsent.DoesNotExist:
        raise links.ConsentLinkError("invalid") from None


def consent_from_link(token: str) -> GuardianConsent:
    """Return the pending request a link points to; raise ConsentLinkError otherwise."""
    consent_id, nonce_hash = links.read_respond_token(token)
    consent = (
        GuardianConsent.objects.select_related(
            "participant__program__school", "participant__student__user"
        )
        .filter(pk=consent_id)
        .first()
    )
    if consent is None or consent.nonce_hash != nonce_hash:
        raise links.ConsentLinkError("invalid")
    if consent.status != GuardianConsent.Status.PENDING:
        raise links.ConsentLinkError("used")
    if consent.expires_at < timezone.now():
        raise links.ConsentLinkError("expired")
    return consent


@transaction.atomic
def consent_respond(
    *, token: str, give: bool, guardian_name: str, language: str = ""
) -> GuardianConsent:
    """
    Record a guardian's answer through their link: the link then stops working.

    Other pending requests for the same participant (a second guardian) are
    superseded. Giving consent sends a confirmation with a link to withdraw,
    in the guardian's language: the one they chose in Peerpath if they have an
    account, else ``language``, the one they answered the consent page in
    (else the site's default).
    """
    checked = consent_from_link(token)
    consent = _consent_for_update(checked.pk)
    if consent.status != GuardianConsent.Status.PENDING:  # answered in a parallel request
        raise links.ConsentLinkError("used")
    name = guardian_name.strip()
    if not name:
        raise ValidationError({"guardian_name": _("Type your full name to sign.")})
    consent.status = GuardianConsent.Status.GIVEN if give else GuardianConsent.Status.REFUSED
    consent.responded_at = timezone.now()
    consent.responder_name = name[:200]
    consent.save(update_fields=["status", "responded_at", "responder_name", "updated_at"])
    GuardianConsent.objects.filter(
        participant=consent.participant, status=GuardianConsent.Status.PENDING
    ).exclude(pk=consent.pk).update(status=GuardianConsent.Status.SUPERSEDED)
    participant = consent.participant
    program = participant.program
    audit_record(
        actor=consent.guardian,
        action="consent.give" if give else "consent.refuse",
        target=consent,
        organization=program.school.organization,
        after={"name": consent.responder_name, "terms_version": consent.terms_version},
    )
    if give:
        email_on_commit(
            to=[consent.guardian_email],
            template="consent_confirmation",
            context={
                "student": participant.student.user.get_short_name(),
                "program": program.name,
                "withdraw_url": _site(
                    reverse(
                        "recruitment:consent-withdraw",
                        args=[links.withdraw_token(consent.pk, consent.nonce_hash)],
                    )
                ),
            },
            language=(consent.guardian.preferred_language if consent.guardian else "")
            or language
            or None,
        )
        participant_promote_if_ready(actor=None, participant=participant)
    return consent


def consent_from_withdraw_link(token: str) -> GuardianConsent:
    consent_id, prefix = links.read_withdraw_token(token)
    consent = (
        GuardianConsent.objects.select_related(
            "participant__program__school", "participant__student__user"
        )
        .filter(pk=consent_id)
        .first()
    )
    if consent is None or not consent.nonce_hash.startswith(prefix):
        raise links.ConsentLinkError("invalid")
    if consent.status != GuardianConsent.Status.GIVEN:
        raise links.ConsentLinkError("used")
    return consent


@transaction.atomic
def consent_withdraw(*, consent: GuardianConsent, actor: User | None) -> GuardianConsent:
    """
    Withdraw a guardian's consent: the participant is paused at once.

    ``actor`` is the logged-in guardian, or None when the withdrawal link was used.
    """
    consent = _consent_for_update(consent.pk)
    participant = consent.participant
    if (
        actor is not None
        and not GuardianLink.objects.filter(guardian=actor, student=participant.student).exists()
    ):
        raise PermissionDenied(_("Only the student's guardian can withdraw consent."))
    if consent.status != GuardianConsent.Status.GIVEN:
        raise ValidationError(_("This consent is not in force."))
    consent.status = GuardianConsent.Status.WITHDRAWN
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["status", "withdrawn_at", "updated_at"])
    program = participant.program
    audit_record(
        actor=actor,
        action="consent.withdraw",
        target=consent,
        organization=program.school.organization,
        before={"status": "given"},
        after={"status": "withdrawn"},
    )
    if participant.status in {
        ParticipantStatus.SCREENING,
        ParticipantStatus.READY,
        ParticipantStatus.MATCHED,
    }:
        participant_transition(
            actor=None,
            participant=participant,
            to_status=ParticipantStatus.PAUSED,
            reason=STATUS_CONSENT_WITHDRAWN,
        )
    email_users_on_commit(
        program_coordinators(program),
        template="consent_withdrawn",
        context={"student": str(participant.student), "program": program.name},
    )
    return consent


@transaction.atomic
def participant_promote_if_ready(*, actor: User | None, participant: Participant) -> bool:
    """Move a participant in screening to ``ready`` when nothing is missing; say whether it did."""
    participant.refresh_from_db(fields=["status"])
    if participant.status != ParticipantStatus.SCREENING or readiness_missing(participant):
        return False
    participant_transition(
        actor=actor,
        participant=participant,
        to_status=ParticipantStatus.READY,
        reason=STATUS_READY,
    )
    return True


def promote_when_ready(participant: Participant) -> bool:
    """Readiness listener: promote a participant in screening once nothing is missing."""
    return participant_promote_if_ready(actor=None, participant=participant)
