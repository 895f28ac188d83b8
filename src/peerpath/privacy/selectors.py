"""Who may export or erase whose data."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from peerpath.core.access import scope_for
from peerpath.core.models import Role, RoleAssignment, School, User
from peerpath.people.models import GuardianLink, StudentProfile
from peerpath.privacy.erasure import ERASED_DOMAIN
from peerpath.programs.models import Participant

__all__ = ["PersonAccess", "person_get_for_privacy", "person_participations", "person_schools"]


def person_schools(person: User) -> list[School]:
    """The schools a person belongs to: as a student, a guardian's child, or staff."""
    ids: set[int] = set(
        StudentProfile.objects.filter(user=person).values_list("school_id", flat=True)
    )
    ids |= set(
        GuardianLink.objects.filter(guardian=person).values_list("student__school_id", flat=True)
    )
    ids |= {
        pk
        for pk in RoleAssignment.objects.filter(user=person).values_list("school_id", flat=True)
        if pk is not None
    }
    return list(School.objects.filter(pk__in=ids).select_related("organization"))


class PersonAccess:
    """What a viewer may do with one person's data."""

    def __init__(self, person: User, schools: list[School], *, can_erase: bool) -> None:
        self.person = person
        self.schools = schools
        self.erased = person.email.endswith(ERASED_DOMAIN)
        self.can_erase = can_erase and not self.erased


def person_get_for_privacy(
    viewer: User | AnonymousUser, pk: int, *, erase: bool = False
) -> PersonAccess:
    """
    Return the person ``pk`` if ``viewer`` may export their data.

    Coordinators of one of the person's schools and admins of the person's
    organization may export; only the admins may erase. A person outside the
    viewer's schools is a 404; a person in them whom the viewer may not
    export (the viewer is a teacher or a safeguarding lead there) or erase
    (a coordinator) is a 403.
    """
    scope = scope_for(viewer)
    if scope.user_id is None:
        raise Http404
    person = User.objects.select_related("organization").filter(pk=pk).first()
    if person is None:
        raise Http404
    schools = person_schools(person)
    organization_ids = {s.organization_id for s in schools}
    if person.organization_id is not None:
        organization_ids.add(person.organization_id)
    is_admin = any(scope.is_org_admin(org) for org in organization_ids)
    coordinates = any(scope.has_school_role(s.pk, Role.COORDINATOR) for s in schools)
    sees = any(scope.school_roles.get(s.pk) for s in schools)
    if not (is_admin or coordinates):
        if sees:
            raise PermissionDenied
        raise Http404
    if erase and not is_admin:
        raise PermissionDenied
    return PersonAccess(person, schools, can_erase=is_admin)


def person_participations(person: User) -> list[Participant]:
    return list(
        Participant.objects.filter(student__user=person)
        .select_related("program__school")
        .order_by("-program__term_start")
    )
