"""
Replay the demo's planned participants through the recruitment and lifecycle services.

It happens in two parts, each its own transaction, because guardians give
consent the way real guardians do: through the link in the consent e-mail,
which is only sent once the acceptance that asks for it has been committed.

1. :meth:`Enroller.apply_and_decide` — students apply (or staff refer them),
   the coordinator accepts, waitlists or declines, and those still in
   screening have done part of the checklist and training; accepting a minor
   e-mails their guardians.
2. :meth:`Enroller.make_ready` — the screening checklist and the training are
   completed, the guardian answers the consent e-mail (which moves the
   participant to ``ready``), and the coordinator takes them further along
   the lifecycle.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from peerpath.core.models import User
from peerpath.demo.catalogue import DECISION_MESSAGES, REQUIRED_MODULES, SCREENING_ITEMS
from peerpath.demo.plan import EnrolmentSpec
from peerpath.matching.builder import explain_pair
from peerpath.matching.services import match_close, match_create_manual, match_settings_for
from peerpath.people.models import Course, StudentProfile
from peerpath.programs.models import Participant, ParticipantStatus, Program
from peerpath.programs.services import participant_transition
from peerpath.recruitment.models import ScreeningItem
from peerpath.recruitment.readiness import needs_guardian_consent
from peerpath.recruitment.services import (
    ApplicationAnswers,
    application_submit,
    applications_decide,
    consent_from_link,
    consent_request,
    consent_respond,
    referral_create,
    screening_item_create,
    screening_record_set,
)
from peerpath.training.models import ModuleProgress, QuizQuestion, TrainingModule
from peerpath.training.selectors import MENTOR_AUDIENCES, modules_available, training_status
from peerpath.training.services import (
    module_complete,
    program_requirements_set,
    quiz_submit,
    starter_curriculum_load,
)

# A student who withdraws for this reason does it themselves; the coordinator does the rest.
SELF_WITHDRAWAL = "Student asked to leave the program."
_DECISIONS = {"screening": "accept", "waitlisted": "waitlist", "declined": "decline"}
_TOKEN_CHARS = r"[A-Za-z0-9_\-:.]+"


def consent_tokens(messages: Iterable[EmailMessage]) -> dict[int, str]:
    """Map participant ids to the consent link token e-mailed for them (the first one)."""
    placeholder = "TOKEN"
    before, after = reverse("recruitment:consent", args=[placeholder]).split(placeholder)
    pattern = re.compile(re.escape(before) + f"({_TOKEN_CHARS})" + re.escape(after))
    tokens: dict[int, str] = {}
    for message in messages:
        for token in pattern.findall(str(message.body)):
            participant_id = consent_from_link(token).participant_id
            tokens.setdefault(participant_id, token)
    return tokens


@dataclass
class Enroller:
    """Carries out an enrolment plan on behalf of the coordinator, staff and students."""

    coordinator: User
    referrers: dict[str, User]
    programs: dict[str, Program]
    courses: dict[str, Course]
    students: dict[str, StudentProfile]
    today: dt.date
    rng: random.Random
    items: dict[str, list[ScreeningItem]] = field(default_factory=dict)
    participants: dict[int, Participant] = field(default_factory=dict)
    mentor_modules: list[TrainingModule] = field(default_factory=list)
    questions: dict[int, list[QuizQuestion]] = field(default_factory=dict)
    to_pair: list[tuple[Participant, EnrolmentSpec]] = field(default_factory=list)
    featured_emails: set[str] = field(default_factory=set)

    def set_up_programs(self) -> None:
        """Each program's screening checklist and required training."""
        if not TrainingModule.objects.filter(organization__isnull=True).exists():
            starter_curriculum_load()  # a flushed database (e.g. in tests) lost it
        organization_id = next(iter(self.programs.values())).school.organization_id
        available = list(modules_available(organization_id))
        modules = {m.slug: m for m in available}
        self.mentor_modules = [m for m in available if m.audience in MENTOR_AUDIENCES]
        for key, program in self.programs.items():
            required = {
                role: [modules[slug] for slug in slugs if slug in modules]
                for role, slugs in REQUIRED_MODULES[key].items()
            }
            program_requirements_set(actor=self.coordinator, program=program, required=required)
        self._create_screening_items()

    def _create_screening_items(self) -> None:
        for key, program in self.programs.items():
            self.items[key] = [
                screening_item_create(
                    actor=self.coordinator,
                    program=program,
                    name=item.name,
                    kind=item.kind,
                    applies_to=item.applies_to,
                )
                for item in SCREENING_ITEMS[key]
            ]

    def apply_and_decide(self, plan: Sequence[EnrolmentSpec]) -> None:
        """Part 1: applications, referrals, decisions, and every step before ``ready``."""
        for index, spec in enumerate(plan):
            participant = self._apply(spec)
            self.participants[index] = participant
            steps = spec.path[: spec.path.index("ready")] if "ready" in spec.path else spec.path
            for position, to_status in enumerate(steps, start=1):
                self._step(participant, spec, to_status, last=position == len(spec.path))
            if spec.screening_items_done:
                self._record_screening(participant, spec, limit=spec.screening_items_done)
                self._train(participant, limit=spec.screening_items_done)

    def make_ready(self, plan: Sequence[EnrolmentSpec], tokens: dict[int, str]) -> None:
        """Part 2: complete screening and consent, then every step from ``ready`` on."""
        for index, spec in enumerate(plan):
            if "ready" not in spec.path:
                continue
            participant = self.participants[index]
            self._train(participant, limit=None)
            self._record_screening(participant, spec, limit=None)
            if needs_guardian_consent(participant):
                self._give_consent(tokens[participant.pk])
            # Completing screening or consent promotes a participant who has everything.
            participant.refresh_from_db(fields=["status", "status_changed_at"])
            start = spec.path.index("ready")
            for position, to_status in enumerate(spec.path[start:], start=start + 1):
                if to_status == participant.status:
                    continue
                if to_status in {ParticipantStatus.MATCHED, ParticipantStatus.CLOSED}:
                    # Matches are made (and closed) for real afterwards, in pairs.
                    self.to_pair.append((participant, spec))
                    break
                self._step(participant, spec, to_status, last=position == len(spec.path))
        self._pair_planned()

    def _pair_planned(self) -> None:
        """
        Match the participants planned as matched or closed, then close the closed ones.

        Mentees are paired with the best-scoring mentor with room among those
        planned for the same final status (featured students first, so the demo
        logins are paired with each other), through the coordinator's
        pair-by-hand service; the closed ones are then closed without blame.
        """
        for program in self.programs.values():
            for final in (ParticipantStatus.MATCHED, ParticipantStatus.CLOSED):
                group = [
                    (p, s)
                    for p, s in self.to_pair
                    if p.program_id == program.pk and s.status == final
                ]
                mentors = [p for p, s in group if s.role == "mentor"]
                mentees = [p for p, s in group if s.role == "mentee"]
                room = {m.pk: m.capacity for m in mentors}
                made = []
                for mentee in mentees:
                    mentor = self._best_mentor(program, mentee, [m for m in mentors if room[m.pk]])
                    if mentor is None:
                        continue
                    room[mentor.pk] -= 1
                    made.append(
                        match_create_manual(
                            actor=self.coordinator, program=program, mentor=mentor, mentee=mentee
                        )
                    )
                # Close only once every pair of the group exists: a mentor with two
                # mentees is closed when the last of their matches closes.
                for match in made if final == ParticipantStatus.CLOSED else []:
                    match_close(
                        actor=self.coordinator,
                        match=match,
                        reason=self.rng.choice(["goals_met", "term_ended", "mismatch"]),
                        future_contact_allowed=self.rng.random() < 0.5,
                        mentor_would_mentor_again=self.rng.random() < 0.8,
                    )
                # A mentor planned as matched or closed with nobody to pair keeps that
                # status through the lifecycle alone, as the plan says.
                for mentor in mentors:
                    mentor.refresh_from_db(fields=["status"])
                    spec = next(s for p, s in group if p.pk == mentor.pk)
                    path = spec.path[spec.path.index(mentor.status) + 1 :]
                    for to_status in path:
                        self._step(mentor, spec, to_status, last=to_status == path[-1])
                for mentee in mentees:
                    mentee.refresh_from_db(fields=["status"])
                    spec = next(s for p, s in group if p.pk == mentee.pk)
                    path = spec.path[spec.path.index(mentee.status) + 1 :]
                    for to_status in path:
                        self._step(mentee, spec, to_status, last=to_status == path[-1])

    def _best_mentor(
        self, program: Program, mentee: Participant, mentors: Sequence[Participant]
    ) -> Participant | None:
        if not mentors:
            return None
        criteria = match_settings_for(program).criteria
        featured = [m for m in mentors if m.student.user.email in self.featured_emails]
        if mentee.student.user.email in self.featured_emails and featured:
            return featured[0]
        scored = [(explain_pair(mentee, m, criteria).score, -m.pk, m) for m in mentors]
        return max(scored, key=lambda t: (t[0], t[1]))[2]

    def _apply(self, spec: EnrolmentSpec) -> Participant:
        program = self.programs[spec.program]
        student = self.students[spec.student_email]
        if spec.referred:
            participant = referral_create(
                actor=self.referrers[spec.program],
                program=program,
                student=student,
                role=spec.role,
                note=spec.referral_note,
            )
            if not spec.submitted:
                return participant
        return application_submit(
            actor=student.user, program=program, role=spec.role, answers=self._answers(spec)
        )

    def _answers(self, spec: EnrolmentSpec) -> ApplicationAnswers:
        student = self.students[spec.student_email]
        subjects = [self.courses[code] for code in spec.subjects]
        return ApplicationAnswers(
            subjects=subjects,
            interests=student.interests,
            languages=student.languages,
            availability=student.availability,
            goals=spec.goals,
            meeting_mode=spec.meeting_mode,
            partner_preferences=spec.partner_preferences,
            motivation=spec.motivation,
            experience=spec.experience,
            subject_grades={c.pk: g for c, g in zip(subjects, spec.subject_grades, strict=False)},
        )

    def _step(
        self, participant: Participant, spec: EnrolmentSpec, to_status: str, *, last: bool
    ) -> None:
        """Move one step: a decision on an application, or a lifecycle transition."""
        reason = spec.reason if last else ""
        if participant.status == ParticipantStatus.APPLIED and to_status in _DECISIONS:
            decision = _DECISIONS[to_status]
            applications_decide(
                actor=self.coordinator,
                program=participant.program,
                participants=[participant],
                decision=decision,
                message=reason or DECISION_MESSAGES[decision],
            )
            return
        withdrawing_themselves = (
            to_status == ParticipantStatus.WITHDRAWN and reason == SELF_WITHDRAWAL
        )
        participant_transition(
            actor=participant.student.user if withdrawing_themselves else self.coordinator,
            participant=participant,
            to_status=to_status,
            reason=reason,
        )
        if to_status == ParticipantStatus.SCREENING and needs_guardian_consent(participant):
            consent_request(actor=self.coordinator, participant=participant)

    def _record_screening(
        self, participant: Participant, spec: EnrolmentSpec, *, limit: int | None
    ) -> None:
        """Record the first ``limit`` (or all) checklist items that apply to the participant."""
        applicable = [i for i in self.items[spec.program] if i.applies_to_role(spec.role)]
        latest = min(self.today, timezone.localdate())
        for item in applicable[:limit]:
            completed_on = latest - dt.timedelta(days=self.rng.randint(1, 30))
            screening_record_set(
                actor=self.coordinator,
                participant=participant,
                item=item,
                completed_on=completed_on,
            )

    def _train(self, participant: Participant, *, limit: int | None) -> None:
        """
        Complete training modules as the student, until their program's training is done.

        The required modules come first, then (for mentors) the other mentor
        modules in curriculum order until the program's minutes are met; at
        most ``limit`` modules for someone still in screening.
        """
        status = training_status(participant)
        todo = list(status.missing)
        short = status.minutes_required - status.minutes_done
        short -= sum(m.estimated_minutes for m in todo if m.audience in MENTOR_AUDIENCES)
        if short > 0:
            completed = set(
                ModuleProgress.objects.filter(
                    student=participant.student, completed_at__isnull=False
                ).values_list("module_id", flat=True)
            )
            for module in self.mentor_modules:
                if short <= 0:
                    break
                if module.pk not in completed and module not in todo:
                    todo.append(module)
                    short -= module.estimated_minutes
        for module in todo[:limit]:
            self._complete_module(participant.student, module)

    def _complete_module(self, student: StudentProfile, module: TrainingModule) -> None:
        if module.pk not in self.questions:
            self.questions[module.pk] = list(module.questions.order_by("order", "pk"))
        questions = self.questions[module.pk]
        if not questions:
            module_complete(actor=student.user, student=student, module=module)
            return
        right = {q.pk: q.correct_choice for q in questions}
        if self.rng.random() < 0.15:  # a first attempt with a slip, then a retry
            slip = questions[0]
            wrong = {**right, slip.pk: (slip.correct_choice + 1) % len(slip.choices)}
            quiz_submit(actor=student.user, student=student, module=module, answers=wrong)
        quiz_submit(actor=student.user, student=student, module=module, answers=right)

    def _give_consent(self, token: str) -> None:
        consent = consent_from_link(token)
        guardian = consent.guardian
        name = guardian.get_full_name() if guardian else consent.guardian_email
        consent_respond(token=token, give=True, guardian_name=name)
