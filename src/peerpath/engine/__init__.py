"""
Peerpath's matching engine: pure NumPy/SciPy/OR-Tools, no Django.

Build a :class:`Problem` (or read one with :func:`problem_from_dict`) and
call :func:`solve`; see docs/matching.md.
"""

from .io import problem_from_dict
from .problem import (
    CRITERION_KINDS,
    SCORE_SCALE,
    Criterion,
    Mentee,
    Mentor,
    Preferences,
    Problem,
    ProblemError,
    validate_problem,
)
from .solve import MODES, Assignment, MatchResult, Unmatched, solve

__all__ = [
    "CRITERION_KINDS",
    "MODES",
    "SCORE_SCALE",
    "Assignment",
    "Criterion",
    "MatchResult",
    "Mentee",
    "Mentor",
    "Preferences",
    "Problem",
    "ProblemError",
    "Unmatched",
    "problem_from_dict",
    "solve",
    "validate_problem",
]
