"""
The heuristic: a seeded constructive start, then iterated local search.

Objective
---------
Lexicographic, smaller is better: broken hard rules (leaders, together,
apart), participants left out, isolated members, then the *lowest* group
score (maximised), then the mean group score (maximised) — the max-min
("fair first") objective of CATME Team-Maker [1]_.  Sizes and shared free
slots are never broken: every move that would break them is discarded.

Constructive start
------------------
Participants tied by ``together`` pairs move as one unit.  Units are taken
hardest to place first (fewest others sharing ``K`` free slots, ties broken
by the seeded generator).  One group is opened per seed unit (a leader unit
when leaders are required); every other unit joins the group that can take
it (room, ``K`` common slots, leader and apart rules) preferring groups
still below the minimum size, then the largest score gain.  Groups that
stay below the minimum take members from the pool of unplaced participants
or from groups above the minimum, or are dissolved.

Local search
------------
Repeatedly take the lowest-scoring group not known to be locally optimal
and try, all at once with :meth:`.state.State.after`, every swap of one of
its members with another participant (placed or not), every move of one of
its members to another group, and every move of another participant into
it; apply the best move if it improves the search key (the objective with,
after the lowest score, the number of groups at that score — which lets
the search raise the groups tied at the bottom one at a time).  Large
cohorts try a seeded sample of the other participants.  Iterated local
search [2]_ then repeats: perturb with a few random valid swaps, descend
again, keep the result unless it is worse; restarts from new constructive
starts (cycling through the admissible numbers of groups) guard against a
poor basin.  The best grouping under the objective is returned.

References
----------
.. [1] Layton, R. A., Loughry, M. L., Ohland, M. W. and Ricco, G. D. (2010).
   "Design and validation of a web-based system for assigning members to
   teams using instructor-specified criteria." *Advances in Engineering
   Education* 2(1), 1-28.
.. [2] Lourenço, H. R., Martin, O. C. and Stützle, T. (2003). "Iterated
   local search." In *Handbook of Metaheuristics*, Glover and Kochenberger
   (eds.), 320-353. Kluwer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .encode import Encoded, Plan, popcount
from .exact import ExactOutcome, solve_exact
from .model import SearchOptions
from .state import BIG, State

__all__ = [
    "EXACT_SECONDS",
    "SearchStats",
    "construct",
    "defaults",
    "dissolve_short",
    "local_search",
    "repair",
    "search",
]

EXACT_SECONDS = 10.0
"""Default deterministic time limit of the exact phase (``SearchOptions.exact_seconds``)."""

IntArray = NDArray[np.int64]


@dataclass
class SearchStats:
    """Counts of the work done (reported in the result's ``stats``)."""

    restarts: int = 0
    rounds: int = 0
    evaluations: int = 0
    moves: int = 0
    group_counts: list[int] = field(default_factory=list)
    exact: ExactOutcome | None = None


def _units(enc: Encoded, eligible: NDArray[np.bool_]) -> list[list[int]]:
    blocks: dict[int, list[int]] = {}
    for i in np.flatnonzero(eligible).tolist():
        blocks.setdefault(int(enc.block[i]), []).append(i)
    return list(blocks.values())


def _can_join(st: State, members: list[int], groups: IntArray) -> NDArray[np.bool_]:
    """Which of ``groups`` can take the unit ``members`` (room, slots, leaders, apart)."""
    enc = st.enc
    uand = np.bitwise_and.reduce(enc.bits[members], axis=0)
    ok = st.size[groups] + len(members) <= st.b
    ok &= popcount(st.gand[groups] & uand[None, :]) >= st.k
    if st.rule == "exactly_one" and enc.leader[members].any():
        ok &= st.lead[groups] == 0
    for i in members:
        for u, together in enc.partners.get(i, ()):
            if not together and st.group_of[u] >= 0:
                ok &= groups != st.group_of[u]
    return ok


def construct(
    enc: Encoded,
    plan: Plan,
    n_groups: int,
    rng: np.random.Generator,
    *,
    randomized: bool = False,
    noise: float = 0.0,
) -> State:
    """
    Seeded greedy start with ``n_groups`` groups (see the module docstring).

    ``noise`` (0 on the first restart) blurs the hardest-first order so that
    later restarts start elsewhere.  With ``randomized``, units come in
    random order and join a random group that can take them: the "random
    valid grouping" baseline.
    """
    st = State(enc, np.full(enc.n, -1, dtype=np.int64), n_groups, plan.eligible)
    units = _units(enc, plan.eligible)
    if not units or n_groups == 0:
        return st
    degree = np.array([min(int(plan.degree[i]) for i in u) for u in units], dtype=np.float64)
    has_leader = np.array([bool(enc.leader[u].any()) for u in units])
    ties = rng.random(len(units))
    blurred = degree + noise * (degree.std() + 1.0) * rng.random(len(units))
    order = np.argsort(ties) if randomized else np.lexsort((ties, blurred))
    if st.rule != "none":
        leaders = [u for u in order.tolist() if has_leader[u]]
        if st.rule == "exactly_one" and len(leaders) > n_groups and not randomized:
            leaders = leaders[::-1]  # surplus leaders: seed with the easiest to place
        seeds = leaders[:n_groups]
    else:
        seeds = order[:n_groups].tolist()
    st.relocate([(i, g) for g, u in enumerate(seeds) for i in units[u]])
    taken = set(seeds)
    groups = np.arange(n_groups)
    for u in order.tolist():
        if u not in taken:
            _place(st, units[u], groups, rng, randomized)
    _repair(st, units, has_leader, rng)
    return st


def dissolve_short(st: State, rng: np.random.Generator) -> State:
    """Dissolve groups below the minimum size and place their members elsewhere."""
    if not st.short.any():
        return st
    units = _units(st.enc, st.eligible)
    st.relocate([(i, -1) for g in np.flatnonzero(st.short > 0).tolist() for i in st.members[g]])
    return _compact(st, units, rng)


def _place(
    st: State, members: list[int], groups: IntArray, rng: np.random.Generator, randomized: bool
) -> bool:
    ok = _can_join(st, members, groups)
    if not ok.any():
        return False
    cand = groups[ok]
    if randomized:
        g = int(cand[rng.integers(len(cand))])
    else:
        aft = st.after(cand, np.full(len(cand), -1), np.full(len(cand), members[0]))
        need = (st.size[cand] < st.a).astype(np.int64)
        gain = aft.score - st.score[cand]
        g = int(cand[np.lexsort((rng.random(len(cand)), -aft.shared, -gain, -need))[0]])
    st.relocate([(i, g) for i in members])
    return True


def _repair(
    st: State, units: list[list[int]], has_leader: NDArray[np.bool_], rng: np.random.Generator
) -> None:
    """Bring every group to the minimum size: take members, re-seed, or dissolve it."""
    enc = st.enc
    single = np.zeros(enc.n, dtype=bool)
    unit_of = np.full(enc.n, -1, dtype=np.int64)
    for k, u in enumerate(units):
        unit_of[u] = k
        if len(u) == 1:
            single[u[0]] = True
    dead: set[int] = set()
    tried: dict[int, set[int]] = {}
    while True:
        under = [g for g in np.flatnonzero(st.size < st.a).tolist() if g not in dead]
        if not under:
            break
        g = under[0]
        cand = np.flatnonzero(single & st.eligible & (st.group_of != g))
        src = st.group_of[cand]
        donor_ok = (src < 0) | (st.size[np.maximum(src, 0)] > st.a)
        cand, src = cand[donor_ok], src[donor_ok]
        chosen = -1
        if cand.size:
            into = st.after(np.full(len(cand), g), np.full(len(cand), -1), cand)
            fine = (into.n <= st.b) & (into.shared >= st.k) & (into.lviol <= st.lviol[g])
            placed = src >= 0
            if placed.any():
                out = st.after(src[placed], cand[placed], np.full(int(placed.sum()), -1))
                keep = (out.shared >= st.k) & (out.lviol <= st.lviol[src[placed]])
                fine[placed] &= keep
            fine &= st.pair_delta(None, None, cand, np.full(len(cand), g), len(cand)) <= 0
            if fine.any():
                idx = np.flatnonzero(fine)
                # prefer the unplaced, then the best score for the group
                pick = np.lexsort((rng.random(len(idx)), -into.score[idx], src[idx] >= 0))[0]
                chosen = int(cand[idx[pick]])
        if chosen >= 0:
            st.relocate([(chosen, g)])
            continue
        # re-seed the group with an unplaced unit it has not had yet, a few
        # times; a group still short is left to the local search
        seen = tried.setdefault(g, {int(unit_of[i]) for i in st.members[g]})
        free = [
            k
            for k in dict.fromkeys(unit_of[(st.group_of < 0) & st.eligible].tolist())
            if k not in seen and (st.rule == "none" or has_leader[k])
        ]
        if free and len(seen) < 6:
            k = free[int(rng.integers(len(free)))]
            seen.add(k)
            st.relocate([(i, -1) for i in list(st.members[g])] + [(i, g) for i in units[k]])
        else:
            dead.add(g)


def _compact(st: State, units: list[list[int]], rng: np.random.Generator) -> State:
    live = [g for g in range(st.G) if st.members[g]]
    if len(live) == st.G:
        out = st
    else:
        renum = np.full(st.G + 1, -1, dtype=np.int64)
        renum[live] = np.arange(len(live))
        out = State(st.enc, renum[st.group_of], len(live), st.eligible)
    groups = np.arange(out.G)
    if out.G:
        for u in units:
            if out.group_of[u[0]] < 0:
                _place(out, u, groups, rng, randomized=False)
    return out


# ---------------------------------------------------------------- local search


def _best_move(
    st: State, A: int, rng: np.random.Generator, sample: int, flat: bool
) -> tuple[bool, int, int]:
    """Apply the best improving move involving group ``A``; return (applied, other group, tried)."""
    P = np.array(st.members[A], dtype=np.int64)
    pool = np.flatnonzero(st.eligible & (st.group_of != A))
    if len(pool) > sample:
        free = pool[st.group_of[pool] < 0]
        placed = pool[st.group_of[pool] >= 0]
        pick = np.sort(rng.choice(len(placed), size=min(sample, len(placed)), replace=False))
        pool = np.concatenate([placed[pick], free])
    if pool.size == 0 and P.size == 0:
        return False, -1, 0
    gq = st.group_of[pool]
    targets = np.append(np.unique(gq[gq >= 0]), -1)
    nP, nQ, nT = len(P), len(pool), len(targets)
    p = np.concatenate([np.repeat(P, nQ), np.repeat(P, nT), np.full(nQ, -1)])
    q = np.concatenate([np.tile(pool, nP), np.full(nP * nT, -1), pool])
    gB = np.concatenate([np.tile(gq, nP), np.tile(targets, nP), gq])
    M = len(p)
    if M == 0:
        return False, -1, 0
    Aarr = np.full(M, A)
    sa = st.after(Aarr, p, q)
    hasB = gB >= 0
    gBs = np.where(hasB, gB, 0)
    sb = st.after(gBs, np.where(hasB, q, -1), np.where(hasB, p, -1))
    feasible = sa.ok & (sb.ok | ~hasB)
    if not feasible.any():
        return False, -1, M
    hi = hasB.astype(np.int64)
    dbench = ((p >= 0) & ~hasB).astype(np.int64) - ((q >= 0) & ~hasB)
    dpair = np.zeros(M, dtype=np.int64)
    if st.enc.partners:
        for k, pk in enumerate(P.tolist()):
            for lo, hi_ in ((k * nQ, (k + 1) * nQ), (nP * nQ + k * nT, nP * nQ + (k + 1) * nT)):
                sl = slice(lo, hi_)
                dpair[sl] = st.pair_delta(pk, gB[sl], q[sl], Aarr[sl], hi_ - lo)
        sl = slice(nP * (nQ + nT), M)
        dpair[sl] = st.pair_delta(None, None, q[sl], Aarr[sl], M - nP * (nQ + nT))
    hard = st.hard - st.lviol[A] - hi * st.lviol[gBs] + sa.lviol + hi * sb.lviol + dpair
    missing = st.missing + sa.short - st.short[A] + hi * (sb.short - st.short[gBs])
    bench = st.bench + dbench
    iso = st.iso - st.iso_g[A] - hi * st.iso_g[gBs] + sa.iso + hi * sb.iso
    oldA = st.score[A]
    oldB = np.where(hasB, st.score[gBs], 0)
    newB = np.where(hasB, sb.score, BIG)
    ids, vals = st.low_ids, st.low_vals
    other = np.full(M, BIG)
    for t in (2, 1, 0):
        usable = (ids[t] != A) & ~(hasB & (ids[t] == gB))
        other = np.where(usable, vals[t], other)
    new_min = np.minimum(np.minimum(other, sa.score), newB)
    eq = np.searchsorted(st.sorted_scores, new_min, side="right") - np.searchsorted(
        st.sorted_scores, new_min, side="left"
    )
    untouched = eq - (oldA == new_min) - (hasB & (oldB == new_min))
    at_min = (
        (sa.score == new_min).astype(np.int64)
        + (hasB & (newB == new_min))
        + np.where(other == new_min, untouched, 0)
    )
    total = st.total - oldA - oldB + sa.score + np.where(hasB, sb.score, 0)
    big = np.int64(2**40)
    cols = [hard, missing, bench, iso, -new_min]
    cols += [at_min, -total] if flat else [-total, at_min]
    cols = [np.where(feasible, c, big) for c in cols]
    best = int(np.lexsort(cols[::-1])[0])
    cand_key = tuple(int(c[best]) for c in cols)
    if not feasible[best] or cand_key >= st.key(flat):
        return False, -1, M
    moves = []
    if p[best] >= 0:
        moves.append((int(p[best]), int(gB[best])))
    if q[best] >= 0:
        moves.append((int(q[best]), A))
    st.relocate(moves)
    return True, int(gB[best]), M


def local_search(
    st: State,
    rng: np.random.Generator,
    sample: int,
    dirty: NDArray[np.bool_] | None = None,
    stats: SearchStats | None = None,
    max_steps: int = 1_000_000,
) -> None:
    """
    Descend until no group marked ``dirty`` has an improving move.

    Two descents: the first ranks, after the lowest score, fewer groups at
    that score before a higher total (to lift groups tied at the bottom one
    at a time); the second, over the groups the first touched, ranks the
    total first, as the objective does.
    """
    if st.G == 0:
        return
    start = np.ones(st.G, dtype=bool) if dirty is None else dirty.copy()
    touched = start.copy()
    for flat in (True, False):
        marks = start.copy() if flat else touched
        for _ in range(max_steps):
            cand = np.flatnonzero(marks)
            if cand.size == 0:
                break
            A = int(cand[np.argmin(st.score[cand])])
            applied, other, tried = _best_move(st, A, rng, sample, flat)
            if stats is not None:
                stats.evaluations += tried
                stats.moves += applied
            if applied:
                touched[A] = True
                if other >= 0:
                    marks[other] = touched[other] = True
            else:
                marks[A] = False


def _perturb(st: State, rng: np.random.Generator, swaps: int) -> NDArray[np.bool_]:
    """
    Apply up to ``swaps`` random swaps (with unplaced participants too) that
    keep sizes and shared slots; they may break a leader or pair rule, which
    the next descent must mend or the round is undone.
    """
    changed = np.zeros(st.G, dtype=bool)
    placed = np.flatnonzero(st.group_of >= 0)
    pool = np.flatnonzero(st.eligible)
    if placed.size < 1 or pool.size < 2:
        return changed
    done = 0
    for _ in range(8 * swaps):
        if done >= swaps:
            break
        p = rng.choice(placed, size=64)
        q = rng.choice(pool, size=64)
        gp, gq = st.group_of[p], st.group_of[q]
        real = gq >= 0
        gqs = np.maximum(gq, 0)
        sa = st.after(gp, p, q)
        sb = st.after(gqs, np.where(real, q, -1), np.where(real, p, -1))
        ok = (gp != gq) & sa.ok & (sb.ok | ~real)
        ok = np.flatnonzero(ok)
        if ok.size == 0:
            continue
        t = int(ok[0])
        st.relocate([(int(p[t]), int(gq[t])), (int(q[t]), int(gp[t]))])
        changed[gp[t]] = True
        if gq[t] >= 0:
            changed[gq[t]] = True
        done += 1
    return changed


def _better(a: State, b: State | None) -> bool:
    if b is None:
        return True
    ka = (a.hard, a.missing, a.bench, a.iso, -a.min)
    kb = (b.hard, b.missing, b.bench, b.iso, -b.min)
    if ka != kb:
        return ka < kb
    return a.total * max(b.G, 1) > b.total * max(a.G, 1)  # higher mean


def _iterate(
    st: State,
    rng: np.random.Generator,
    sample: int,
    rounds: int,
    stats: SearchStats,
    *,
    until_complete: bool = False,
) -> State:
    """Iterated local search: perturb, descend, keep unless worse; return the best state."""
    current = st.copy()
    best = st.copy()
    swaps = max(2, min(12, st.G // 20))
    for _ in range(rounds):
        if until_complete and not current.short.any():
            break
        stats.rounds += 1
        changed = _perturb(st, rng, swaps)
        if not changed.any():
            break
        local_search(st, rng, sample, dirty=changed, stats=stats)
        if st.key() <= current.key():
            current = st.copy()
            if _better(st, best):
                best = st.copy()
        else:
            st = current.copy()
    return best


def defaults(n: int, options: SearchOptions) -> tuple[int, int, int]:
    """The effort used: ``(restarts, rounds, sample)`` (see docs/groups.md)."""
    restarts = options.restarts
    if restarts is None:
        restarts = 6 if n <= 30 else 4 if n <= 1000 else 2
    rounds = options.rounds
    if rounds is None:
        rounds = 20 if n <= 30 else 30 if n <= 1000 else 10
    sample = options.sample if options.sample is not None else 600
    return restarts, rounds, sample


def search(
    enc: Encoded, plan: Plan, seed: int, options: SearchOptions, *, improve: bool = True
) -> tuple[State | None, SearchStats]:
    """Run the heuristic; return the best grouping found (``None``: no group count works)."""
    stats = SearchStats(group_counts=list(plan.group_counts))
    if not plan.group_counts:
        return None, stats
    rng = np.random.default_rng(seed)
    restarts, rounds, sample = defaults(int(plan.eligible.sum()), options)
    best: State | None = None
    for r in range(restarts):
        stats.restarts += 1
        n_groups = plan.group_counts[r % len(plan.group_counts)]
        st = construct(enc, plan, n_groups, rng, noise=0.0 if r == 0 else 0.5)
        if not improve:
            st = dissolve_short(st, rng)
            if _better(st, best):
                best = st
            continue
        local_search(st, rng, sample, stats=stats)
        if st.short.any():  # first try to complete the short groups
            st = _iterate(st, rng, sample, rounds, stats, until_complete=True)
            st = dissolve_short(st, rng)
            local_search(st, rng, sample, stats=stats)
        st = _iterate(st, rng, sample, rounds, stats)
        if _better(st, best):
            best = st
    return best, stats


def _needs_exact(st: State | None, plan: Plan, allow_left_out: bool) -> bool:
    """
    Whether the search's best grouping falls short of a feasible one that may exist.

    Not when no group count works, nor when the plan already shows that
    someone cannot be placed and nobody may be left out (the reason is
    proved); otherwise when a hard rule is broken, a group is short, or
    someone placeable is left out while nobody may be.
    """
    if st is None:
        return False
    if not allow_left_out:
        if plan.reasons or plan.placeable < int(plan.eligible.sum()):
            return False
        return bool(st.hard or st.missing or st.bench)
    return bool(st.hard or st.missing)


def repair(
    enc: Encoded,
    plan: Plan,
    best: State | None,
    seed: int,
    options: SearchOptions,
    stats: SearchStats,
) -> State | None:
    """
    Replace a grouping that breaks a hard rule, or leaves out someone who may
    not be, with the exact phase's grouping improved by local search.

    The exact phase (:func:`.exact.solve_exact`, CP-SAT) runs only when
    :func:`_needs_exact` says so, within ``options.exact_seconds``
    (deterministic seconds, less for a large model: :func:`.exact.exact_limit`;
    0 turns it off).  Its grouping meets every hard
    rule; the descent and ``rounds`` rounds of iterated local search then
    raise the scores, and never accept a move that breaks a rule, leaves a
    group short or someone out (those rank first in the search key).  The
    outcome is kept in ``stats.exact``; the search's grouping is returned
    when the exact phase finds nothing better.
    """
    seconds = EXACT_SECONDS if options.exact_seconds is None else options.exact_seconds
    if seconds <= 0 or not _needs_exact(best, plan, enc.problem.allow_left_out):
        return best
    outcome = solve_exact(enc, plan, hint=best, seed=seed, seconds=seconds)
    stats.exact = outcome
    if outcome.group_of is None or outcome.n_groups == 0:
        return best
    st = State(enc, outcome.group_of, outcome.n_groups, plan.eligible)
    rng = np.random.default_rng(seed)
    _, rounds, sample = defaults(int(plan.eligible.sum()), options)
    local_search(st, rng, sample, stats=stats)
    st = _iterate(st, rng, sample, rounds, stats)
    return st if _better(st, best) else best
