"""
Reads for the API that no domain app owns yet.

Organizations and schools are read through the user's
:func:`~peerpath.core.access.scope_for`, exactly as the web app decides which
schools a person works in; tokens are only ever read by their owner.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from peerpath.api.models import ApiToken
from peerpath.core.access import scope_for
from peerpath.core.models import Organization, School, User


def organization_list_visible(user: User | AnonymousUser) -> QuerySet[Organization]:
    """Organizations the user administers or holds a staff role in one of whose schools."""
    if not user.is_authenticated or not user.is_active:
        return Organization.objects.none()
    if user.is_superuser:
        return Organization.objects.all()
    scope = scope_for(user)
    ids = set(scope.admin_organization_ids) | set(scope.school_organization.values())
    return Organization.objects.filter(pk__in=ids)


def school_list_visible(user: User | AnonymousUser) -> QuerySet[School]:
    """Schools of the organizations the user administers, and schools they hold a role in."""
    if not user.is_authenticated or not user.is_active:
        return School.objects.none()
    base = School.objects.select_related("organization")
    if user.is_superuser:
        return base.all()
    scope = scope_for(user)
    return base.filter(
        Q(organization_id__in=scope.admin_organization_ids) | Q(pk__in=scope.school_roles.keys())
    )


def api_token_list(user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first, revoked ones included."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def api_token_get_own(user: User, pk: int) -> ApiToken:
    """One of the user's own tokens; anyone else's is a 404."""
    token = api_token_list(user).filter(pk=pk).first()
    if token is None:
        raise Http404
    return token
