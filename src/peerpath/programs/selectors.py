"""
Reads of programs and participants, always on behalf of a user.

A program the user cannot see answers 404 (its existence is not revealed);
a program they can see but not run answers 403.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from peerpath.core.access import scope_for
from peerpath.core.models import Role, RoleAssignment, User
from peerpath.programs.lifecycle import DISPLAY_ORDER
from peerpath.programs.models import Participant, ParticipantStatus, Program


def _managed_q(user: User) -> Q:
    scope = scope_for(user)
    return (
        Q(school_id__in=scope.schools_with(Role.COORDINATOR))
        | Q(school__organization_id__in=scope.admin_organization_ids)
        | Q(coordinators=user)
    )


def _visible_q(user: User) -> Q:
    scope = scope_for(user)
    return (
        _managed_q(user)
        | Q(school_id__in=scope.schools_with(Role.STAFF, Role.SAFEGUARDING_LEAD))
        | Q(participants__student__user=user)
        | Q(participants__student__guardian_links__guardian=user)
    )


def program_list_visible(user: User | AnonymousUser) -> QuerySet[Program]:
    """Programs the user can open: the ones they run, work in, take part in or guard a child in."""
    if not user.is_authenticated or not user.is_active:
        return Program.objects.none()
    assert isinstance(user, User)
    base = Program.objects.select_related("school", "school__organization")
    if user.is_superuser:
        return base.all()
    ids = Program.objects.filter(_visible_q(user)).values("pk")
    return base.filter(pk__in=ids)


def program_list_managed(user: User | AnonymousUser) -> QuerySet[Program]:
    """Programs the user coordinates."""
    if not user.is_authenticated or not user.is_active:
        return Program.objects.none()
    assert isinstance(user, User)
    base = Program.objects.select_related("school", "school__organization")
    if user.is_superuser:
        return base.all()
    ids = Program.objects.filter(_managed_q(user)).values("pk")
    return base.filter(pk__in=ids)


def program_can_manage(user: User | AnonymousUser, program: Program) -> bool:
    return program_list_managed(user).filter(pk=program.pk).exists()


def program_get_visible(user: User | AnonymousUser, pk: int) -> Program:
    """Return the program if ``user`` may see it; otherwise raise 404."""
    try:
        return program_list_visible(user).get(pk=pk)
    except Program.DoesNotExist:
        raise Http404("No such program.") from None


def program_get_managed(user: User | AnonymousUser, pk: int) -> Program:
    """Return the program if ``user`` runs it; 404 if they cannot see it, 403 if they only see it."""
    program = program_get_visible(user, pk)
    if not program_can_manage(user, program):
        raise PermissionDenied("Only the program's coordinators can do this.")
    return program


def program_status_counts(programs: Iterable[Program]) -> dict[int, dict[str, int]]:
    """Return ``{program_id: {status: count}}`` for every status, in lifecycle order."""
    ids = [p.pk for p in programs]
    counts: dict[int, Counter[str]] = {pk: Counter() for pk in ids}
    rows = (
        Participant.objects.filter(program_id__in=ids)
        .values("program_id", "status")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[row["program_id"]][row["status"]] = row["n"]
    return {pk: {status: c[status] for status in DISPLAY_ORDER} for pk, c in counts.items()}


def participant_list(
    *,
    user: User | AnonymousUser,
    program: Program,
    search: str = "",
    role: str = "",
    status: str = "",
) -> QuerySet[Participant]:
    """Participants of a program the user runs, filtered by name/e-mail, role and status."""
    if not program_can_manage(user, program):
        raise PermissionDenied("Only the program's coordinators can see its participants.")
    qs = Participant.objects.filter(program=program).select_related("student", "student__user")
    if role:
        qs = (
            qs.filter(Q(role=role) | Q(role="both"))
            if role in {"mentor", "mentee"}
            else qs.filter(role=role)
        )
    if status and status in ParticipantStatus.values:
        qs = qs.filter(status=status)
    for term in search.split():
        qs = qs.filter(
            Q(student__user__given_name__icontains=term)
            | Q(student__user__family_name__icontains=term)
            | Q(student__user__preferred_name__icontains=term)
            | Q(student__user__email__icontains=term)
        )
    return qs.order_by("student__user__family_name", "student__user__given_name", "pk")


def participations_for_student(user: User) -> QuerySet[Participant]:
    """The user's own participations, as a student."""
    return (
        Participant.objects.filter(student__user=user)
        .select_related("program", "program__school")
        .order_by("-program__term_start")
    )


def participations_for_guardian(user: User) -> QuerySet[Participant]:
    """Participations of the children a guardian is linked to."""
    return (
        Participant.objects.filter(student__guardian_links__guardian=user)
        .select_related("program", "program__school", "student__user")
        .order_by("student__user__given_name", "-program__term_start")
    )


def program_coordinators(program: Program) -> list[User]:
    """
    Who coordinates ``program``: its own coordinators and the school's, active only.

    For notices about the program (one e-mail per language, see
    :func:`peerpath.core.emails.email_users_on_commit`); not an access check.
    """
    school_ids = RoleAssignment.objects.filter(
        role=Role.COORDINATOR, school_id=program.school_id
    ).values("user_id")
    return list(
        User.objects.filter(Q(pk__in=school_ids) | Q(coordinated_programs=program), is_active=True)
        .distinct()
        .order_by("pk")
    )
