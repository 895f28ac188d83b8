"""
Who may see and do what.

:func:`scope_for` summarises a user's staff roles once per request; selectors
and services ask it questions instead of reading role rows themselves, so the
rules live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from peerpath.core.models import Role, RoleAssignment, School, User

_CACHE_ATTR = "_peerpath_scope"


@dataclass(frozen=True)
class Scope:
    """The organizations and schools in which a user holds each staff role."""

    user_id: int | None
    is_superuser: bool = False
    admin_organization_ids: frozenset[int] = frozenset()
    school_roles: dict[int, frozenset[str]] = field(default_factory=dict)
    school_organization: dict[int, int] = field(default_factory=dict)

    def schools_with(self, *roles: str) -> frozenset[int]:
        """Return ids of schools where the user holds any of ``roles``."""
        wanted = set(roles)
        return frozenset(s for s, held in self.school_roles.items() if held & wanted)

    def is_org_admin(self, organization_id: int | None = None) -> bool:
        if organization_id is None:
            return bool(self.admin_organization_ids)
        return organization_id in self.admin_organization_ids

    def can_manage_school(self, school: School) -> bool:
        """Coordinators of the school and admins of its organization manage it."""
        return self.is_org_admin(
            school.organization_id
        ) or Role.COORDINATOR in self.school_roles.get(school.pk, frozenset())

    def has_school_role(self, school_id: int, *roles: str) -> bool:
        return bool(self.school_roles.get(school_id, frozenset()) & set(roles))

    @property
    def is_staff_member(self) -> bool:
        return bool(self.admin_organization_ids or self.school_roles)

    def managed_schools_q(self, prefix: str = "") -> Q:
        """A ``Q`` selecting rows whose school this user manages."""
        coordinator_schools = self.schools_with(Role.COORDINATOR)
        return Q(**{f"{prefix}pk__in": coordinator_schools}) | Q(
            **{f"{prefix}organization_id__in": self.admin_organization_ids}
        )


_ANONYMOUS = Scope(user_id=None)


def scope_for(user: User | AnonymousUser) -> Scope:
    """Return (and cache on the user object) the user's :class:`Scope`."""
    if not user.is_authenticated or not user.is_active:
        return _ANONYMOUS
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    admin_orgs: set[int] = set()
    school_roles: dict[int, set[str]] = {}
    school_org: dict[int, int] = {}
    rows = RoleAssignment.objects.filter(user_id=user.pk).values_list(
        "role", "organization_id", "school_id"
    )
    for role, organization_id, school_id in rows:
        if role == Role.ORG_ADMIN:
            admin_orgs.add(organization_id)
        elif school_id is not None:
            school_roles.setdefault(school_id, set()).add(role)
            school_org[school_id] = organization_id
    scope = Scope(
        user_id=user.pk,
        is_superuser=user.is_superuser,
        admin_organization_ids=frozenset(admin_orgs),
        school_roles={k: frozenset(v) for k, v in school_roles.items()},
        school_organization=school_org,
    )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user: User) -> None:
    """Drop the cached scope, after a role has been granted or removed."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def schools_managed_by(user: User) -> list[School]:
    """Return the schools in which ``user`` may create and run programs."""
    scope = scope_for(user)
    if scope.user_id is None:
        return []
    return list(
        School.objects.filter(scope.managed_schools_q())
        .select_related("organization")
        .order_by("name")
    )


def school_role_holders(school_id: int, role: str) -> list[User]:
    """The active users holding ``role`` in the school, in a stable order (for notices)."""
    ids = RoleAssignment.objects.filter(role=role, school_id=school_id).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))
