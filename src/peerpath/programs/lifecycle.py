"""
The participant status lifecycle, in one place.

``applied → screening → ready → matched → closed``, with ``waitlisted``,
``declined`` and ``withdrawn`` as side exits. ``paused`` holds a participant
whose guardian withdrew consent; they go back through screening. A closed
participant can become ready again to be rematched; a withdrawn or declined
one can apply again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from peerpath.programs.models import ParticipantStatus as S

if TYPE_CHECKING:
    from peerpath.programs.models import Participant

TRANSITIONS: dict[str, frozenset[str]] = {
    S.APPLIED: frozenset({S.SCREENING, S.WAITLISTED, S.DECLINED, S.WITHDRAWN}),
    S.SCREENING: frozenset({S.READY, S.WAITLISTED, S.PAUSED, S.WITHDRAWN}),
    S.WAITLISTED: frozenset({S.SCREENING, S.DECLINED, S.WITHDRAWN}),
    S.READY: frozenset({S.MATCHED, S.SCREENING, S.WAITLISTED, S.PAUSED, S.WITHDRAWN}),
    S.MATCHED: frozenset({S.CLOSED, S.READY, S.PAUSED}),
    S.PAUSED: frozenset({S.SCREENING, S.WITHDRAWN}),
    S.CLOSED: frozenset({S.READY}),
    S.DECLINED: frozenset({S.APPLIED}),
    S.WITHDRAWN: frozenset({S.APPLIED}),
}

# The order statuses are shown in, following the lifecycle.
DISPLAY_ORDER: list[str] = [
    S.APPLIED,
    S.SCREENING,
    S.READY,
    S.MATCHED,
    S.CLOSED,
    S.PAUSED,
    S.WAITLISTED,
    S.DECLINED,
    S.WITHDRAWN,
]


class TransitionNotAllowedError(ValueError):
    """A status change that the lifecycle does not permit."""

    def __init__(self, from_status: str, to_status: str) -> None:
        self.from_status = from_status
        self.to_status = to_status
        super().__init__(
            f"A participant cannot go from {S(from_status).label} to {S(to_status).label}."
        )


def allowed_next(status: str) -> frozenset[str]:
    return TRANSITIONS.get(status, frozenset())


def check_transition(from_status: str, to_status: str) -> None:
    """Raise :class:`TransitionNotAllowedError` unless the move is in the lifecycle."""
    if to_status not in allowed_next(from_status):
        raise TransitionNotAllowedError(from_status, to_status)


# --- Readiness -------------------------------------------------------------
#
# A participant may only become ``ready`` (and so be matched) once screening,
# consent and training are complete. Those rules live in the apps that own
# the data (screening, consent, training); each registers a check here from
# its AppConfig.ready(), and :func:`readiness_missing` is the one place that
# asks them all.

ReadinessCheck = Callable[["Participant"], list[str]]
_READINESS_CHECKS: dict[str, ReadinessCheck] = {}


def register_readiness_check(name: str, check: ReadinessCheck) -> None:
    """Register ``check``: it returns what ``participant`` still lacks (empty when done)."""
    _READINESS_CHECKS[name] = check


def readiness_missing(participant: Participant) -> list[str]:
    """Return, in a stable order, every reason the participant is not yet ready."""
    missing: list[str] = []
    for name in sorted(_READINESS_CHECKS):
        missing.extend(_READINESS_CHECKS[name](participant))
    return missing


class NotReadyError(ValueError):
    """The participant cannot be ready: ``missing`` says what is lacking."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__("Not ready: " + "; ".join(missing))


# Apps that can move a participant forward once nothing is missing (the
# recruitment app promotes ``screening`` to ``ready``) listen here; apps whose
# data feeds readiness (training) call :func:`notify_readiness_changed`.
ReadinessListener = Callable[["Participant"], object]
_READINESS_LISTENERS: dict[str, ReadinessListener] = {}


def register_readiness_listener(name: str, listener: ReadinessListener) -> None:
    _READINESS_LISTENERS[name] = listener


def notify_readiness_changed(participant: Participant) -> None:
    """Tell the listeners that something readiness depends on changed for ``participant``."""
    for name in sorted(_READINESS_LISTENERS):
        _READINESS_LISTENERS[name](participant)
