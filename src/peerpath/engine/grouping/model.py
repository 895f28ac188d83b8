"""
The group-formation problem and its result: immutable value objects.

:func:`validate_group_problem` raises :class:`~peerpath.engine.problem.ProblemError`
with a message naming the offending entry, e.g.
``participants[3] ("p9"): duplicate id "p9"``; :func:`group_problem_from_dict`
reads the JSON form documented in docs/groups.md.

Score scale
-----------
A group's score is the weighted mean of its criterion values, each in
``[0, 1]``, so scores are in ``[0, 1]``.  As in the pair engine
(:data:`~peerpath.engine.problem.SCORE_SCALE`), each criterion contributes
``round(weight / total_weight * value * SCORE_SCALE)`` micro-points and the
contributions add up exactly to the group's score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..problem import ProblemError
from .reasons import Reason

__all__ = [
    "CRITERION_KINDS",
    "LEADER_RULES",
    "PREFERENCES",
    "Group",
    "GroupCriterion",
    "GroupProblem",
    "GroupResult",
    "IsolationRule",
    "LeftOut",
    "Participant",
    "SearchOptions",
    "group_problem_from_dict",
    "validate_group_problem",
]

LEADER_RULES = ("none", "at_least_one", "exactly_one")
"""How many members with ``leader=True`` each group needs."""

CRITERION_KINDS = ("category", "number")
"""``category``: one value per participant; ``number``: a real number."""

PREFERENCES = ("similar", "diverse")
"""What the coordinator wants a group to be with respect to a criterion."""


@dataclass(frozen=True, slots=True)
class Participant:
    """
    Someone to place in a group.

    ``slots`` are the participant's free time slots (any strings, e.g.
    ``"mon3"``); ``leader`` marks a mentor or group leader; ``attributes``
    hold the fields that criteria and isolation rules read.
    """

    id: str
    slots: frozenset[str] = frozenset()
    leader: bool = False
    attributes: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.slots, str | frozenset):  # a bare string is rejected by validation
            object.__setattr__(self, "slots", frozenset(self.slots))
        object.__setattr__(self, "attributes", MappingProxyType(dict(self.attributes or {})))


@dataclass(frozen=True, slots=True)
class GroupCriterion:
    """
    One thing the coordinator cares about in a group.

    Parameters
    ----------
    name : str
        Unique name; the key of the score explanation.
    field : str
        The participant attribute read.
    kind : {"category", "number"}
        ``category``: values are compared for equality (a missing value is the
        value ``null``); ``number``: values are real numbers (a missing value
        counts as the population mean).
    prefer : {"similar", "diverse"}
        ``similar``: for categories, the share of member pairs with the same
        value; for numbers, ``1 - min(1, sd / population_sd)``.
        ``diverse``: for categories, the share of member pairs with different
        values divided by the largest share a group of that size can reach;
        for numbers, ``min(1, sd / population_sd)``.
    weight : float
        Non-negative; weights are normalised to sum to 1.
    """

    name: str
    field: str
    kind: str = "category"
    prefer: str = "similar"
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class IsolationRule:
    """
    Nobody isolated: no group has exactly one member with a given value.

    ``values`` restricts the rule to those values (default: every value but
    ``null``).  A value held by fewer than two participants is exempt, since
    the numbers do not allow it.
    """

    field: str
    values: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        if self.values is not None:
            object.__setattr__(self, "values", tuple(self.values))


@dataclass(frozen=True, slots=True)
class GroupProblem:
    """
    A whole-cohort group-formation problem.

    Hard constraints: every group has between ``min_size`` and ``max_size``
    members, at least ``min_shared_slots`` free slots common to all its
    members, the ``leaders`` rule, ``together`` pairs in the same group and
    ``apart`` pairs in different groups.  ``no_isolated`` rules hold whenever
    the search can meet them (unmet ones are reported as warnings).  With
    ``allow_left_out`` (the default) participants who cannot be placed are
    left out with a reason; without it, the problem is then infeasible.
    """

    participants: tuple[Participant, ...]
    min_size: int = 4
    max_size: int = 6
    min_shared_slots: int = 0
    leaders: str = "none"
    criteria: tuple[GroupCriterion, ...] = ()
    no_isolated: tuple[IsolationRule, ...] = ()
    together: tuple[tuple[str, str], ...] = ()
    apart: tuple[tuple[str, str], ...] = ()
    allow_left_out: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "participants", tuple(self.participants))
        object.__setattr__(self, "criteria", tuple(self.criteria))
        object.__setattr__(self, "no_isolated", tuple(self.no_isolated))
        object.__setattr__(self, "together", tuple(tuple(p) for p in self.together))
        object.__setattr__(self, "apart", tuple(tuple(p) for p in self.apart))


@dataclass(frozen=True, slots=True)
class SearchOptions:
    """
    Effort of the heuristic; the result depends only on these and the seed.

    ``restarts`` constructive starts, each followed by ``rounds`` rounds of
    perturbation and local search; ``sample`` caps how many other
    participants a group's moves are tried with (all of them when fewer).
    ``None`` picks a default from the problem's size (see docs/groups.md).
    ``exact_seconds`` limits the exact phase that runs when the search
    breaks a hard rule or leaves out someone who may not be (CP-SAT,
    :mod:`peerpath.engine.grouping.exact`), in the solver's deterministic
    seconds (``None``: 10; 0 turns it off); larger models get a smaller
    share of it, the largest none (:func:`~peerpath.engine.grouping.exact.exact_limit`).
    """

    restarts: int | None = None
    rounds: int | None = None
    sample: int | None = None
    exact_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class Group:
    """A formed group, its common free slots and its score by criterion."""

    id: str
    members: tuple[str, ...]
    leaders: tuple[str, ...]
    shared_slots: tuple[str, ...]
    score: float
    explanation: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LeftOut:
    """
    A participant placed in no group, and why: ``reason`` in English, and
    ``code`` with ``params`` for an application to say it in another
    language (see :mod:`peerpath.engine.grouping.reasons`).
    """

    participant: str
    reason: str
    code: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GroupResult:
    """
    The outcome of :func:`~peerpath.engine.groups.form_groups` or
    :func:`~peerpath.engine.groups.evaluate_groups`.

    ``feasible`` is false when no grouping meeting the hard constraints was
    found (``reason`` says why, ``violations`` lists broken rules of an
    evaluated grouping).  ``min_score`` and ``mean_score`` are over groups.
    ``violation_codes`` and ``warning_codes`` give each violation and warning,
    in the same order, as a code with parameters
    (:mod:`peerpath.engine.grouping.reasons`).
    """

    feasible: bool
    reason: str | None
    groups: tuple[Group, ...]
    left_out: tuple[LeftOut, ...]
    min_score: float
    mean_score: float
    warnings: tuple[str, ...] = ()
    violations: tuple[str, ...] = ()
    stats: Mapping[str, Any] = field(default_factory=dict)
    violation_codes: tuple[Reason, ...] = ()
    warning_codes: tuple[Reason, ...] = ()

    def to_dict(self, *, codes: bool = True) -> dict[str, Any]:
        """
        The JSON-ready result (see docs/groups.md).

        With ``codes`` (the default), each left-out entry also has its
        ``code`` and ``params``, and ``violation_codes`` and
        ``warning_codes`` follow ``violations`` and ``warnings``, so that an
        application can show them in its reader's language. ``peerpath
        groups`` writes the documented English form (``codes=False``).
        """
        result = self._plain_dict()
        if codes:
            for entry, x in zip(result["left_out"], self.left_out, strict=True):
                entry["code"] = x.code
                entry["params"] = dict(x.params)
            result["violation_codes"] = [r.to_dict() for r in self.violation_codes]
            result["warning_codes"] = [r.to_dict() for r in self.warning_codes]
        return result

    def _plain_dict(self) -> dict[str, Any]:
        return {
            "feasible": self.feasible,
            "reason": self.reason,
            "min_score": self.min_score,
            "mean_score": self.mean_score,
            "groups": [
                {
                    "id": g.id,
                    "members": list(g.members),
                    "leaders": list(g.leaders),
                    "shared_slots": list(g.shared_slots),
                    "score": g.score,
                    "explanation": dict(g.explanation),
                }
                for g in self.groups
            ],
            "left_out": [{"participant": x.participant, "reason": x.reason} for x in self.left_out],
            "warnings": list(self.warnings),
            "violations": list(self.violations),
            "stats": dict(self.stats),
        }


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _number_ok(value: object) -> bool:
    if value is None:
        return True
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_pairs(pairs: Sequence[Sequence[Any]], label: str, known: Mapping[str, int]) -> None:
    for k, pair in enumerate(pairs):
        if len(pair) != 2:
            raise ProblemError(f"{label}[{k}]: expected [id, id], got {list(pair)!r}")
        for pid in pair:
            if pid not in known:
                raise ProblemError(f'{label}[{k}]: unknown participant "{pid}"')
        if pair[0] == pair[1]:
            raise ProblemError(
                f'{label}[{k}]: a pair needs two different participants, got "{pair[0]}" twice'
            )


def validate_group_problem(problem: GroupProblem) -> None:
    """
    Check ``problem`` and raise ``ProblemError`` naming the first bad entry.

    Checked: unique non-empty ids, slots as sets of strings, ``leader`` as a
    boolean, ``2 <= min_size <= max_size``, ``min_shared_slots >= 0``, the
    leader rule, criterion names, kinds, preferences, weights and values
    (one value per participant; finite numbers), isolation rules, and known,
    distinct ids in ``together``/``apart`` with no pair both together (even
    through a chain of together pairs) and apart.
    """
    index: dict[str, int] = {}
    for k, part in enumerate(problem.participants):
        if not isinstance(part.id, str) or not part.id:
            raise ProblemError(f"participants[{k}]: id must be a non-empty string, got {part.id!r}")
        where = f'participants[{k}] ("{part.id}")'
        if part.id in index:
            raise ProblemError(f'{where}: duplicate id "{part.id}"')
        index[part.id] = k
        if not isinstance(part.slots, frozenset) or not all(isinstance(s, str) for s in part.slots):
            raise ProblemError(f"{where}: slots must be a list of strings")
        if not isinstance(part.leader, bool):
            raise ProblemError(f"{where}: leader must be true or false, got {part.leader!r}")
    for name in ("min_size", "max_size", "min_shared_slots"):
        value = getattr(problem, name)
        if not _is_int(value):
            raise ProblemError(f"{name}: expected an integer, got {value!r}")
    if problem.min_size < 2:
        raise ProblemError(f"min_size: a group needs at least 2 members, got {problem.min_size}")
    if problem.min_size > problem.max_size:
        raise ProblemError(
            f"min_size ({problem.min_size}) must not exceed max_size ({problem.max_size})"
        )
    if problem.min_shared_slots < 0:
        raise ProblemError(f"min_shared_slots: must be >= 0, got {problem.min_shared_slots}")
    if problem.leaders not in LEADER_RULES:
        raise ProblemError(
            f"leaders: expected one of {', '.join(LEADER_RULES)}, got {problem.leaders!r}"
        )
    if not isinstance(problem.allow_left_out, bool):
        raise ProblemError(
            f"allow_left_out: expected true or false, got {problem.allow_left_out!r}"
        )
    names: set[str] = set()
    for k, crit in enumerate(problem.criteria):
        if not isinstance(crit.name, str) or not crit.name:
            raise ProblemError(f"criteria[{k}]: name must be a non-empty string")
        where = f'criteria[{k}] ("{crit.name}")'
        if crit.name in names:
            raise ProblemError(f'{where}: duplicate criterion name "{crit.name}"')
        names.add(crit.name)
        if not isinstance(crit.field, str) or not crit.field:
            raise ProblemError(f"{where}: field must be a non-empty string")
        if crit.kind not in CRITERION_KINDS:
            raise ProblemError(f"{where}: kind must be category or number, got {crit.kind!r}")
        if crit.prefer not in PREFERENCES:
            raise ProblemError(f"{where}: prefer must be similar or diverse, got {crit.prefer!r}")
        w = crit.weight
        if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w) or w < 0:
            raise ProblemError(f"{where}: weight must be a finite number >= 0, got {w!r}")
        check = _number_ok if crit.kind == "number" else _is_scalar
        expected = "a finite number" if crit.kind == "number" else "a single value"
        for j, part in enumerate(problem.participants):
            value = part.attributes.get(crit.field)
            if not check(value):
                raise ProblemError(
                    f'participants[{j}] ("{part.id}"): {crit.field} must be {expected} '
                    f'for criterion "{crit.name}", got {value!r}'
                )
    for k, rule in enumerate(problem.no_isolated):
        if not isinstance(rule.field, str) or not rule.field:
            raise ProblemError(f"no_isolated[{k}]: field must be a non-empty string")
        if rule.values is not None and not all(_is_scalar(v) for v in rule.values):
            raise ProblemError(f"no_isolated[{k}]: values must be single values")
        for j, part in enumerate(problem.participants):
            value = part.attributes.get(rule.field)
            if not _is_scalar(value):
                raise ProblemError(
                    f'participants[{j}] ("{part.id}"): {rule.field} must be a single value '
                    f"for no_isolated[{k}], got {value!r}"
                )
    _check_pairs(problem.together, "together", index)
    _check_pairs(problem.apart, "apart", index)
    parent = list(range(len(problem.participants)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for u, v in problem.together:
        parent[find(index[u])] = find(index[v])
    for k, (u, v) in enumerate(problem.apart):
        if find(index[u]) == find(index[v]):
            raise ProblemError(
                f'apart[{k}]: "{u}" and "{v}" must also be together (through together pairs)'
            )


# ---------------------------------------------------------------- JSON form

_TOP_KEYS = {
    "seed", "participants", "min_size", "max_size", "size", "min_shared_slots",
    "leaders", "criteria", "no_isolated", "together", "apart", "allow_left_out",
    "restarts", "rounds", "sample",
}  # fmt: skip
_PARTICIPANT_KEYS = {"id", "slots", "leader", "attributes"}
_CRITERION_KEYS = {"name", "field", "kind", "prefer", "weight"}


def _obj(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ProblemError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ProblemError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _opt_int(top: Mapping[str, Any], key: str, low: int) -> int | None:
    if key not in top or top[key] is None:
        return None
    value = top[key]
    if not _is_int(value) or value < low:
        raise ProblemError(f"{key}: expected an integer >= {low}, got {value!r}")
    return int(value)


def _pairs(value: Any, label: str) -> tuple[tuple[str, str], ...]:
    out = []
    for k, pair in enumerate(_list(value, label)):
        if not isinstance(pair, list) or len(pair) != 2:
            raise ProblemError(f"{label}[{k}]: expected [id, id], got {pair!r}")
        if not all(isinstance(x, str) for x in pair):
            raise ProblemError(f"{label}[{k}]: ids must be strings, got {pair!r}")
        out.append((pair[0], pair[1]))
    return tuple(out)


def group_problem_from_dict(data: Any) -> tuple[GroupProblem, int, SearchOptions]:
    """
    Build and validate a problem from the JSON form (docs/groups.md).

    Returns
    -------
    problem : GroupProblem
    seed : int
        ``data["seed"]``, default 0.
    options : SearchOptions
        From ``restarts``, ``rounds`` and ``sample`` (all optional).
    """
    top = _obj(data, "problem")
    unknown = sorted(set(top) - _TOP_KEYS)
    if unknown:
        raise ProblemError(f"problem: unknown key {unknown[0]!r}")
    seed = top.get("seed", 0)
    if not _is_int(seed):
        raise ProblemError(f"seed: expected an integer, got {seed!r}")
    if "participants" not in top:
        raise ProblemError('problem: missing "participants"')
    participants = []
    for k, raw in enumerate(_list(top["participants"], "participants")):
        where = f"participants[{k}]"
        entry = _obj(raw, where)
        if "id" not in entry:
            raise ProblemError(f'{where}: missing "id"')
        pid = entry["id"]
        if not isinstance(pid, str) or not pid:
            raise ProblemError(f"{where}: id must be a non-empty string, got {pid!r}")
        where = f'{where} ("{pid}")'
        slots = _list(entry.get("slots", []), f"{where}.slots")
        if not all(isinstance(s, str) for s in slots):
            raise ProblemError(f"{where}: slots must be a list of strings")
        attrs = dict(_obj(entry.get("attributes", {}), f"{where}.attributes"))
        for key, value in entry.items():
            if key not in _PARTICIPANT_KEYS:
                attrs[key] = value  # extra keys are attributes too
        participants.append(
            Participant(
                id=pid,
                slots=frozenset(slots),
                leader=entry.get("leader", False),
                attributes=attrs,
            )
        )
    size = _obj(top.get("size", {}), "size")
    extra = sorted(set(size) - {"min", "max"})
    if extra:
        raise ProblemError(f"size: unknown key {extra[0]!r}")
    min_size = top.get("min_size", size.get("min", 4))
    max_size = top.get("max_size", size.get("max", 6))
    criteria = []
    for k, raw in enumerate(_list(top.get("criteria", []), "criteria")):
        where = f"criteria[{k}]"
        entry = _obj(raw, where)
        bad = sorted(set(entry) - _CRITERION_KEYS)
        if bad:
            raise ProblemError(f"{where}: unknown key {bad[0]!r}")
        if "name" not in entry:
            raise ProblemError(f'{where}: missing "name"')
        criteria.append(
            GroupCriterion(
                name=entry["name"],
                field=entry.get("field", entry["name"]),
                kind=entry.get("kind", "category"),
                prefer=entry.get("prefer", "similar"),
                weight=entry.get("weight", 1.0),
            )
        )
    rules = []
    for k, raw in enumerate(_list(top.get("no_isolated", []), "no_isolated")):
        if isinstance(raw, str):
            rules.append(IsolationRule(raw))
            continue
        entry = _obj(raw, f"no_isolated[{k}]")
        bad = sorted(set(entry) - {"field", "values"})
        if bad:
            raise ProblemError(f"no_isolated[{k}]: unknown key {bad[0]!r}")
        if "field" not in entry:
            raise ProblemError(f'no_isolated[{k}]: missing "field"')
        values = entry.get("values")
        rules.append(
            IsolationRule(
                entry["field"],
                None if values is None else tuple(_list(values, f"no_isolated[{k}].values")),
            )
        )
    problem = GroupProblem(
        participants=tuple(participants),
        min_size=min_size,
        max_size=max_size,
        min_shared_slots=top.get("min_shared_slots", 0),
        leaders=top.get("leaders", "none"),
        criteria=tuple(criteria),
        no_isolated=tuple(rules),
        together=_pairs(top.get("together", []), "together"),
        apart=_pairs(top.get("apart", []), "apart"),
        allow_left_out=top.get("allow_left_out", True),
    )
    validate_group_problem(problem)
    options = SearchOptions(
        restarts=_opt_int(top, "restarts", 1),
        rounds=_opt_int(top, "rounds", 0),
        sample=_opt_int(top, "sample", 1),
    )
    return problem, seed, options
