"""Helpers for the group-formation tests: an independent scorer, brute force, instances.

Nothing here imports the engine's internals: scores are recomputed from the
definitions in docs/groups.md, so the brute force checks the engine rather
than agreeing with it by construction.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np

from peerpath.engine.groups import (
    GroupCriterion,
    GroupProblem,
    IsolationRule,
    Participant,
)

SCALE = 1_000_000


def _key(value):
    return (isinstance(value, bool), value)


def criterion_value(problem: GroupProblem, crit: GroupCriterion, members: Sequence[int]) -> float:
    """The criterion's value for a group, straight from its definition."""
    parts = problem.participants
    n = len(members)
    if crit.kind == "category":
        vals = [_key(parts[i].attributes.get(crit.field)) for i in members]
        pairs = [(x, y) for k, x in enumerate(vals) for y in vals[k + 1 :]]
        same = sum(x == y for x, y in pairs) / len(pairs)
        if crit.prefer == "similar":
            return same
        m = len({_key(p.attributes.get(crit.field)) for p in parts})
        spread = [n // m + (1 if k < n % m else 0) for k in range(m)]
        best_same = sum(c * (c - 1) / 2 for c in spread) / len(pairs)
        if best_same >= 1:
            return 1.0
        return min(1.0, (1 - same) / (1 - best_same))
    given = [p.attributes.get(crit.field) for p in parts]
    known = [float(v) for v in given if v is not None]
    mean = sum(known) / len(known) if known else 0.0
    xs = [mean if v is None else float(v) for v in given]
    pop_sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / len(xs))
    if pop_sd == 0:
        spread = 0.0
    else:
        g = [xs[i] for i in members]
        gm = sum(g) / n
        spread = min(1.0, math.sqrt(sum((x - gm) ** 2 for x in g) / n) / pop_sd)
    return 1 - spread if crit.prefer == "similar" else spread


def group_score(problem: GroupProblem, members: Sequence[int]) -> int:
    """Micro-points: the sum of rounded weighted criterion values."""
    total = sum(c.weight for c in problem.criteria)
    if total == 0:
        return 0
    return sum(
        round(c.weight / total * criterion_value(problem, c, members) * SCALE)
        for c in problem.criteria
    )


def shared_slots(problem: GroupProblem, members: Sequence[int]) -> set[str]:
    parts = problem.participants
    common = set(parts[members[0]].slots)
    for i in members[1:]:
        common &= parts[i].slots
    return common


def isolated(problem: GroupProblem, members: Sequence[int]) -> int:
    parts = problem.participants
    out = 0
    for rule in problem.no_isolated:
        held: dict = {}
        for p in parts:
            k = _key(p.attributes.get(rule.field))
            held[k] = held.get(k, 0) + 1
        wanted = None if rule.values is None else {_key(v) for v in rule.values}
        counts: dict = {}
        for i in members:
            k = _key(parts[i].attributes.get(rule.field))
            counts[k] = counts.get(k, 0) + 1
        for k, c in counts.items():
            covered = (k[1] is not None) if wanted is None else k in wanted
            if c == 1 and covered and held[k] >= 2:
                out += 1
    return out


def hard_ok(problem: GroupProblem, groups: Sequence[Sequence[int]]) -> bool:
    """Sizes, shared slots, leaders, together and apart (the bench is everyone else)."""
    parts = problem.participants
    where = {}
    for g, members in enumerate(groups):
        if not problem.min_size <= len(members) <= problem.max_size:
            return False
        if len(shared_slots(problem, members)) < problem.min_shared_slots:
            return False
        leaders = sum(parts[i].leader for i in members)
        if problem.leaders == "at_least_one" and leaders == 0:
            return False
        if problem.leaders == "exactly_one" and leaders != 1:
            return False
        for i in members:
            where[parts[i].id] = g
    for u, v in problem.together:
        if where.get(u, -1) != where.get(v, -1):
            return False
    for u, v in problem.apart:
        if u in where and where.get(u) == where.get(v):
            return False
    return not (not problem.allow_left_out and len(where) < len(parts))


def _partitions(items: list[int], a: int, b: int, bench: bool) -> Iterator[list[list[int]]]:
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    if bench:
        yield from _partitions(rest, a, b, bench)
    for size in range(a, b + 1):
        if size - 1 > len(rest):
            break
        for combo in _combinations(rest, size - 1):
            chosen = set(combo)
            remaining = [x for x in rest if x not in chosen]
            for tail in _partitions(remaining, a, b, bench):
                yield [[first, *combo], *tail]


def _combinations(items: list[int], k: int) -> Iterator[tuple[int, ...]]:
    from itertools import combinations

    yield from combinations(items, k)


def brute_force(problem: GroupProblem):
    """
    The exact optimum over every grouping (and every choice of who is left out).

    Returns ``None`` when no grouping meets the hard constraints, else
    ``(left_out, isolated, min_score, mean_score)`` of the best grouping
    under (fewest left out, fewest isolated, highest min, highest mean).
    """
    n = len(problem.participants)
    best = None
    for groups in _partitions(
        list(range(n)), problem.min_size, problem.max_size, problem.allow_left_out
    ):
        if not groups or not hard_ok(problem, groups):
            continue
        scores = [group_score(problem, g) for g in groups]
        key = (
            n - sum(len(g) for g in groups),
            sum(isolated(problem, g) for g in groups),
            -min(scores),
            -sum(scores) / len(scores),
        )
        if best is None or key < best:
            best = key
    if best is None:
        return None
    return best[0], best[1], -best[2] / SCALE, -best[3] / SCALE


SLOTS = [f"s{k}" for k in range(6)]


def random_problem(
    rng: np.random.Generator, n: int, *, allow_left_out: bool = True
) -> GroupProblem:
    """A small random problem with every kind of criterion and rule, sometimes."""
    a = int(rng.integers(2, 4))
    b = a + int(rng.integers(0, 2))
    k = int(rng.integers(0, 3))
    parts = []
    for i in range(n):
        slots = frozenset(s for s in SLOTS if rng.random() < 0.7)
        parts.append(
            Participant(
                f"p{i}",
                slots=slots,
                leader=bool(rng.random() < 0.4),
                attributes={
                    "course": ["bio", "chem", None][int(rng.integers(3))],
                    "grade": int(rng.integers(9, 12)),
                    "attainment": float(rng.integers(1, 6)) if rng.random() < 0.9 else None,
                    "gender": ["f", "m"][int(rng.integers(2))],
                },
            )
        )
    criteria = [
        GroupCriterion("course", "course", prefer="similar", weight=float(rng.integers(1, 4))),
        GroupCriterion("grade", "grade", prefer=["similar", "diverse"][int(rng.integers(2))]),
        GroupCriterion(
            "attainment",
            "attainment",
            kind="number",
            prefer=["similar", "diverse"][int(rng.integers(2))],
            weight=float(rng.integers(0, 3)),
        ),
    ]
    rules = (IsolationRule("gender"),) if rng.random() < 0.4 else ()
    ids = [p.id for p in parts]
    together, apart = [], []
    if n >= 4 and rng.random() < 0.3:
        u, v = rng.choice(n, 2, replace=False)
        together.append((ids[u], ids[v]))
    if n >= 4 and rng.random() < 0.3:
        u, v = rng.choice(n, 2, replace=False)
        if (ids[u], ids[v]) not in together and (ids[v], ids[u]) not in together:
            apart.append((ids[u], ids[v]))
    return GroupProblem(
        participants=tuple(parts),
        min_size=a,
        max_size=b,
        min_shared_slots=k,
        leaders=["none", "none", "at_least_one", "exactly_one"][int(rng.integers(4))],
        criteria=tuple(criteria[: int(rng.integers(1, 4))]),
        no_isolated=rules,
        together=tuple(together),
        apart=tuple(apart),
        allow_left_out=allow_left_out,
    )


def planted_problem(
    rng: np.random.Generator,
    sizes: Sequence[int],
    *,
    k: int,
    leaders: str,
    n_slots: int = 12,
    extra: float = 0.5,
) -> tuple[GroupProblem, list[list[str]]]:
    """A problem feasible by construction: a hidden grouping that meets every hard rule."""
    slots = [f"t{j}" for j in range(n_slots)]
    parts = []
    hidden = []
    a, b = min(sizes), max(sizes)
    for g, size in enumerate(sizes):
        common = set(rng.choice(slots, k, replace=False).tolist()) if k else set()
        members = []
        for j in range(size):
            more = {s for s in slots if rng.random() < extra}
            is_leader = (j == 0) if leaders != "none" else bool(rng.random() < 0.2)
            pid = f"g{g}m{j}"
            parts.append(
                Participant(
                    pid,
                    slots=frozenset(common | more),
                    leader=is_leader,
                    attributes={
                        "course": str(rng.integers(3)),
                        "score": float(rng.normal()),
                    },
                )
            )
            members.append(pid)
        hidden.append(members)
    order = rng.permutation(len(parts))
    parts = [parts[i] for i in order]
    together, apart = [], []
    if len(hidden) >= 2:
        together.append((hidden[0][0], hidden[0][-1])) if len(hidden[0]) > 1 else None
        apart.append((hidden[0][0], hidden[1][0]))
    problem = GroupProblem(
        participants=tuple(parts),
        min_size=a,
        max_size=b,
        min_shared_slots=k,
        leaders=leaders,
        criteria=(
            GroupCriterion("course", "course", prefer="similar", weight=2),
            GroupCriterion("score", "score", kind="number", prefer="diverse"),
        ),
        together=tuple(together),
        apart=tuple(apart),
        allow_left_out=False,
    )
    return problem, hidden
