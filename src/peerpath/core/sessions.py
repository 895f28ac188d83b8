"""
Database sessions that record their user (``SESSION_ENGINE``).

Django's own database sessions cannot be found by user without decoding every
row; :class:`~peerpath.core.models.UserSession` keeps the user's id next to the
session, so :func:`sessions_end_for_users` ends all of a person's logins at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

from peerpath.core.models import UserSession


class SessionStore(DatabaseSessionStore):
    """Django's database session store, on :class:`UserSession`."""

    @classmethod
    def get_model_class(cls) -> type[UserSession]:
        return UserSession

    def create_model_instance(self, data: dict[str, Any]) -> UserSession:
        instance = super().create_model_instance(data)
        assert isinstance(instance, UserSession)
        try:
            instance.user_id = int(data[SESSION_KEY])
        except (KeyError, TypeError, ValueError):
            instance.user_id = None
        return instance


def sessions_end_for_users(user_ids: Iterable[int]) -> int:
    """Delete every session of these users; return how many there were."""
    deleted, _by_model = UserSession.objects.filter(user_id__in=list(user_ids)).delete()
    return deleted
