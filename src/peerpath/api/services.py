"""Writes for API tokens: issue one (its secret is returned once) and revoke it."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpath.api.models import ApiToken
from peerpath.core.access import scope_for
from peerpath.core.audit import audit_record
from peerpath.core.models import User

TOKEN_PREFIX = "pp"


@dataclass(frozen=True)
class IssuedToken:
    """A new token and the only copy of its full key."""

    token: ApiToken
    key: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def may_hold_token(user: User) -> bool:
    """Only staff (admins, coordinators, teachers, leads) get tokens; students and guardians use the app."""
    return user.is_active and (user.is_superuser or scope_for(user).is_staff_member)


@transaction.atomic
def api_token_create(*, actor: User | None, user: User, name: str) -> IssuedToken:
    """
    Issue a token for ``user`` named ``name``; ``actor`` is the user or an operator.

    ``actor=None`` is the ``peerpath api-token`` command run by an operator.
    """
    if actor is not None and actor.pk != user.pk and not actor.is_superuser:
        raise PermissionDenied(_("You can only create tokens for yourself."))
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name.")})
    if not may_hold_token(user):
        raise ValidationError(_("Only staff members can have API tokens."))
    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, prefix=prefix, secret_hash=hash_secret(secret))
    token.full_clean()
    token.save()
    audit_record(
        actor=actor,
        action="api.token.create",
        target=token,
        organization=user.organization,
        after={"user": user.pk, "name": name, "prefix": prefix},
    )
    return IssuedToken(token=token, key=f"{TOKEN_PREFIX}_{prefix}_{secret}")


@transaction.atomic
def api_token_revoke(*, actor: User | None, token: ApiToken) -> ApiToken:
    """Revoke ``token`` at once; revoking twice changes nothing."""
    if actor is not None and actor.pk != token.user_id and not actor.is_superuser:
        raise PermissionDenied(_("You can only revoke your own tokens."))
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="api.token.revoke",
        target=token,
        organization=token.user.organization,
        before={"revoked_at": None},
        after={"revoked_at": token.revoked_at},
    )
    return token


@transaction.atomic
def api_tokens_revoke_for_users(*, actor: User | None, user_ids: list[int]) -> int:
    """
    Revoke every live token of these users (they were deactivated); an access
    revoker registered with ``peerpath.core.deactivation``.
    """
    tokens = list(
        # of=self: the user's organization may be null (an outer join PostgreSQL cannot lock).
        ApiToken.objects.select_for_update(of=("self",))
        .select_related("user__organization")
        .filter(user_id__in=user_ids, revoked_at__isnull=True)
    )
    now = timezone.now()
    for token in tokens:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="api.token.revoke",
            target=token,
            organization=token.user.organization,
            before={"revoked_at": None},
            after={"revoked_at": now},
        )
    return len(tokens)
