"""
Why a mentee is left unmatched, as a stable code with parameters, besides the
English sentence.

The engine is pure (no Django, hence no gettext): :func:`~.solve.solve` gives
every unmatched mentee's reason as a :class:`~.grouping.reasons.Reason` whose
``code`` and ``params`` an application turns into a sentence in the reader's
language (Peerpath's web app does in ``peerpath.matching.pair_reasons``), and
whose ``text`` is the English sentence of the engine's JSON and of ``peerpath
solve`` (docs/matching.md, "Unmatched reasons"). Codes and parameter names are
an interface: change one only together with its translations. Parameters hold
numbers, criterion names and engine field names, never people.

==============================  ==================================================
``no_mentors``
``no_mutually_acceptable``
``listed_all_forbidden``
``no_listed_pair``
``all_forbidden``
``passing_all_forbidden``
``hard_excludes_all``           ``criterion``
``hard_no_shared``              ``criterion``, ``field``, ``min``
``hard_no_same``                ``criterion``, ``field``
``hard_no_different``           ``criterion``, ``field``
``hard_gap``                    ``criterion``, ``field``, ``min``, ``max``
``hard_no_mutual_listing``      ``criterion``
``hard_combined``               ``criteria`` (names, in the problem's order)
``compatible_already_full``     ``count``
``compatible_full``             ``count`` (optimal, fair)
``compatible_full_ranked``      ``count`` (stable)
``compatible_full_at_turn``     ``count`` (greedy)
``acceptable_full_ranked``      ``count`` (stable with explicit preferences)
==============================  ==================================================
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .grouping.reasons import Reason

__all__ = ["PAIR_REASON_CODES", "Reason", "pair_reason"]


def _criteria(names: Sequence[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def _shares(need: int, field: str) -> str:
    return (
        f"at least {need} of the mentee's {field}" if need != 1 else f"any of the mentee's {field}"
    )


def _excludes(criterion: str) -> str:
    return f'hard criterion "{criterion}" excludes every mentor'


_ENGLISH: dict[str, Callable[..., str]] = {
    "no_mentors": lambda: "there are no mentors",
    "no_mutually_acceptable": lambda: (
        "no mutually acceptable mentor (a pair must be listed by both sides)"
    ),
    "listed_all_forbidden": lambda: "every listed mentor is a forbidden pair",
    "no_listed_pair": lambda: "no allowed pair is listed for this mentee",
    "all_forbidden": lambda: "every mentor is a forbidden pair",
    "passing_all_forbidden": lambda: (
        "every mentor that passes the hard criteria is a forbidden pair"
    ),
    "hard_excludes_all": lambda criterion: _excludes(criterion),
    "hard_no_shared": lambda criterion, field, min: (
        f"{_excludes(criterion)}: no mentor shares {_shares(min, field)}"
    ),
    "hard_no_same": lambda criterion, field: (
        f"{_excludes(criterion)}: no mentor has the same {field}"
    ),
    "hard_no_different": lambda criterion, field: (
        f"{_excludes(criterion)}: no mentor has a different {field}"
    ),
    "hard_gap": lambda criterion, field, min, max: (
        f"{_excludes(criterion)}: no mentor's {field} is {min:g} to {max:g} above the mentee's"
    ),
    "hard_no_mutual_listing": lambda criterion: (
        f"{_excludes(criterion)}: no mutually listed mentor"
    ),
    "hard_combined": lambda criteria: (
        f"no mentor passes all hard criteria together ({_criteria(criteria)})"
    ),
    "compatible_already_full": lambda count: (
        f"every compatible mentor ({count}) is already full (existing load or locked pairs)"
    ),
    "compatible_full": lambda count: (
        f"every compatible mentor ({count}) is full, and no reassignment can match more mentees"
    ),
    "compatible_full_ranked": lambda count: (
        f"every compatible mentor ({count}) is full with mentees it ranks higher"
    ),
    "compatible_full_at_turn": lambda count: (
        f"every compatible mentor ({count}) was full when this mentee's turn came"
    ),
    "acceptable_full_ranked": lambda count: (
        f"every mutually acceptable mentor ({count}) is full with mentees it ranks higher"
    ),
}

#: Every code an unmatched mentee's reason can have.
PAIR_REASON_CODES = frozenset(_ENGLISH)


def pair_reason(code: str, **params: Any) -> Reason:
    """Return the unmatched reason ``code`` with ``params`` and its English text."""
    return Reason(code, params, _ENGLISH[code](**params))
