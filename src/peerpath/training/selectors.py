"""
Reads of training: what a participant must complete, and how far they are.

The readiness rule for training lives here (:func:`training_missing`) and is
registered with the participant lifecycle in :class:`~peerpath.training.apps.TrainingConfig`.
Status is computed for many participants at once (:func:`training_statuses`)
in a fixed number of queries, so the coordinator's progress table costs the
same for ten participants as for a thousand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from peerpath.core.models import User
from peerpath.people.models import StudentProfile
from peerpath.programs.models import Participant, ParticipantRole, ParticipantStatus, Program
from peerpath.programs.selectors import program_can_manage
from peerpath.training.models import (
    Audience,
    ModuleProgress,
    ProgramModule,
    QuizQuestion,
    RequiredFor,
    TrainingModule,
)

__all__ = [
    "INACTIVE_STATUSES",
    "ModuleState",
    "TrainingStatus",
    "module_get_for_user",
    "module_questions",
    "modules_available",
    "program_requirements",
    "program_training_progress",
    "progress_for",
    "required_roles",
    "student_participations",
    "student_profile_for",
    "training_missing",
    "training_status",
    "training_statuses",
]

#: Participants in these statuses have left (or not entered) the program:
#: they are not shown training they still owe, nor reminded of it.
INACTIVE_STATUSES: frozenset[str] = frozenset(
    {ParticipantStatus.DECLINED, ParticipantStatus.WITHDRAWN, ParticipantStatus.CLOSED}
)

#: Audiences whose modules count toward a program's mentor training minutes.
MENTOR_AUDIENCES: frozenset[str] = frozenset({Audience.MENTOR, Audience.ALL})


@dataclass(frozen=True)
class ModuleState:
    """One module as one student stands with it."""

    module: TrainingModule
    progress: ModuleProgress | None
    role: str = ""

    @property
    def completed(self) -> bool:
        return self.progress is not None and self.progress.completed_at is not None

    @property
    def started(self) -> bool:
        return self.progress is not None


@dataclass(frozen=True)
class TrainingStatus:
    """
    Where a participant stands with the training their program requires.

    ``minutes_done`` sums the estimated minutes of the mentor modules the
    student has *completed*; ``minutes_required`` is the program's
    ``mentor_training_minutes`` for mentors (and for role "both"), 0 for mentees.
    """

    participant: Participant
    modules: list[ModuleState] = field(default_factory=list)
    minutes_done: int = 0
    minutes_required: int = 0

    @property
    def done(self) -> list[TrainingModule]:
        return [state.module for state in self.modules if state.completed]

    @property
    def missing(self) -> list[TrainingModule]:
        return [state.module for state in self.modules if not state.completed]

    @property
    def minutes_met(self) -> bool:
        return self.minutes_done >= self.minutes_required

    @property
    def minutes_to_go(self) -> int:
        return max(self.minutes_required - self.minutes_done, 0)

    @property
    def complete(self) -> bool:
        return self.minutes_met and not self.missing


def required_roles(participant_role: str) -> list[str]:
    """The requirement roles (mentor, mentee) that apply to a participant's role."""
    if participant_role == ParticipantRole.BOTH:
        return [RequiredFor.MENTOR, RequiredFor.MENTEE]
    return [participant_role]


def _is_mentor(participant: Participant) -> bool:
    return participant.role in {ParticipantRole.MENTOR, ParticipantRole.BOTH}


def training_statuses(participants: Sequence[Participant]) -> dict[int, TrainingStatus]:
    """Return ``{participant_id: TrainingStatus}`` for many participants, in three queries."""
    if not participants:
        return {}
    program_ids = {p.program_id for p in participants}
    student_ids = {p.student_id for p in participants}
    requirements: dict[tuple[int, str], list[TrainingModule]] = defaultdict(list)
    rows = (
        ProgramModule.objects.filter(program_id__in=program_ids, module__is_active=True)
        .select_related("module")
        .order_by("module__order", "module__title", "module_id")
    )
    for row in rows:
        requirements[(row.program_id, row.role)].append(row.module)
    progress: dict[int, dict[int, ModuleProgress]] = defaultdict(dict)
    for item in ModuleProgress.objects.filter(student_id__in=student_ids).select_related("module"):
        progress[item.student_id][item.module_id] = item
    minutes_required = dict(
        Program.objects.filter(pk__in=program_ids).values_list("pk", "mentor_training_minutes")
    )

    statuses: dict[int, TrainingStatus] = {}
    for participant in participants:
        mine = progress.get(participant.student_id, {})
        states: list[ModuleState] = []
        seen: set[int] = set()
        for role in required_roles(participant.role):
            for module in requirements.get((participant.program_id, role), []):
                if module.pk not in seen:
                    seen.add(module.pk)
                    states.append(
                        ModuleState(module=module, progress=mine.get(module.pk), role=role)
                    )
        is_mentor = _is_mentor(participant)
        minutes_done = (
            sum(
                item.module.estimated_minutes
                for item in mine.values()
                if item.completed_at is not None and item.module.audience in MENTOR_AUDIENCES
            )
            if is_mentor
            else 0
        )
        statuses[participant.pk] = TrainingStatus(
            participant=participant,
            modules=states,
            minutes_done=minutes_done,
            minutes_required=minutes_required[participant.program_id] if is_mentor else 0,
        )
    return statuses


def training_status(participant: Participant) -> TrainingStatus:
    """Return where ``participant`` stands with their program's required training."""
    return training_statuses([participant])[participant.pk]


def training_missing(participant: Participant) -> list[str]:
    """
    Return what training ``participant`` still lacks, one sentence per gap.

    This is the training readiness check: an empty list means the participant
    has done all the training their program asks of their role.
    """
    status = training_status(participant)
    reasons = [
        _("Training: “%(title)s” is not completed.") % {"title": module.title}
        for module in status.missing
    ]
    if not status.minutes_met:
        reasons.append(
            _("Training: %(done)d of %(required)d minutes completed.")
            % {"done": status.minutes_done, "required": status.minutes_required}
        )
    return reasons


# --- Modules and progress, for students and coordinators ---------------------


def modules_available(organization_id: int | None) -> QuerySet[TrainingModule]:
    """Active modules offered in an organization: the starter curriculum and its own."""
    return TrainingModule.objects.filter(
        Q(organization__isnull=True) | Q(organization_id=organization_id), is_active=True
    ).order_by("order", "title", "pk")


def student_profile_for(user: User | AnonymousUser) -> StudentProfile | None:
    """Return the user's student profile, or ``None`` for anyone who is not a student."""
    if not user.is_authenticated:
        return None
    try:
        return StudentProfile.objects.select_related("school").get(user_id=user.pk)
    except StudentProfile.DoesNotExist:
        return None


def _organization_of(user: User) -> int | None:
    """A student belongs to their school's organization; staff to their own."""
    school_org = (
        StudentProfile.objects.filter(user_id=user.pk)
        .values_list("school__organization_id", flat=True)
        .first()
    )
    return school_org if school_org is not None else user.organization_id


def module_get_for_user(user: User | AnonymousUser, pk: int) -> TrainingModule:
    """
    Return an active module the user may read, or raise 404.

    Students and staff read the starter curriculum and their own
    organization's modules; another organization's modules do not exist for them.
    """
    if not user.is_authenticated:
        raise Http404("No such module.")
    assert isinstance(user, User)
    qs = (
        TrainingModule.objects.filter(is_active=True)
        if user.is_superuser
        else modules_available(_organization_of(user))
    )
    try:
        return qs.get(pk=pk)
    except TrainingModule.DoesNotExist:
        raise Http404("No such module.") from None


def module_questions(module: TrainingModule) -> list[QuizQuestion]:
    return list(module.questions.order_by("order", "pk"))


def progress_for(
    student: StudentProfile, modules: Iterable[TrainingModule]
) -> dict[int, ModuleProgress]:
    """Return ``{module_id: ModuleProgress}`` of ``student`` for ``modules`` they have started."""
    ids = [m.pk for m in modules]
    return {
        p.module_id: p for p in ModuleProgress.objects.filter(student=student, module_id__in=ids)
    }


def student_participations(student: StudentProfile) -> list[Participant]:
    """The student's current participations (not declined, withdrawn or closed)."""
    return list(
        Participant.objects.filter(student=student)
        .exclude(status__in=INACTIVE_STATUSES)
        .select_related("program", "program__school", "student")
        .order_by("program__name", "pk")
    )


def program_training_progress(
    *, user: User | AnonymousUser, program: Program
) -> list[TrainingStatus]:
    """Every current participant of a program the user runs, with their training status."""
    if not program_can_manage(user, program):
        raise PermissionDenied("Only the program's coordinators can see training progress.")
    participants = list(
        Participant.objects.filter(program=program)
        .exclude(status__in=INACTIVE_STATUSES)
        .select_related("student", "student__user", "program")
        .order_by("student__user__family_name", "student__user__given_name", "pk")
    )
    statuses = training_statuses(participants)
    return [statuses[p.pk] for p in participants]


def program_requirements(program: Program) -> dict[str, list[TrainingModule]]:
    """Return ``{"mentor": [...], "mentee": [...]}``: the modules ``program`` requires."""
    required: dict[str, list[TrainingModule]] = {role: [] for role in RequiredFor.values}
    rows = (
        ProgramModule.objects.filter(program=program)
        .select_related("module")
        .order_by("module__order", "module__title", "module_id")
    )
    for row in rows:
        required[row.role].append(row.module)
    return required
