"""
A grouping with incrementally maintained group statistics.

Every group keeps the ``bitwise_and`` of its members' slot rows, value counts
per categorical field (and their sum of squares), sums and sums of squares
of numeric z-scores, its leader count, isolation count and score.  Every
member keeps the ``bitwise_and`` of its *group mates'* rows, so the common
slots of "group ``g`` without ``r`` plus ``a``" is one ``&`` and one
``bitwise_count`` — :meth:`State.after` evaluates thousands of such changes
at once without a Python loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray

from .encode import ALL_ONES, Encoded, popcount

__all__ = ["BIG", "After", "State"]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]

BIG = np.int64(2**62)
"""Stands for "no score" (an absent group) in minimum computations."""


class After:
    """A group's statistics after a change, one entry per evaluated change."""

    __slots__ = ("iso", "lviol", "n", "ok", "score", "shared", "short")

    def __init__(
        self,
        n: IntArray,
        shared: IntArray,
        score: IntArray,
        lviol: IntArray,
        iso: IntArray,
        ok: BoolArray,
        short: IntArray,
    ) -> None:
        self.n, self.shared, self.score = n, shared, score
        self.lviol, self.iso, self.ok, self.short = lviol, iso, ok, short


class State:
    """``group_of[i]`` is participant ``i``'s group, or -1 when not placed."""

    def __init__(self, enc: Encoded, group_of: IntArray, n_groups: int, eligible: BoolArray):
        self.enc = enc
        self.G = n_groups
        self.eligible = eligible
        self.group_of = np.asarray(group_of, dtype=np.int64).copy()
        self.members: list[list[int]] = [[] for _ in range(n_groups)]
        for i in np.flatnonzero(self.group_of >= 0).tolist():
            self.members[int(self.group_of[i])].append(i)
        prob = enc.problem
        self.a, self.b, self.k = prob.min_size, prob.max_size, prob.min_shared_slots
        self.rule = prob.leaders
        W = enc.bits.shape[1]
        G = n_groups
        self.size = np.zeros(G, dtype=np.int64)
        self.gand = np.full((G, W), ALL_ONES, dtype=np.uint64)
        self.excl = np.full((enc.n, W), ALL_ONES, dtype=np.uint64)
        self.shared = np.zeros(G, dtype=np.int64)
        self.counts = [np.zeros((G, f.m), dtype=np.int64) for f in enc.fields]
        self.S2 = [np.zeros(G, dtype=np.int64) for _ in enc.fields]
        C = enc.numbers.shape[1]
        self.s1 = np.zeros((G, C))
        self.s2 = np.zeros((G, C))
        self.lead = np.zeros(G, dtype=np.int64)
        self.iso_g = np.zeros(G, dtype=np.int64)
        self.lviol = np.zeros(G, dtype=np.int64)
        self.short = np.zeros(G, dtype=np.int64)
        self.score = np.zeros(G, dtype=np.int64)
        self.refresh(range(G))

    # ------------------------------------------------------------ bookkeeping

    def copy(self) -> State:
        new = object.__new__(State)
        for name, value in self.__dict__.items():
            if isinstance(value, np.ndarray):
                value = value.copy()
            elif name == "members":
                value = [m[:] for m in value]
            elif name in ("counts", "S2"):
                value = [x.copy() for x in value]
            setattr(new, name, value)
        return new

    def leader_violations(self, lead: IntArray) -> IntArray:
        if self.rule == "at_least_one":
            return (lead == 0).astype(np.int64)
        if self.rule == "exactly_one":
            return np.abs(lead - 1)
        return np.zeros_like(lead)

    def values(
        self, n: IntArray, S2: Sequence[IntArray], s1: FloatArray, s2: FloatArray
    ) -> list[FloatArray]:
        """Each criterion's value in ``[0, 1]`` for groups with these statistics."""
        enc = self.enc
        out: list[FloatArray] = []
        nf = n.astype(np.float64)
        pairs = np.maximum(nf * (nf - 1), 1.0)
        big = n >= 2
        for kind, idx, prefer in enc.terms:
            if kind == "category":
                same = (S2[idx] - nf) / pairs
                if prefer == "similar":
                    v = np.where(big, same, 1.0)
                else:
                    dmax = enc.dmax[idx][np.minimum(n, len(enc.dmax[idx]) - 1)]
                    v = np.where(
                        big, np.where(dmax > 0, (1.0 - same) / np.maximum(dmax, 1e-300), 1.0), 0.0
                    )
            else:
                safe = np.maximum(nf, 1.0)
                mean = s1[:, idx] / safe
                sd = np.sqrt(np.maximum(s2[:, idx] / safe - mean * mean, 0.0))
                spread = np.minimum(sd, 1.0)
                v = 1.0 - spread if prefer == "similar" else spread
            out.append(np.clip(v, 0.0, 1.0))
        return out

    def contributions(
        self, n: IntArray, S2: Sequence[IntArray], s1: FloatArray, s2: FloatArray
    ) -> IntArray:
        """``(len(n), criteria)`` micro-points; rows sum to the group scores."""
        vals = self.values(n, S2, s1, s2)
        if not vals:
            return np.zeros((len(n), 0), dtype=np.int64)
        return np.rint(np.stack(vals, axis=1) * self.enc.weights[None, :]).astype(np.int64)

    def refresh(self, groups: Iterable[int]) -> None:
        """Recompute every statistic of ``groups`` from their members."""
        gs = np.fromiter(groups, dtype=np.int64)
        if gs.size == 0:
            self._totals()
            return
        enc = self.enc
        sizes = np.array([len(self.members[g]) for g in gs.tolist()], dtype=np.int64)
        idx = np.array([i for g in gs.tolist() for i in self.members[g]], dtype=np.int64)
        rows = np.repeat(np.arange(len(gs)), sizes)
        gs[rows]
        starts = np.cumsum(sizes) - sizes
        pos = np.arange(len(idx)) - np.repeat(starts, sizes)
        W = enc.bits.shape[1]
        smax = int(sizes.max(initial=0))
        pad = np.full((len(gs), smax + 2, W), ALL_ONES, dtype=np.uint64)
        pad[rows, pos + 1] = enc.bits[idx]
        prefix = np.bitwise_and.accumulate(pad, axis=1)
        suffix = np.bitwise_and.accumulate(pad[:, ::-1], axis=1)[:, ::-1]
        self.gand[gs] = prefix[:, -1]
        self.excl[idx] = prefix[rows, pos] & suffix[rows, pos + 2]
        self.size[gs] = sizes
        self.short[gs] = np.maximum(self.a - sizes, 0)
        self.shared[gs] = popcount(self.gand[gs])
        iso = np.zeros(len(gs), dtype=np.int64)
        for f, fld in enumerate(enc.fields):
            c = np.zeros((len(gs), fld.m), dtype=np.int64)
            np.add.at(c, (rows, fld.codes[idx]), 1)
            self.counts[f][gs] = c
            self.S2[f][gs] = (c * c).sum(axis=1)
            for ff, covered in enc.iso:
                if ff == f:
                    iso += ((c == 1) & covered[None, :]).sum(axis=1)
        self.iso_g[gs] = iso
        C = enc.numbers.shape[1]
        s1 = np.zeros((len(gs), C))
        s2 = np.zeros((len(gs), C))
        if C:
            np.add.at(s1, rows, enc.numbers[idx])
            np.add.at(s2, rows, enc.numbers[idx] ** 2)
        self.s1[gs] = s1
        self.s2[gs] = s2
        lead = np.bincount(rows, weights=enc.leader[idx], minlength=len(gs)).astype(np.int64)
        self.lead[gs] = lead
        self.lviol[gs] = self.leader_violations(lead)
        self.score[gs] = self.contributions(sizes, [s[gs] for s in self.S2], s1, s2).sum(axis=1)
        self._totals()

    def _totals(self) -> None:
        self.pair_viol = self.pair_violations()
        self.hard = int(self.lviol.sum()) + self.pair_viol
        self.missing = int(self.short.sum())
        self.bench = int((self.eligible & (self.group_of < 0)).sum())
        self.iso = int(self.iso_g.sum())
        order = np.argsort(self.score, kind="stable")
        self.sorted_scores = self.score[order]
        low = order[:3]
        self.low_ids = np.full(3, -2, dtype=np.int64)
        self.low_vals = np.full(3, BIG, dtype=np.int64)
        self.low_ids[: len(low)] = low
        self.low_vals[: len(low)] = self.score[low]
        self.min = int(self.sorted_scores[0]) if self.G else int(BIG)
        self.total = int(self.score.sum())
        self.at_min = int(np.count_nonzero(self.score == self.min))

    def relocate(self, moves: Sequence[tuple[int, int]]) -> None:
        """Move each ``(participant, group)`` (group -1: not placed) and refresh."""
        touched = set()
        for i, g in moves:
            old = int(self.group_of[i])
            if old >= 0:
                self.members[old].remove(i)
                touched.add(old)
            if g >= 0:
                self.members[g].append(i)
                touched.add(g)
            self.group_of[i] = g
        self.refresh(sorted(touched))

    def pair_violations(self) -> int:
        enc, go = self.enc, self.group_of
        t = enc.together
        a = enc.apart
        bad = int(np.count_nonzero(go[t[:, 0]] != go[t[:, 1]])) if len(t) else 0
        if len(a):
            ga, gb = go[a[:, 0]], go[a[:, 1]]
            bad += int(np.count_nonzero((ga == gb) & (ga >= 0)))
        return bad

    def key(self, flat: bool = False) -> tuple[int, ...]:
        """
        The search key, smaller is better: broken hard rules, members missing
        below the minimum size, left out, isolated, minus the lowest score,
        minus the total, then the number of groups at the lowest score (with
        ``flat``, the number at the lowest score comes before the total).
        """
        head = (self.hard, self.missing, self.bench, self.iso, -self.min)
        if flat:
            return (*head, self.at_min, -self.total)
        return (*head, -self.total, self.at_min)

    # ------------------------------------------------------------ evaluation

    def after(self, g: IntArray, r: IntArray, a: IntArray) -> After:
        """Statistics of group ``g[t]`` without member ``r[t]`` and with ``a[t]`` (-1: none)."""
        enc = self.enc
        rv, av = r >= 0, a >= 0
        rr, aa = np.where(rv, r, 0), np.where(av, a, 0)
        ri, ai = rv.astype(np.int64), av.astype(np.int64)
        n = self.size[g] - ri + ai
        base = np.where(rv[:, None], self.excl[rr], self.gand[g])
        base = np.where(av[:, None], base & enc.bits[aa], base)
        shared = popcount(base)
        iso = self.iso_g[g].copy()
        S2: list[IntArray] = []
        for f, fld in enumerate(enc.fields):
            cnt = self.counts[f]
            cr, ca = fld.codes[rr], fld.codes[aa]
            nr, na = cnt[g, cr], cnt[g, ca]
            same = rv & av & (cr == ca)
            S2.append(self.S2[f][g] - ri * (2 * nr - 1) + ai * (2 * (na - same) + 1))
            for ff, covered in enc.iso:
                if ff != f:
                    continue
                iso += np.where(rv & ~same & covered[cr], (nr == 2).astype(np.int64) - (nr == 1), 0)
                iso += np.where(av & ~same & covered[ca], (na == 0).astype(np.int64) - (na == 1), 0)
        X = enc.numbers
        s1 = self.s1[g] - ri[:, None] * X[rr] + ai[:, None] * X[aa]
        s2 = self.s2[g] - ri[:, None] * X[rr] ** 2 + ai[:, None] * X[aa] ** 2
        lead = self.lead[g] - (rv & enc.leader[rr]) + (av & enc.leader[aa])
        score = self.contributions(n, S2, s1, s2).sum(axis=1)
        ok = (n <= self.b) & (shared >= self.k)
        short = np.maximum(self.a - n, 0)
        return After(n, shared, score, self.leader_violations(lead), iso, ok, short)

    def pair_delta(
        self,
        p: int | None,
        gp_new: IntArray | None,
        q: IntArray | None,
        gq_new: IntArray | None,
        size: int,
    ) -> IntArray:
        """Change in broken together/apart pairs when ``p`` and/or each ``q`` move."""
        delta = np.zeros(size, dtype=np.int64)
        partners = self.enc.partners
        if not partners:
            return delta
        go = self.group_of

        def broken(x: IntArray | int, y: IntArray | int, together: bool) -> IntArray:
            xa, ya = np.asarray(x), np.asarray(y)
            if together:
                return (xa != ya).astype(np.int64)
            return ((xa == ya) & (xa >= 0)).astype(np.int64)

        if p is not None and gp_new is not None and p in partners:
            for u, together in partners[p]:
                gu_after: IntArray | int = int(go[u])
                if q is not None and gq_new is not None:
                    gu_after = np.where(q == u, gq_new, go[u])
                delta += broken(gp_new, gu_after, together) - broken(go[p], go[u], together)
        if q is not None and gq_new is not None:
            for t in np.flatnonzero(self.enc.constrained[q] & (q >= 0)).tolist():
                qt = int(q[t])
                for u, together in partners[qt]:
                    if u == p:
                        continue
                    delta[t] += int(broken(int(gq_new[t]), int(go[u]), together)) - int(
                        broken(int(go[qt]), int(go[u]), together)
                    )
        return delta
