"""
The directory opt-out: students who are hidden from what other students see.

A student whose profile has ``directory_opt_out`` (set by the school, often
imported from the roster) does not appear in any list that a *peer* can see:
the mentors a mentee may ask, the members of a study group, the attendance of
a group session. Coordinators and staff still see them, and so do their own
match partner and the peer leader of their group, who need them to meet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from peerpath.people.models import StudentProfile

__all__ = ["peer_visible"]

T = TypeVar("T")


def peer_visible(
    items: Iterable[T], *, viewer_id: int | None, profile_of: Callable[[T], StudentProfile]
) -> tuple[list[T], int]:
    """
    Return the items a peer may see, and how many were hidden.

    The viewer always sees themselves.
    """
    shown: list[T] = []
    hidden = 0
    for item in items:
        profile = profile_of(item)
        if profile.directory_opt_out and profile.user_id != viewer_id:
            hidden += 1
        else:
            shown.append(item)
    return shown, hidden
