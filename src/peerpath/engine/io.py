"""
The JSON interchange format (documented in docs/matching.md).

:func:`problem_from_dict` turns a decoded JSON object into a
:class:`~.problem.Problem` (and the requested mode and seed), raising
:class:`~.problem.ProblemError` with a message naming the offending entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .problem import Criterion, Mentee, Mentor, Preferences, Problem, ProblemError, validate_problem

__all__ = ["problem_from_dict"]

_TOP_KEYS = {
    "mode", "seed", "mentors", "mentees", "criteria", "scores",
    "preferences", "forbidden", "locked", "k",
}  # fmt: skip
_MENTOR_KEYS = {"id", "capacity", "load", "attributes"}
_MENTEE_KEYS = {"id", "attributes"}
_CRITERION_KEYS = {"name", "kind", "mentee_field", "mentor_field", "weight", "hard", "params"}


def _obj(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ProblemError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ProblemError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _attributes(entry: Mapping[str, Any], known: set[str], where: str) -> dict[str, Any]:
    attrs = dict(_obj(entry.get("attributes", {}), f"{where}.attributes"))
    for key, value in entry.items():
        if key not in known:
            attrs[key] = value  # extra keys are attributes too
    return attrs


def _id(entry: Mapping[str, Any], where: str) -> str:
    if "id" not in entry:
        raise ProblemError(f'{where}: missing "id"')
    value = entry["id"]
    if not isinstance(value, str) or not value:
        raise ProblemError(f"{where}: id must be a non-empty string, got {value!r}")
    return value


def _pairs(value: Any, label: str, width: int) -> tuple[tuple[Any, ...], ...]:
    out = []
    for k, pair in enumerate(_list(value, label)):
        if not isinstance(pair, list) or len(pair) != width:
            shape = "[mentee, mentor, score]" if width == 3 else "[mentee, mentor]"
            raise ProblemError(f"{label}[{k}]: expected {shape}, got {pair!r}")
        for pos in range(2):
            if not isinstance(pair[pos], str):
                raise ProblemError(f"{label}[{k}]: ids must be strings, got {pair[pos]!r}")
        out.append(tuple(pair))
    return tuple(out)


def problem_from_dict(data: Any) -> tuple[Problem, str, int]:
    """
    Build and validate a problem from the JSON interchange format.

    Returns
    -------
    problem : Problem
    mode : str
        ``data["mode"]``, default ``"optimal"``.
    seed : int
        ``data["seed"]``, default 0.
    """
    top = _obj(data, "problem")
    unknown = sorted(set(top) - _TOP_KEYS)
    if unknown:
        raise ProblemError(f"problem: unknown key {unknown[0]!r}")
    mode = top.get("mode", "optimal")
    if mode not in ("optimal", "fair", "stable", "greedy"):
        raise ProblemError(f"mode: expected optimal, fair, stable or greedy, got {mode!r}")
    seed = top.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ProblemError(f"seed: expected an integer, got {seed!r}")
    mentors = []
    for k, raw in enumerate(_list(top.get("mentors", []), "mentors")):
        where = f"mentors[{k}]"
        entry = _obj(raw, where)
        mentors.append(
            Mentor(
                id=_id(entry, where),
                capacity=entry.get("capacity", 1),
                load=entry.get("load", 0),
                attributes=_attributes(entry, _MENTOR_KEYS, where),
            )
        )
    mentees = []
    for k, raw in enumerate(_list(top.get("mentees", []), "mentees")):
        where = f"mentees[{k}]"
        entry = _obj(raw, where)
        mentees.append(
            Mentee(id=_id(entry, where), attributes=_attributes(entry, _MENTEE_KEYS, where))
        )
    criteria = []
    for k, raw in enumerate(_list(top.get("criteria", []), "criteria")):
        where = f"criteria[{k}]"
        entry = _obj(raw, where)
        extra = sorted(set(entry) - _CRITERION_KEYS)
        if extra:
            raise ProblemError(f"{where}: unknown key {extra[0]!r}")
        for key in ("name", "kind"):
            if key not in entry:
                raise ProblemError(f'{where}: missing "{key}"')
        hard = entry.get("hard", False)
        if not isinstance(hard, bool):
            raise ProblemError(f"{where}: hard must be true or false, got {hard!r}")
        criteria.append(
            Criterion(
                name=entry["name"],
                kind=entry["kind"],
                mentee_field=entry.get("mentee_field"),
                mentor_field=entry.get("mentor_field"),
                weight=entry.get("weight", 1.0),
                hard=hard,
                params=_obj(entry.get("params", {}), f"{where}.params"),
            )
        )
    scores = _pairs(top["scores"], "scores", 3) if "scores" in top else None
    preferences = None
    if "preferences" in top:
        raw_prefs = _obj(top["preferences"], "preferences")
        sides: dict[str, dict[str, tuple[str, ...]]] = {}
        for side in ("mentees", "mentors"):
            lists = _obj(raw_prefs.get(side, {}), f"preferences.{side}")
            sides[side] = {}
            for owner, ranked in lists.items():
                items = _list(ranked, f'preferences.{side}["{owner}"]')
                for pos, item in enumerate(items):
                    if not isinstance(item, str):
                        raise ProblemError(
                            f'preferences.{side}["{owner}"][{pos}]: expected an id, got {item!r}'
                        )
                sides[side][owner] = tuple(items)
        preferences = Preferences(mentees=sides["mentees"], mentors=sides["mentors"])
    problem = Problem(
        mentors=tuple(mentors),
        mentees=tuple(mentees),
        criteria=tuple(criteria),
        scores=scores,
        preferences=preferences,
        forbidden=_pairs(top.get("forbidden", []), "forbidden", 2),
        locked=_pairs(top.get("locked", []), "locked", 2),
    )
    validate_problem(problem)
    return problem, mode, seed
