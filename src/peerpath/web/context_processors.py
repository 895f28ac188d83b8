"""What the navigation shows each person."""

from __future__ import annotations

from django.http import HttpRequest

from peerpath.core.access import scope_for
from peerpath.core.models import Role
from peerpath.rosters.selectors import can_import_rosters


def navigation(request: HttpRequest) -> dict[str, bool]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    return {
        "nav_is_student": hasattr(user, "student_profile"),
        "nav_is_safeguarding_lead": bool(scope.schools_with(Role.SAFEGUARDING_LEAD)),
        "nav_sees_insights": user.is_superuser
        or scope.is_org_admin()
        or bool(scope.schools_with(Role.COORDINATOR)),
        "nav_can_import_roster": can_import_rosters(user),
    }
