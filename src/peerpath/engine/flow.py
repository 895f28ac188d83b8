"""
Exact optimal and fair assignment by min-cost flow with a dual certificate.

The assignment is a transportation problem: each mentee supplies one unit,
mentor ``j`` absorbs up to ``cap_j`` units, pair ``(i, j)`` gains ``s_ij``.
The *optimal* mode is lexicographic (most mentees matched, then the largest
total score).  OR-Tools' cost-scaling min-cost flow solves it on the candidate
pairs as a maximum flow of minimum cost [1]_.  A dual solution is then
recovered for the equivalent single-objective problem with weights
``w_ij = M + s_ij`` where ``M = K * range + 1`` (``K`` bounds the matching size,
``range`` the score range, both in micro-points), which makes one more
matched mentee worth more than any change of total score.  All arithmetic is
in integers, so this big-M is exact.

The dual is the pointwise-least mentor price vector ``v`` consistent with
complementary slackness; it is a longest-path problem on the mentors
(Bellman–Ford [2]_, vectorised, relaxing only prices that changed).  With
``u_i = w_{i,match(i)} - v_{match(i)}`` (0 for unmatched mentees), the
matching is optimal for *all* pairs when no pair has positive reduced cost
``w_ij - u_i - v_j``; :func:`~.candidates.find_violations` checks that for
every non-candidate pair, and violating pairs are added and the problem is
solved again until none is left (pricing / column generation [3]_).

The *fair* mode maximises the number matched, then the lowest pair score
(a bottleneck problem, solved by binary search over the candidate scores
with a maximum-flow feasibility test [4]_), then the total.  The bottleneck
value is certified by a König cut: its node duals must cover every pair of
the full problem that scores above the bottleneck.

References
----------
.. [1] A. V. Goldberg, "An efficient implementation of a scaling
   minimum-cost flow algorithm", *J. Algorithms* 22(1), 1997.
.. [2] R. Bellman, "On a routing problem", *Quart. Appl. Math.* 16, 1958.
.. [3] R. K. Ahuja, T. L. Magnanti and J. B. Orlin, *Network Flows*, 1993,
   sections 9.3 (reduced-cost optimality) and 12.4 (assignment).
.. [4] H. N. Gabow and R. E. Tarjan, "Algorithms for two bottleneck
   optimization problems", *J. Algorithms* 9(3), 1988.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import max_flow, min_cost_flow
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .candidates import Candidates, find_violations
from .problem import SCORE_SCALE
from .scoring import DenseScorer, SparseScorer

__all__ = ["FlowOutcome", "solve_fair", "solve_optimal"]

IntArray = NDArray[np.intp]
I64 = NDArray[np.int64]
_MAX_ROUNDS = 30
_WARM_PASSES = 300  # Bellman–Ford passes allowed when checking a warm re-solve
_WARM_SHARE = 0.9  # a warm re-solve is tried when it frees at most this share of mentees
_WARM_RADIUS = 1  # warm re-solves keep arcs within this many times the largest violation
_MARGIN = 0.0  # > 0 also adds pairs this close to violating (fewer rounds, wider scans)


class SolverError(RuntimeError):
    """The solver returned something that fails its own optimality check."""


@dataclass
class FlowOutcome:
    """A matching (``match[i]`` is a mentor index or -1) and how it was certified."""

    match: IntArray
    certified: bool
    rounds: int = 0
    candidates: int = 0
    scored_pairs: int = 0
    solve_seconds: float = 0.0
    certify_seconds: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


def _min_cost_max_flow(n: int, m: int, cap: I64, ci: IntArray, cj: IntArray, cost: I64) -> IntArray:
    """Maximum flow of minimum cost; returns ``match`` (mentor per mentee or -1)."""
    match = np.full(n, -1, dtype=np.intp)
    if len(ci) == 0:
        return match
    src, sink = n + m, n + m + 1
    e = len(ci)
    tails = np.concatenate([np.full(n, src), ci, n + np.arange(m)]).astype(np.int32)
    heads = np.concatenate([np.arange(n), n + cj, np.full(m, sink)]).astype(np.int32)
    caps = np.concatenate([np.ones(n + e, dtype=np.int64), cap.astype(np.int64)])
    costs = np.concatenate([np.zeros(n, np.int64), cost, np.zeros(m, np.int64)])
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    smcf.set_node_supply(src, n)
    smcf.set_node_supply(sink, -n)
    status = smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:
        raise SolverError(f"min-cost flow failed with status {status}")
    flows = np.asarray(smcf.flows(np.arange(n, n + e, dtype=np.int32)))
    used = np.flatnonzero(flows > 0)
    match[ci[used]] = cj[used]
    return match


def _max_flow_cut(
    n: int, m: int, cap: I64, ci: IntArray, cj: IntArray
) -> tuple[int, NDArray[np.bool_], NDArray[np.bool_]]:
    """Maximum number matched and the source side of a minimum cut (mentees, mentors)."""
    src, sink = n + m, n + m + 1
    if len(ci) == 0:
        return 0, np.ones(n, bool), np.zeros(m, bool)
    smf = max_flow.SimpleMaxFlow()
    tails = np.concatenate([np.full(n, src), ci, n + np.arange(m)]).astype(np.int32)
    heads = np.concatenate([np.arange(n), n + cj, np.full(m, sink)]).astype(np.int32)
    caps = np.concatenate(
        [np.ones(n, np.int64), np.full(len(ci), n + 1, np.int64), cap.astype(np.int64)]
    )
    smf.add_arcs_with_capacity(tails, heads, caps)
    status = smf.solve(src, sink)
    if status != smf.OPTIMAL:
        raise SolverError(f"max flow failed with status {status}")
    side = np.zeros(n + m + 2, dtype=bool)
    side[np.asarray(smf.get_source_side_min_cut(), dtype=np.intp)] = True
    return int(smf.optimal_flow()), side[:n], side[n : n + m]


def _potentials(
    n: int,
    m: int,
    cap: I64,
    ci: IntArray,
    cj: IntArray,
    w: I64,
    match: IntArray,
    *,
    max_passes: int | None = None,
) -> tuple[I64, I64]:
    """
    Least mentor prices ``v`` and mentee values ``u`` certifying ``match`` on the candidates.

    ``max_passes`` bounds the Bellman–Ford passes (default ``m + 2``, which
    always suffices for an optimal ``match``); a smaller bound makes a
    non-optimal ``match`` fail fast.

    Raises
    ------
    SolverError
        If no such dual exists (the matching is not optimal on the candidates),
        or ``max_passes`` passes did not settle the prices.
    """
    matched = match >= 0
    is_match_edge = match[ci] == cj
    w_match = np.zeros(n, dtype=np.int64)
    w_match[ci[is_match_edge]] = w[is_match_edge]
    v = np.zeros(m, dtype=np.int64)
    free_edge = ~matched[ci]
    np.maximum.at(v, cj[free_edge], w[free_edge])
    arc = matched[ci] & ~is_match_edge
    src = match[ci[arc]]
    dst = cj[arc]
    delta = w[arc] - w_match[ci[arc]]
    order = np.argsort(src, kind="stable")
    src, dst, delta = src[order], dst[order], delta[order]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=m))])
    frontier = np.arange(m, dtype=np.intp)
    passes = m + 2 if max_passes is None else min(max_passes, m + 2)
    for _ in range(passes):
        if len(frontier) == 0:
            break
        starts = indptr[frontier]
        counts = indptr[frontier + 1] - starts
        total = int(counts.sum())
        if total == 0:
            break
        offs = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        pos = np.repeat(starts, counts) + offs
        cand = v[src[pos]] + delta[pos]
        targets = dst[pos]
        better = cand > v[targets]
        if not better.any():
            break
        targets, cand = targets[better], cand[better]
        before = v.copy()
        np.maximum.at(v, targets, cand)
        frontier = np.flatnonzero(v != before)
    else:
        raise SolverError("mentor prices do not converge: matching not optimal")
    u = np.where(matched, w_match - v[np.maximum(match, 0)], 0)
    load = np.bincount(match[matched], minlength=m)
    ok = (
        (u >= 0).all()
        and (v[load < cap] == 0).all()
        and (u[ci] + v[cj] >= w).all()
        and (u[ci[is_match_edge]] + v[cj[is_match_edge]] == w[is_match_edge]).all()
    )
    if not ok:
        raise SolverError("dual certificate failed on the candidate pairs")
    return u, v


def _warm_resolve(
    n: int,
    m: int,
    cap: I64,
    ci: IntArray,
    cj: IntArray,
    cs: I64,
    w: I64,
    match: IntArray,
    u: I64,
    v: I64,
) -> IntArray | None:
    """
    Re-solve after arcs were added, on the part of the problem that can change.

    ``match`` is optimal, with duals ``(u, v)``, for the previous arcs; the
    added arcs violate the duals.  Raising one side's duals by each added
    arc's violation (the cheaper side) gives a feasible dual whose objective
    exceeds the current matching's value by ``gap``.  By LP reduced-cost
    fixing [1]_, no optimal matching uses an arc whose reduced cost under that
    dual exceeds ``gap``, nor unmatches a mentee whose value exceeds ``gap``:
    either would cost more than the whole gap.  An improving exchange is a
    cycle of such arcs through an added arc, so only the mentees in a
    connected component (of those arcs and the current pairs) that holds an
    added arc can move; the rest keep their mentor, and only the components
    are re-solved.  The caller still certifies the result with
    :func:`_potentials` on every arc (and falls back to a full solve).

    Returns the new ``match``, or None when too little can be fixed to pay off.

    References
    ----------
    .. [1] G. L. Nemhauser and L. A. Wolsey, *Integer and Combinatorial
       Optimization*, 1988, section II.2.1 (reduced-cost fixing).
    """
    r = u[ci] + v[cj] - w
    neg = r < 0
    if not neg.any():
        return match
    need_i = np.zeros(n, dtype=np.int64)
    np.maximum.at(need_i, ci[neg], -r[neg])
    need_j = np.zeros(m, dtype=np.int64)
    np.maximum.at(need_j, cj[neg], -r[neg])
    gap_i = int(need_i.sum())
    gap_j = int((need_j * cap).sum())  # a mentor's price counts once per unit of capacity
    if gap_i <= gap_j:
        u2, v2, gap = u + need_i, v, gap_i
    else:
        u2, v2, gap = u, v + need_j, gap_j
    # The proof needs the whole gap; improving cycles almost always run through
    # one added arc and arcs within its violation, so a tighter radius is tried
    # first.  Either way the result is certified on every arc by the caller.
    gap = min(gap, _WARM_RADIUS * int((-r[neg]).max()))
    r2 = u2[ci] + v2[cj] - w  # >= 0 everywhere now
    keep_arc = r2 <= gap
    own = match[ci] == cj
    matched = match >= 0
    # An improving exchange is a cycle of arcs within the radius through an
    # added arc, so only the connected components (of those arcs and the
    # current pairs) that hold an added arc can change.
    link = keep_arc | own
    graph = coo_matrix(
        (np.ones(int(link.sum()), dtype=np.int8), (ci[link], n + cj[link])), shape=(n + m, n + m)
    )
    _, label = connected_components(graph, directed=False)
    hot = np.zeros(int(label.max()) + 1, dtype=bool)
    hot[label[ci[neg]]] = True
    free = hot[label[:n]]
    free[np.bincount(ci, minlength=n) == 0] = False
    if int(free.sum()) > _WARM_SHARE * max(int(np.unique(ci).size), 1):
        return None
    fixed = matched & ~free
    sub_cap = cap - np.bincount(match[fixed], minlength=m)
    sel = keep_arc & free[ci] & (sub_cap[cj] > 0)
    ui, li = np.unique(ci[sel], return_inverse=True)
    uj, lj = np.unique(cj[sel], return_inverse=True)
    out = match.copy()
    out[free] = -1
    if len(ui):
        local = _min_cost_max_flow(
            len(ui), len(uj), sub_cap[uj], li.astype(np.intp), lj.astype(np.intp), -cs[sel]
        )
        hit = local >= 0
        out[ui[hit]] = uj[local[hit]]
    return out


def _big_m(n_active: int, cap: I64, score_range: int) -> int:
    k = min(n_active, int(cap.sum()))
    return max(k, 1) * max(score_range, 0) + 1


def solve_optimal(
    scorer: DenseScorer | SparseScorer,
    cap: I64,
    active: NDArray[np.bool_],
    cand: Candidates,
    *,
    lo: int | None = None,
) -> FlowOutcome:
    """
    Lexicographic optimum (most matched, then highest total), certified.

    Parameters
    ----------
    scorer : DenseScorer or SparseScorer
    cap : array of int
        Remaining capacity per mentor.
    active : array of bool
        Mentees to match (locked mentees are inactive).
    cand : Candidates
        Candidate pairs; grown in place when certification adds pairs.
    lo : int, optional
        Only pairs scoring at least ``lo`` micro-points may be used (fair mode).
    """
    n, m = scorer.n, scorer.m
    if scorer.sparse:
        all_s = cand.s
        smin = int(all_s.min()) if len(all_s) else 0
        srange = int(all_s.max()) - smin if len(all_s) else 0
    else:
        smin, srange = 0, SCORE_SCALE
    big_m = _big_m(int(active.sum()), cap, srange)
    outcome = FlowOutcome(match=np.full(n, -1, np.intp), certified=False)
    prev: tuple[IntArray, I64, I64] | None = None
    for round_ in range(_MAX_ROUNDS):
        keep = active[cand.i]
        if lo is not None:
            keep &= cand.s >= lo
        ci, cj, cs = cand.i[keep], cand.j[keep], cand.s[keep]
        w = big_m + cs - smin
        t0 = time.perf_counter()
        duals: tuple[I64, I64] | None = None
        match: IntArray | None = None
        if prev is not None:
            # warm: re-solve only what the added arcs can change, then certify it
            match = _warm_resolve(n, m, cap, ci, cj, cs - smin, w, *prev)
            if match is not None:
                try:
                    duals = _potentials(n, m, cap, ci, cj, w, match, max_passes=_WARM_PASSES)
                    outcome.extra["warm_solves"] = outcome.extra.get("warm_solves", 0) + 1
                except SolverError:
                    match = None
        if match is None:
            match = _min_cost_max_flow(n, m, cap, ci, cj, -(cs - smin))
        outcome.match = match
        outcome.candidates = len(ci)
        outcome.solve_seconds += time.perf_counter() - t0
        t0 = time.perf_counter()
        if not isinstance(scorer, DenseScorer):  # every allowed pair is a candidate
            outcome.certified = True
            outcome.rounds = round_ + 1
            outcome.certify_seconds += time.perf_counter() - t0
            return outcome
        u, v = duals if duals is not None else _potentials(n, m, cap, ci, cj, w, match)
        prev = (match, u, v)
        a = np.where(active, (u - big_m + smin).astype(np.float64), np.inf)
        vi, vj, vs, scored = find_violations(
            scorer,
            a,
            v.astype(np.float64),
            cand.row_bound,
            col_bound=cand.col_bound,
            lo=max(lo or 0, 0),
            margin=_MARGIN,
        )
        outcome.scored_pairs += scored
        outcome.certify_seconds += time.perf_counter() - t0
        outcome.rounds = round_ + 1
        if len(vi) == 0:
            outcome.certified = True
            return outcome
        cand.add(vi, vj, vs)
    return outcome


def _bottleneck(
    n: int, m: int, cap: I64, ci: IntArray, cj: IntArray, cs: I64, target: int, floor: int
) -> int:
    """Largest candidate score ``t >= floor`` with ``target`` mentees matchable on pairs ``>= t``."""
    values = np.unique(cs[cs >= floor])
    lo, hi = 0, len(values) - 1
    best = int(values[0]) if len(values) else floor
    while lo <= hi:
        mid = (lo + hi) // 2
        keep = cs >= values[mid]
        flow, _, _ = _max_flow_cut(n, m, cap, ci[keep], cj[keep])
        if flow >= target:
            best = int(values[mid])
            lo = mid + 1
        else:
            hi = mid - 1
    return best


def solve_fair(
    scorer: DenseScorer | SparseScorer,
    cap: I64,
    active: NDArray[np.bool_],
    cand: Candidates,
) -> FlowOutcome:
    """
    Most matched, then the highest lowest pair score, then the highest total.

    Returns the outcome of the final lexicographic solve restricted to pairs
    scoring at least the certified bottleneck; ``extra["bottleneck"]`` holds it
    in micro-points.
    """
    n, m = scorer.n, scorer.m
    first = solve_optimal(scorer, cap, active, cand)
    target = int((first.match >= 0).sum())
    if target == 0:
        first.extra["bottleneck"] = 0.0
        return first
    certified = first.certified
    floor = int(cand.s.min()) if len(cand.s) else 0
    scored = first.scored_pairs
    t0 = time.perf_counter()
    rounds = 0
    while True:
        rounds += 1
        keep = active[cand.i]
        ci, cj, cs = cand.i[keep], cand.j[keep], cand.s[keep]
        tau = _bottleneck(n, m, cap, ci, cj, cs, target, floor)
        if not isinstance(scorer, DenseScorer):
            break
        above = cs >= tau + 1
        flow, src_mentee, src_mentor = _max_flow_cut(n, m, cap, ci[above], cj[above])
        if flow >= target:  # cannot happen: tau is the largest feasible candidate score
            raise SolverError("bottleneck search is inconsistent")
        # König cover of pairs scoring > tau: mentee i covered when off the source
        # side, mentor j when on it.  A pair with neither covered breaks the bound.
        big = 4.0 * SCORE_SCALE
        a = np.where(src_mentee & active, -big, big)
        b = np.where(src_mentor, 2 * big, 0.0)
        vi, vj, vs, scored_now = find_violations(
            scorer, a, b, cand.row_bound, col_bound=cand.col_bound, lo=tau + 1
        )
        scored += scored_now
        if len(vi) == 0:
            break
        cand.add(vi, vj, vs)
        floor = tau
        if rounds > _MAX_ROUNDS:
            certified = False
            break
    bottleneck_seconds = time.perf_counter() - t0
    final = solve_optimal(scorer, cap, active, cand, lo=tau)
    if int((final.match >= 0).sum()) != target:
        raise SolverError("fair solve lost matched mentees")
    final.certified = final.certified and certified
    final.scored_pairs += scored
    final.rounds += first.rounds + rounds
    final.solve_seconds += first.solve_seconds + bottleneck_seconds
    final.certify_seconds += first.certify_seconds
    final.extra["bottleneck"] = float(tau)
    return final
