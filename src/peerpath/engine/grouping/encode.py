"""
Participants as arrays, who can be placed at all, and how many groups to form.

Free slots become rows of ``uint64`` words (bit ``s`` of the row is slot
``s`` of the sorted slot universe), so a group's common slots are a
``bitwise_and`` reduction and their number a ``bitwise_count``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..problem import SCORE_SCALE
from .model import GroupProblem
from .reasons import Reason, reason

__all__ = ["Encoded", "Plan", "encode", "plan_groups", "popcount"]

IntArray = NDArray[np.int64]
Bits = NDArray[np.uint64]

ALL_ONES = np.uint64(0xFFFF_FFFF_FFFF_FFFF)


def popcount(bits: Bits) -> IntArray:
    """Set bits per row of a 2-D ``uint64`` array (the last axis is summed)."""
    return np.bitwise_count(bits).sum(axis=-1, dtype=np.int64)


def _value_key(value: Any) -> tuple[bool, Any]:
    return (isinstance(value, bool), value)  # keeps true apart from 1


@dataclass
class CategoryField:
    """One categorical field: ``codes`` (one per participant) over ``m`` values."""

    name: str
    codes: IntArray
    m: int
    values: list[Any]


@dataclass
class Encoded:
    """A :class:`GroupProblem` as arrays (indices follow ``problem.participants``)."""

    problem: GroupProblem
    n: int
    ids: list[str]
    slot_names: list[str]
    bits: Bits
    leader: NDArray[np.bool_]
    fields: list[CategoryField]
    # criteria, in order: ("category", field index, prefer) or ("number", column, prefer)
    terms: list[tuple[str, int, str]]
    weights: NDArray[np.float64]  # weight / total weight * SCORE_SCALE
    numbers: NDArray[np.float64]  # (n, columns): z-scores against the population
    dmax: list[NDArray[np.float64]]  # per field: largest share of differing pairs by size
    iso: list[tuple[int, NDArray[np.bool_]]]  # (field index, values the rule covers)
    together: IntArray  # (P, 2)
    apart: IntArray  # (Q, 2)
    partners: dict[int, list[tuple[int, bool]]] = field(default_factory=dict)
    block: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    constrained: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))


def _bitsets(slots: Sequence[frozenset[str]]) -> tuple[list[str], Bits]:
    names = sorted(set().union(*slots)) if slots else []
    pos = {s: k for k, s in enumerate(names)}
    words = max(1, (len(names) + 63) // 64)
    bits = np.zeros((len(slots), words), dtype=np.uint64)
    for i, own in enumerate(slots):
        for s in own:
            k = pos[s]
            bits[i, k >> 6] |= np.uint64(1) << np.uint64(k & 63)
    return names, bits


def _max_differing(m: int, size: int) -> NDArray[np.float64]:
    """Largest share of differing member pairs for each group size, with ``m`` values."""
    out = np.ones(size + 2)
    for n in range(2, size + 2):
        q, rem = divmod(n, max(m, 1))
        same = rem * (q + 1) * q + (max(m, 1) - rem) * q * (q - 1)
        out[n] = (n * (n - 1) - same) / (n * (n - 1))
    return out


def encode(problem: GroupProblem) -> Encoded:
    """Encode a validated problem."""
    parts = problem.participants
    n = len(parts)
    ids = [p.id for p in parts]
    index = {pid: i for i, pid in enumerate(ids)}
    slot_names, bits = _bitsets([p.slots for p in parts])
    leader = np.array([p.leader for p in parts], dtype=bool)
    fields: list[CategoryField] = []
    by_name: dict[str, int] = {}

    def category(name: str) -> int:
        if name not in by_name:
            seen: dict[tuple[bool, Any], int] = {}
            values: list[Any] = []
            codes = np.empty(n, dtype=np.int64)
            for i, p in enumerate(parts):
                value = p.attributes.get(name)
                key = _value_key(value)
                if key not in seen:
                    seen[key] = len(values)
                    values.append(value)
                codes[i] = seen[key]
            by_name[name] = len(fields)
            fields.append(CategoryField(name, codes, max(len(values), 1), values))
        return by_name[name]

    terms: list[tuple[str, int, str]] = []
    columns: list[NDArray[np.float64]] = []
    for crit in problem.criteria:
        if crit.kind == "category":
            terms.append(("category", category(crit.field), crit.prefer))
        else:
            raw = [p.attributes.get(crit.field) for p in parts]
            given = np.array([float(v) for v in raw if v is not None])
            mean = float(given.mean()) if given.size else 0.0
            x = np.array([mean if v is None else float(v) for v in raw], dtype=np.float64)
            sd = float(x.std()) if n else 0.0
            columns.append((x - mean) / sd if sd > 0 else np.zeros(n))
            terms.append(("number", len(columns) - 1, crit.prefer))
    total = float(sum(c.weight for c in problem.criteria))
    weights = np.array(
        [c.weight / total * SCORE_SCALE if total > 0 else 0.0 for c in problem.criteria]
    )
    numbers = np.stack(columns, axis=1) if columns else np.zeros((n, 0))
    iso: list[tuple[int, NDArray[np.bool_]]] = []
    for rule in problem.no_isolated:
        f = category(rule.field)
        keys = None if rule.values is None else {_value_key(v) for v in rule.values}
        covered = np.array(
            [(v is not None) if keys is None else (_value_key(v) in keys) for v in fields[f].values]
            + [False] * (fields[f].m - len(fields[f].values)),
            dtype=bool,
        )
        held = np.bincount(fields[f].codes, minlength=fields[f].m)
        iso.append((f, covered & (held >= 2)))  # a value held once cannot be paired
    dmax = [_max_differing(f.m, problem.max_size) for f in fields]
    together = np.array([[index[u], index[v]] for u, v in problem.together], dtype=np.int64)
    apart = np.array([[index[u], index[v]] for u, v in problem.apart], dtype=np.int64)
    together = together.reshape(-1, 2)
    apart = apart.reshape(-1, 2)
    partners: dict[int, list[tuple[int, bool]]] = {}
    for pairs, is_together in ((together, True), (apart, False)):
        for u, v in pairs.tolist():
            partners.setdefault(u, []).append((v, is_together))
            partners.setdefault(v, []).append((u, is_together))
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for u, v in together.tolist():
        parent[find(u)] = find(v)
    block = np.array([find(i) for i in range(n)], dtype=np.int64)
    return Encoded(
        problem=problem,
        n=n,
        ids=ids,
        slot_names=slot_names,
        bits=bits,
        leader=leader,
        fields=fields,
        terms=terms,
        weights=weights,
        numbers=numbers,
        dmax=dmax,
        iso=iso,
        together=together,
        apart=apart,
        partners=partners,
        block=block,
        constrained=np.isin(np.arange(n), list(partners)),
    )


def compatible_counts(bits: Bits, mask: NDArray[np.bool_], k: int, chunk: int = 2048) -> IntArray:
    """For each participant in ``mask``, how many others in ``mask`` share ``>= k`` slots."""
    out = np.zeros(len(bits), dtype=np.int64)
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return out
    patterns, inverse, counts = np.unique(
        bits[idx], axis=0, return_inverse=True, return_counts=True
    )
    inverse = inverse.reshape(-1)
    per_pattern = np.empty(len(patterns), dtype=np.int64)
    for start in range(0, len(patterns), chunk):
        block = patterns[start : start + chunk]
        shared = np.bitwise_count(block[:, None, :] & patterns[None, :, :]).sum(-1)
        per_pattern[start : start + chunk] = (shared >= k).astype(np.int64) @ counts
    own_ok = popcount(patterns) >= k  # a participant is not their own partner
    out[idx] = per_pattern[inverse] - own_ok[inverse]
    return out


@dataclass
class Plan:
    """Who can be placed, why the others cannot, and the group counts to try."""

    eligible: NDArray[np.bool_]
    reasons: dict[int, Reason]
    degree: IntArray
    group_counts: list[int]
    placeable: int  # most participants any group count can place
    size_reason: Reason | None  # why some must be left out although placeable
    leader_units: int


def _best_counts(
    n_ok: int, n_lead: int, leader_units: int, a: int, b: int, rule: str
) -> tuple[int, list[int]]:
    """Most participants placeable, and the group counts that place that many."""
    best, counts = 0, []
    for g in range(1, n_ok // a + 1):
        if rule != "none" and g > leader_units:
            break
        pool = n_ok if rule != "exactly_one" else g + (n_ok - n_lead)
        placed = min(pool, g * b)
        if placed < g * a:
            continue
        if placed > best:
            best, counts = placed, [g]
        elif placed == best:
            counts.append(g)
    mid = (a + b) / 2
    counts.sort(key=lambda g: (abs(best / g - mid), -g))
    return best, counts


def _ids(enc: Encoded, members: Sequence[int]) -> list[str]:
    return [enc.ids[i] for i in members]


def plan_groups(enc: Encoded) -> Plan:
    """
    Find participants who cannot be in any group, and the group counts to try.

    A participant cannot be placed when they have fewer than ``K`` free
    slots, share ``K`` slots with fewer than ``min_size - 1`` others who can
    be placed (repeated to a fixed point), or are tied by ``together`` pairs
    to such a participant, to more than ``max_size`` people, to people with
    fewer than ``K`` common slots, or (exactly one leader) to two leaders.
    """
    prob = enc.problem
    a, b, k = prob.min_size, prob.max_size, prob.min_shared_slots
    n = enc.n
    eligible = np.ones(n, dtype=bool)
    reasons: dict[int, Reason] = {}
    own = popcount(enc.bits)
    for i in np.flatnonzero(own < k).tolist():
        eligible[i] = False
        reasons[i] = reason("few_free_slots", free=int(own[i]), k=k)
    blocks: dict[int, list[int]] = {}
    for i in range(n):
        blocks.setdefault(int(enc.block[i]), []).append(i)
    for members in blocks.values():
        if len(members) < 2:
            continue
        why: str | None = None
        params: dict[str, int] = {}
        common = int(popcount(np.bitwise_and.reduce(enc.bits[members], axis=0)[None, :])[0])
        if len(members) > b:
            why, params = "together_too_many", {"count": len(members) - 1, "max_size": b}
        elif common < k:
            why, params = "together_few_shared_slots", {"shared": common, "k": k}
        elif prob.leaders == "exactly_one" and int(enc.leader[members].sum()) > 1:
            why = "together_two_leaders"
        if why is not None:
            for i in members:
                if i not in reasons:
                    if why == "together_too_many":
                        reasons[i] = reason(why, **params)
                    else:
                        others = _ids(enc, [j for j in members if j != i])
                        reasons[i] = reason(why, others=others, **params)
                eligible[i] = False
    degree = np.full(n, n, dtype=np.int64)
    while True:
        degree = (
            compatible_counts(enc.bits, eligible, k) if k > 0 else np.full(n, eligible.sum() - 1)
        )
        bad = eligible & (degree < a - 1) if k > 0 else np.zeros(n, dtype=bool)
        if not bad.any():
            break
        for i in np.flatnonzero(bad).tolist():
            eligible[i] = False
            d = int(degree[i])
            if d == 0:
                reasons[i] = reason("shares_with_nobody", k=k)
            else:
                reasons[i] = reason("shares_with_few", k=k, count=d, min_size=a)
        # a block goes with its members
        for members in blocks.values():
            if len(members) > 1 and not eligible[members].all():
                out = [j for j in members if not eligible[j]]
                for i in members:
                    if eligible[i]:
                        eligible[i] = False
                        reasons[i] = reason("together_with_unplaceable", others=_ids(enc, out))
    # leader-bearing units (blocks that contain a leader)
    unit_leader: dict[int, bool] = {}
    for i in np.flatnonzero(eligible).tolist():
        unit_leader[int(enc.block[i])] = unit_leader.get(int(enc.block[i]), False) or bool(
            enc.leader[i]
        )
    leader_units = sum(unit_leader.values())
    n_ok = int(eligible.sum())
    n_lead = int((eligible & enc.leader).sum())
    best, counts = _best_counts(n_ok, n_lead, leader_units, a, b, prob.leaders)
    size_reason = None
    if n_ok and best < n_ok:
        lost = n_ok - best
        plain, _ = _best_counts(n_ok, n_lead, leader_units, a, b, "none")
        if best == 0 and n_ok < a:
            size_reason = reason("too_few_for_a_group", count=n_ok, min_size=a)
        elif best < plain and leader_units == 0:
            size_reason = reason("no_leader")
        elif best < plain and prob.leaders == "exactly_one" and n_lead > max(counts, default=0):
            size_reason = reason(
                "too_many_leaders",
                leaders=n_lead,
                groups=max(counts, default=0),
                min_size=a,
                max_size=b,
                left_out=lost,
            )
        elif best < plain:
            size_reason = reason(
                "too_few_leaders", leaders=leader_units, count=n_ok, max_size=b, left_out=lost
            )
        else:
            size_reason = reason(
                "sizes_do_not_fit", count=n_ok, min_size=a, max_size=b, left_out=lost
            )
    return Plan(eligible, reasons, degree, counts, best, size_reason, leader_units)
