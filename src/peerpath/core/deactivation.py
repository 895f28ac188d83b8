"""
Ending a person's access at once: their sessions, and whatever else other apps
hand out (API tokens, calendar feed links).

Core cannot import the apps above it, so they register an *access revoker*
here (in their ``AppConfig.ready``), as ``peerpath.programs`` does with
readiness checks. :func:`users_access_end` runs inside the caller's
transaction, so a deactivation and every revocation commit together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from django.db import transaction

from peerpath.core.models import User
from peerpath.core.sessions import sessions_end_for_users


class AccessRevoker(Protocol):
    def __call__(self, *, actor: User | None, user_ids: list[int]) -> int: ...


_REVOKERS: dict[str, AccessRevoker] = {}


def register_access_revoker(name: str, revoker: AccessRevoker) -> None:
    """
    Call ``revoker(actor=..., user_ids=[...])`` whenever people lose access;
    it revokes what it handed out and returns how many things it revoked.
    Registering the same name again replaces the revoker.
    """
    _REVOKERS[name] = revoker


def registered_access_revokers() -> dict[str, Callable[..., int]]:
    return dict(_REVOKERS)


@transaction.atomic
def users_access_end(*, actor: User | None, user_ids: Iterable[int]) -> dict[str, int]:
    """
    End every session of these users and run every registered revoker.

    Return how many of each kind were ended, e.g.
    ``{"sessions": 2, "api_tokens": 1, "calendar_feeds": 1}``.
    """
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    ended = {"sessions": sessions_end_for_users(ids)}
    for name, revoker in sorted(_REVOKERS.items()):
        ended[name] = revoker(actor=actor, user_ids=ids)
    return ended
