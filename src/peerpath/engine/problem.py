"""
The matching problem: mentors, mentees, criteria and constraints.

Everything here is an immutable value object.  ``validate_problem`` checks a
:class:`Problem` and raises :class:`ProblemError` with a message that names the
offending entry, e.g. ``mentors[3] ("t9"): capacity must be >= 1, got -1``.

Score scale
-----------
Every pair score lives on a fixed grid of ``1 / SCORE_SCALE`` (one
micro-point).  With criteria, the weights are normalised to sum to 1, so a
score is in ``[0, 1]`` and each criterion contributes
``round(weight / total_weight * value * SCORE_SCALE)`` micro-points, with
``value`` in ``[0, 1]``; the contributions add up exactly to the score.
Scores given directly (the ``scores`` form) are rounded to the same grid and
must lie in ``[-MAX_DIRECT_SCORE, MAX_DIRECT_SCORE]``.  Optimality is exact on
that grid.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = [
    "CRITERION_KINDS",
    "MAX_DIRECT_SCORE",
    "SCORE_SCALE",
    "Criterion",
    "Mentee",
    "Mentor",
    "Preferences",
    "Problem",
    "ProblemError",
    "validate_problem",
]

SCORE_SCALE = 1_000_000
"""Micro-points per score point: scores are exact multiples of ``1e-6``."""

MAX_DIRECT_SCORE = 1000.0
"""Largest absolute score accepted in the direct ``scores`` form."""

CRITERION_KINDS = ("overlap", "jaccard", "category", "gap", "preference")
"""
The criterion kinds.

``overlap``
    Sets: the share of the mentee's set that the mentor's set covers
    (``|A & B| / |A|``), or ``min(|A & B|, target) / target`` when the
    ``target`` parameter is given.  Parameter ``min`` (default 1) is the
    smallest shared count a hard criterion accepts (e.g. 2 free slots).
``jaccard``
    Sets: ``|A & B| / |A | B|``.  Hard: at least ``min`` (default 1) shared.
``category``
    A value or a set of values.  Parameter ``prefer``: ``"similar"`` (value 1
    when they share a value) or ``"diverse"`` (value 1 when both are given
    and share none).  Hard: the value must be 1.
``gap``
    Numbers: ``d = mentor - mentee``; value 1 when ``min <= d <= max``
    (parameters, default 1 and 3), falling linearly to 0 over ``falloff``
    (default 1) outside.  Hard: inside the range.
``preference``
    Stated preferences: the mentee field lists mentor ids and/or the mentor
    field lists mentee ids, most preferred first.  A side's value is
    ``1 - rank / len(list)`` for a listed pair and 0 otherwise; with both
    sides the value is their mean.  Hard: listed by every side given.
"""


class ProblemError(ValueError):
    """Invalid input; the message names the offending entry."""


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, slots=True)
class Mentor:
    """A mentor with a ``capacity`` (>= 1) of whom ``load`` are already taken."""

    id: str
    capacity: int = 1
    load: int = 0
    attributes: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "attributes", _frozen(self.attributes))


@dataclass(frozen=True, slots=True)
class Mentee:
    """A mentee to be matched to at most one mentor."""

    id: str
    attributes: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "attributes", _frozen(self.attributes))


@dataclass(frozen=True, slots=True)
class Criterion:
    """
    One thing the coordinator cares about.

    Parameters
    ----------
    name : str
        Unique name, used as the key of the explanation.
    kind : str
        One of :data:`CRITERION_KINDS`.
    mentee_field, mentor_field : str or None
        The attribute read on each side (only ``preference`` may omit one).
    weight : float
        Non-negative weight; weights are normalised to sum to 1.
    hard : bool
        When true, a pair failing the criterion is not allowed.
    params : mapping
        Kind parameters (``min``, ``target``, ``prefer``, ``max``, ``falloff``).
    """

    name: str
    kind: str
    mentee_field: str | None
    mentor_field: str | None
    weight: float = 1.0
    hard: bool = False
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _frozen(self.params))


@dataclass(frozen=True, slots=True)
class Preferences:
    """Explicit preference lists (most preferred first) for the stable mode."""

    mentees: Mapping[str, tuple[str, ...]]
    mentors: Mapping[str, tuple[str, ...]]

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "mentees", MappingProxyType({k: tuple(v) for k, v in self.mentees.items()})
        )
        object.__setattr__(
            self, "mentors", MappingProxyType({k: tuple(v) for k, v in self.mentors.items()})
        )


@dataclass(frozen=True, slots=True)
class Problem:
    """
    A whole-cohort matching problem.

    Exactly one source of pair scores is used: ``scores`` (a sparse list of
    ``(mentee, mentor, score)``; unlisted pairs are not allowed) or
    ``criteria`` (every pair is scored; no criteria means every pair is
    allowed with score 0).  ``preferences`` is read by the stable mode only;
    when given, it replaces the score-derived preference lists.
    """

    mentors: tuple[Mentor, ...]
    mentees: tuple[Mentee, ...]
    criteria: tuple[Criterion, ...] = ()
    scores: tuple[tuple[str, str, float], ...] | None = None
    preferences: Preferences | None = None
    forbidden: tuple[tuple[str, str], ...] = ()
    locked: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "mentors", tuple(self.mentors))
        object.__setattr__(self, "mentees", tuple(self.mentees))
        object.__setattr__(self, "criteria", tuple(self.criteria))
        if self.scores is not None:
            object.__setattr__(self, "scores", tuple(tuple(s) for s in self.scores))
        object.__setattr__(self, "forbidden", tuple(tuple(p) for p in self.forbidden))
        object.__setattr__(self, "locked", tuple(tuple(p) for p in self.locked))


def _index(entries: Sequence[Mentor | Mentee], label: str) -> dict[str, int]:
    index: dict[str, int] = {}
    for k, entry in enumerate(entries):
        if not isinstance(entry.id, str) or not entry.id:
            raise ProblemError(f"{label}[{k}]: id must be a non-empty string, got {entry.id!r}")
        if entry.id in index:
            raise ProblemError(f'{label}[{k}]: duplicate id "{entry.id}"')
        index[entry.id] = k
    return index


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_pairs(
    pairs: Iterable[Sequence[Any]],
    label: str,
    mentee_index: Mapping[str, int],
    mentor_index: Mapping[str, int],
) -> None:
    for k, pair in enumerate(pairs):
        if len(pair) < 2:
            raise ProblemError(f"{label}[{k}]: expected [mentee, mentor], got {list(pair)!r}")
        if pair[0] not in mentee_index:
            raise ProblemError(f'{label}[{k}]: unknown mentee "{pair[0]}"')
        if pair[1] not in mentor_index:
            raise ProblemError(f'{label}[{k}]: unknown mentor "{pair[1]}"')


def _check_criterion(k: int, crit: Criterion, seen: set[str]) -> None:
    where = f'criteria[{k}] ("{crit.name}")'
    if not isinstance(crit.name, str) or not crit.name:
        raise ProblemError(f"criteria[{k}]: name must be a non-empty string")
    if crit.name in seen:
        raise ProblemError(f'{where}: duplicate criterion name "{crit.name}"')
    seen.add(crit.name)
    if crit.kind not in CRITERION_KINDS:
        raise ProblemError(
            f"{where}: unknown kind {crit.kind!r}; expected one of {', '.join(CRITERION_KINDS)}"
        )
    weight = crit.weight
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not math.isfinite(weight):
        raise ProblemError(f"{where}: weight must be a finite number, got {weight!r}")
    if weight < 0:
        raise ProblemError(f"{where}: weight must be >= 0, got {weight}")
    if crit.kind == "preference":
        if crit.mentee_field is None and crit.mentor_field is None:
            raise ProblemError(f"{where}: needs mentee_field or mentor_field")
    elif crit.mentee_field is None or crit.mentor_field is None:
        raise ProblemError(f"{where}: needs both mentee_field and mentor_field")
    params = crit.params
    if (
        "min" in params
        and crit.kind in ("overlap", "jaccard")
        and (not _is_int(params["min"]) or params["min"] < 0)
    ):
        raise ProblemError(f"{where}: min must be an integer >= 0, got {params['min']!r}")
    if "target" in params and (not _is_int(params["target"]) or params["target"] < 1):
        raise ProblemError(f"{where}: target must be an integer >= 1, got {params['target']!r}")
    if crit.kind == "category" and params.get("prefer", "similar") not in ("similar", "diverse"):
        raise ProblemError(f"{where}: prefer must be 'similar' or 'diverse'")
    if crit.kind == "gap":
        lo, hi = params.get("min", 1), params.get("max", 3)
        for name, value in (("min", lo), ("max", hi), ("falloff", params.get("falloff", 1))):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ProblemError(f"{where}: {name} must be a number, got {value!r}")
        if lo > hi:
            raise ProblemError(f"{where}: min ({lo}) must not exceed max ({hi})")
        if params.get("falloff", 1) <= 0:
            raise ProblemError(f"{where}: falloff must be > 0")


def validate_problem(problem: Problem) -> None:
    """
    Check ``problem`` and raise :class:`ProblemError` naming the first bad entry.

    Checked: unique non-empty ids, ``capacity >= 1``, ``0 <= load <= capacity``,
    known ids in ``scores``/``forbidden``/``locked``/``preferences``, finite
    scores within ``MAX_DIRECT_SCORE``, criterion kinds and parameters, a
    mentee locked at most once, locked pairs not forbidden, and locked pairs
    within a mentor's remaining capacity.
    """
    mentor_index = _index(problem.mentors, "mentors")
    mentee_index = _index(problem.mentees, "mentees")
    for k, mentor in enumerate(problem.mentors):
        where = f'mentors[{k}] ("{mentor.id}")'
        if not _is_int(mentor.capacity) or mentor.capacity < 1:
            raise ProblemError(
                f"{where}: capacity must be an integer >= 1, got {mentor.capacity!r}"
            )
        if not _is_int(mentor.load) or not 0 <= mentor.load <= mentor.capacity:
            raise ProblemError(
                f"{where}: load must be an integer between 0 and capacity, got {mentor.load!r}"
            )
    seen: set[str] = set()
    for k, crit in enumerate(problem.criteria):
        _check_criterion(k, crit, seen)
    if problem.scores is not None:
        if problem.criteria:
            raise ProblemError("scores: give either scores or criteria, not both")
        _check_pairs(problem.scores, "scores", mentee_index, mentor_index)
        seen_pairs: set[tuple[str, str]] = set()
        for k, entry in enumerate(problem.scores):
            if len(entry) != 3:
                raise ProblemError(f"scores[{k}]: expected [mentee, mentor, score]")
            value = entry[2]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ProblemError(f"scores[{k}]: score must be a number, got {value!r}")
            if not math.isfinite(value) or abs(value) > MAX_DIRECT_SCORE:
                raise ProblemError(
                    f"scores[{k}]: score must be finite and within "
                    f"±{MAX_DIRECT_SCORE:g}, got {value!r}"
                )
            key = (entry[0], entry[1])
            if key in seen_pairs:
                raise ProblemError(f'scores[{k}]: duplicate pair ("{key[0]}", "{key[1]}")')
            seen_pairs.add(key)
    _check_pairs(problem.forbidden, "forbidden", mentee_index, mentor_index)
    _check_pairs(problem.locked, "locked", mentee_index, mentor_index)
    forbidden = {(p[0], p[1]) for p in problem.forbidden}
    locked_mentees: set[str] = set()
    used = [m.load for m in problem.mentors]
    for k, (mentee_id, mentor_id) in enumerate(problem.locked):
        if mentee_id in locked_mentees:
            raise ProblemError(f'locked[{k}]: mentee "{mentee_id}" is locked twice')
        locked_mentees.add(mentee_id)
        if (mentee_id, mentor_id) in forbidden:
            raise ProblemError(
                f'locked[{k}]: pair ("{mentee_id}", "{mentor_id}") is also forbidden'
            )
        j = mentor_index[mentor_id]
        used[j] += 1
        if used[j] > problem.mentors[j].capacity:
            raise ProblemError(
                f'locked[{k}]: mentor "{mentor_id}" has no capacity left '
                f"(capacity {problem.mentors[j].capacity}, load {problem.mentors[j].load})"
            )
    if problem.preferences is not None:
        for side, lists, own, other in (
            ("mentees", problem.preferences.mentees, mentee_index, mentor_index),
            ("mentors", problem.preferences.mentors, mentor_index, mentee_index),
        ):
            for owner, ranked in lists.items():
                if owner not in own:
                    raise ProblemError(f'preferences.{side}: unknown id "{owner}"')
                if len(set(ranked)) != len(ranked):
                    raise ProblemError(f'preferences.{side}["{owner}"]: an id is listed twice')
                for pos, target in enumerate(ranked):
                    if target not in other:
                        raise ProblemError(
                            f'preferences.{side}["{owner}"][{pos}]: unknown id "{target}"'
                        )
