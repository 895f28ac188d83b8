"""
Who may import rosters, and which import runs each person sees.

- A OneRoster roster is imported into a whole organization: only its
  organization admins (and superusers) may do it and see those runs.
- A plain student CSV is imported into one school: its coordinators and its
  organization's admins may do it and see those runs.

A run outside the user's scope is a 404. A run the user can tell exists but
may not open — staff of the school, or anyone with a role in the organization
for an organization-wide run — is a 403, as elsewhere in Peerpath.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from peerpath.core.access import scope_for
from peerpath.core.models import Organization, Role, School, User
from peerpath.rosters.models import RosterImport

__all__ = [
    "can_import_rosters",
    "oneroster_organizations",
    "roster_import_get",
    "roster_imports_visible",
    "student_import_schools",
]


def oneroster_organizations(user: User | AnonymousUser) -> list[Organization]:
    """Organizations into which ``user`` may import a OneRoster roster."""
    if not user.is_authenticated:
        return []
    organizations = Organization.objects.order_by("name")
    if getattr(user, "is_superuser", False):
        return list(organizations)
    return list(organizations.filter(pk__in=scope_for(user).admin_organization_ids))


def student_import_schools(user: User | AnonymousUser) -> list[School]:
    """Schools into which ``user`` may import students from a plain CSV file."""
    if not user.is_authenticated:
        return []
    schools = School.objects.select_related("organization").order_by("name")
    if getattr(user, "is_superuser", False):
        return list(schools)
    return list(schools.filter(scope_for(user).managed_schools_q()))


def can_import_rosters(user: User | AnonymousUser) -> bool:
    """Whether the import page is for ``user`` at all (the navigation asks)."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    scope = scope_for(user)
    return scope.is_org_admin() or bool(scope.schools_with(Role.COORDINATOR))


def roster_imports_visible(user: User | AnonymousUser) -> QuerySet[RosterImport]:
    """Every run ``user`` may open, newest first."""
    runs = RosterImport.objects.select_related("organization", "school", "actor")
    if not user.is_authenticated:
        return runs.none()
    if getattr(user, "is_superuser", False):
        return runs
    scope = scope_for(user)
    return runs.filter(
        Q(organization_id__in=scope.admin_organization_ids)
        | Q(
            kind=RosterImport.Kind.CSV,
            school_id__in=scope.schools_with(Role.COORDINATOR),
        )
    )


def roster_import_get(user: User | AnonymousUser, pk: int) -> RosterImport:
    """A run ``user`` may open: 404 outside their scope, 403 when only their role is wrong."""
    found = roster_imports_visible(user).filter(pk=pk).first()
    if found is not None:
        return found
    run = RosterImport.objects.filter(pk=pk).only("organization_id", "school_id", "kind").first()
    if run is None or not user.is_authenticated:
        raise Http404
    scope = scope_for(user)
    if run.school_id is not None and scope.has_school_role(
        run.school_id, Role.COORDINATOR, Role.STAFF, Role.SAFEGUARDING_LEAD
    ):
        raise PermissionDenied  # staff of the school; or its coordinator, for a OneRoster run
    if run.school_id is None and run.organization_id in scope.school_organization.values():
        raise PermissionDenied  # a OneRoster run of their organization: admins only
    raise Http404
