"""
Vectorised pair scoring.

A :class:`DenseScorer` compiles the criteria of a :class:`~.problem.Problem`
into arrays once (sets become ``uint64`` bitsets, numbers ``float32``, stated
preferences and forbidden pairs sorted sparse keys) and then scores a whole
block of mentees against a block of mentors with a handful of NumPy ufuncs
per criterion; there is no Python loop over pairs.  The same elementwise code
scores a list of pairs, so a pair's score is bit-for-bit the same whichever
way it was computed.

Each criterion contributes an integral number of micro-points, held in
``float32`` (exact below 2**24), and a pair's score is their sum, so the
explanation adds up exactly to the score.  A disallowed pair scores ``-1``.

A :class:`SparseScorer` holds the direct ``scores`` form: only the listed pairs
are allowed.

References
----------
.. [1] H. S. Warren, *Hacker's Delight*, 2nd ed., ch. 5 (population count).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .problem import SCORE_SCALE, Criterion, Problem
from .reasons import Reason, pair_reason

__all__ = ["DISALLOWED", "DenseScorer", "Scorer", "SparseScorer", "build_scorer"]

DISALLOWED = -1.0
"""Block score of a pair that is not allowed (hard criterion or forbidden)."""

IntArray = NDArray[np.intp]
F32 = NDArray[np.float32]
BoolArray = NDArray[np.bool_]

_MISSING_NUMBER = np.float32(np.nan)


def _items(value: Any) -> Sequence[Any]:
    """A criterion value as a sequence of items (a scalar is one item, None is none)."""
    if value is None:
        return ()
    if isinstance(value, str | int | float):
        return (value,)
    return value if isinstance(value, list | tuple) else list(value)


def _encode_sets(
    mentees: Sequence[Any], mentors: Sequence[Any]
) -> tuple[NDArray[np.uint64], NDArray[np.uint64], int]:
    """
    Both sides' set values as bitsets over one vocabulary (items compared as strings).

    Returns ``(bits_a, bits_b, words)``.  Items are looked up once per distinct
    value, not once per occurrence, and no Python set is built per person: a
    repeated item sets the same bit twice, which changes nothing.
    """
    a = [_items(v) for v in mentees]
    b = [_items(v) for v in mentors]
    distinct = set(chain.from_iterable(a))
    distinct.update(chain.from_iterable(b))
    if not all(type(item) is str for item in distinct):
        # 1, 1.0 and True are one dict key but three strings: key by type too
        a = [[(type(item), item) for item in seq] for seq in a]
        b = [[(type(item), item) for item in seq] for seq in b]
        distinct = set(chain.from_iterable(a))
        distinct.update(chain.from_iterable(b))
    text = {key: key if type(key) is str else str(key[1]) for key in distinct}
    vocab = {word: k for k, word in enumerate(sorted(set(text.values())))}
    code_of = {key: vocab[word] for key, word in text.items()}
    words = max(1, -(-len(vocab) // 64))
    return _bitsets(a, code_of, words), _bitsets(b, code_of, words), words


def _bitsets(
    values: Sequence[Sequence[Any]], vocab: Mapping[Any, int], words: int
) -> NDArray[np.uint64]:
    bits = np.zeros((len(values), words), dtype=np.uint64)
    lengths = np.fromiter(map(len, values), dtype=np.intp, count=len(values))
    total = int(lengths.sum())
    if total:
        code = np.fromiter(
            map(vocab.__getitem__, chain.from_iterable(values)), dtype=np.int64, count=total
        )
        rows = np.repeat(np.arange(len(values), dtype=np.intp), lengths)
        np.bitwise_or.at(
            bits,
            (rows, code // 64),
            np.left_shift(np.uint64(1), (code % 64).astype(np.uint64)),
        )
    return bits


def _side(arr: NDArray[Any], idx: IntArray | None, outer: bool, mentee: bool) -> NDArray[Any]:
    """Index one side's per-entity array and shape it for broadcasting."""
    sub = arr if idx is None else np.take(arr, idx)  # take: faster than arr[idx]
    if not outer:
        return sub
    return sub[:, None] if mentee else sub[None, :]


class _SparsePairs:
    """Sorted ``(mentee, mentor)`` keys with per-mentee row pointers."""

    def __init__(self, i: IntArray, j: IntArray, n: int, m: int) -> None:
        keys = i.astype(np.int64) * m + j.astype(np.int64)
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.order = order
        self.i = i[order]
        self.j = j[order]
        self.m = m
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(self.i, minlength=n))])

    def lookup(self, i: IntArray, j: IntArray) -> IntArray:
        """Position (in sorted order) of each pair, or -1 when not present."""
        keys = i.astype(np.int64) * self.m + j.astype(np.int64)
        pos = np.searchsorted(self.keys, keys)
        pos = np.minimum(pos, max(len(self.keys) - 1, 0))
        found = (
            (len(self.keys) > 0) & (self.keys[pos] == keys)
            if len(self.keys)
            else np.zeros(len(keys), bool)
        )
        return np.where(found, pos, -1).astype(np.intp)

    def in_block(
        self, rows: IntArray, col_pos: IntArray | None
    ) -> tuple[IntArray, IntArray, IntArray]:
        """Entries whose mentee is in ``rows``: (block row, block col, sorted position)."""
        starts = self.indptr[rows]
        counts = self.indptr[rows + 1] - starts
        total = int(counts.sum())
        if total == 0:
            empty = np.zeros(0, dtype=np.intp)
            return empty, empty, empty
        brow = np.repeat(np.arange(len(rows), dtype=np.intp), counts)
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        pos = (np.repeat(starts, counts) + offsets).astype(np.intp)
        cols = self.j[pos]
        if col_pos is None:
            return brow, cols.astype(np.intp), pos
        bcol = col_pos[cols]
        keep = bcol >= 0
        return brow[keep], bcol[keep].astype(np.intp), pos[keep]


class _Term:
    """A compiled criterion: its contribution in micro-points and its hard test."""

    def __init__(self, crit: Criterion, weight_units: float) -> None:
        self.name = crit.name
        self.kind = crit.kind
        self.hard = crit.hard
        self.crit = crit
        self.wu = np.float32(weight_units)

    def evaluate(
        self, rows: IntArray | None, cols: IntArray | None, outer: bool
    ) -> tuple[F32, BoolArray | None]:
        raise NotImplementedError

    def allowed_constant(self) -> float | None:
        """The contribution every pair passing this hard criterion gets, if it is constant."""
        return None

    def hard_block(self, rows: IntArray, cols: IntArray | None) -> BoolArray:
        """The hard test on ``rows x cols`` (may be a broadcast, read-only view)."""
        _, ok = self.evaluate(rows, cols, True)
        assert ok is not None
        return ok

    def describe_failure(self) -> Reason:
        """Say why this hard criterion excludes every mentor (for reasons)."""
        return pair_reason("hard_excludes_all", criterion=self.name)


class _SetTerm(_Term):
    def __init__(
        self, crit: Criterion, weight_units: float, mentees: Sequence[Any], mentors: Sequence[Any]
    ) -> None:
        super().__init__(crit, weight_units)
        self.bits_a, self.bits_b, self.words = _encode_sets(mentees, mentors)
        # one contiguous array per word: gathers from them are much faster than strided
        self.word_a = [np.ascontiguousarray(self.bits_a[:, w]) for w in range(self.words)]
        self.word_b = [np.ascontiguousarray(self.bits_b[:, w]) for w in range(self.words)]
        self.size_a = np.bitwise_count(self.bits_a).sum(axis=1).astype(np.float32)
        self.size_b = np.bitwise_count(self.bits_b).sum(axis=1).astype(np.float32)
        self.count_dtype = np.uint8 if self.words <= 3 else np.uint16
        self.empty_a = np.where(self.size_a == 0, np.uint64(1), np.uint64(0)) | np.uint64(2)
        self.empty_b = np.where(self.size_b == 0, np.uint64(2), np.uint64(0)) | np.uint64(1)
        params = crit.params
        self.min = int(params.get("min", 1))
        self.target = params.get("target")
        self.prefer = params.get("prefer", "similar")
        if crit.kind == "overlap" and self.target is None:
            with np.errstate(divide="ignore"):
                self.factor_a = np.where(
                    self.size_a > 0, self.wu / np.maximum(self.size_a, 1), 0
                ).astype(np.float32)

    def _pairs_of_words(
        self, rows: IntArray | None, cols: IntArray | None, outer: bool
    ) -> Iterator[tuple[NDArray[np.uint64], NDArray[np.uint64]]]:
        for w in range(self.words):
            yield (
                _side(self.word_a[w], rows, outer, True),
                _side(self.word_b[w], cols, outer, False),
            )

    def count(self, rows: IntArray | None, cols: IntArray | None, outer: bool) -> NDArray[Any]:
        """How many items each pair shares."""
        total: NDArray[Any] | None = None
        for a, b in self._pairs_of_words(rows, cols, outer):
            c = np.bitwise_count(np.bitwise_and(a, b))
            if total is None:
                total = c.astype(self.count_dtype, copy=False)
            else:
                total += c
        assert total is not None
        return total

    def _count_and_union(
        self, rows: IntArray | None, cols: IntArray | None, outer: bool
    ) -> tuple[NDArray[Any], NDArray[Any]]:
        """Shared and combined item counts (the union from the bits, not from the sizes)."""
        shared: NDArray[Any] | None = None
        union: NDArray[Any] | None = None
        for a, b in self._pairs_of_words(rows, cols, outer):
            c = np.bitwise_count(np.bitwise_and(a, b))
            u = np.bitwise_count(np.bitwise_or(a, b))
            if shared is None or union is None:
                shared = c.astype(self.count_dtype, copy=False)
                union = u.astype(self.count_dtype, copy=False)
            else:
                shared += c
                union += u
        assert shared is not None
        assert union is not None
        return shared, union

    def _shares_one(self, rows: IntArray | None, cols: IntArray | None, outer: bool) -> BoolArray:
        """Whether each pair shares at least one item: a nonzero AND, no popcount."""
        anyw: NDArray[np.uint64] | None = None
        for a, b in self._pairs_of_words(rows, cols, outer):
            if anyw is None:
                anyw = np.bitwise_and(a, b)
            else:
                anyw |= np.bitwise_and(a, b)
        assert anyw is not None
        return anyw != 0

    def _differ(self, rows: IntArray | None, cols: IntArray | None, outer: bool) -> BoolArray:
        """
        Whether both sides have a value and share none (a "diverse" category).

        The extra word holds bit 0 for an empty mentee side (set on every
        mentor) and bit 1 for an empty mentor side (set on every mentee), so
        one nonzero AND over all words says "shares one or a side is empty".
        """
        anyw = np.bitwise_and(
            _side(self.empty_a, rows, outer, True), _side(self.empty_b, cols, outer, False)
        )
        for a, b in self._pairs_of_words(rows, cols, outer):
            anyw |= np.bitwise_and(a, b)
        return anyw == 0

    def allowed_constant(self) -> float | None:
        # a hard category passes only with value 1, contributing ``good * wu``
        return float(self.wu) if self.hard and self.kind == "category" else None

    def hard_block(self, rows: IntArray, cols: IntArray | None) -> BoolArray:
        shares_one = (self.kind in ("overlap", "jaccard") and self.min == 1) or (
            self.kind == "category" and self.prefer == "similar"
        )
        if not shares_one:
            if self.kind in ("overlap", "jaccard"):
                return self.count(rows, cols, True) >= self.min  # the hard test needs no score
            return super().hard_block(rows, cols)
        return self._shares_one(rows, cols, True)

    def evaluate(
        self, rows: IntArray | None, cols: IntArray | None, outer: bool
    ) -> tuple[F32, BoolArray | None]:
        ok: BoolArray | None = None
        if self.kind == "overlap":
            cnt = self.count(rows, cols, outer)
            if self.target is not None:
                t = int(self.target)
                val = np.minimum(cnt, t) * np.float32(float(self.wu) / t)
            else:
                val = cnt * _side(self.factor_a, rows, outer, True)
            contrib = np.rint(val).astype(np.float32, copy=False)
            if self.hard:
                ok = cnt >= self.min
        elif self.kind == "jaccard":
            cnt, union = self._count_and_union(rows, cols, outer)
            contrib = np.rint(
                (cnt * self.wu) / np.maximum(union.astype(np.float32), np.float32(1))
            ).astype(np.float32, copy=False)
            if self.hard:
                ok = cnt >= self.min
        else:  # category
            if self.prefer == "similar":
                good = self._shares_one(rows, cols, outer)
            else:
                good = self._differ(rows, cols, outer)
            contrib = good * self.wu
            if self.hard:
                ok = good
        return contrib.astype(np.float32, copy=False), ok

    def describe_failure(self) -> Reason:
        field = self.crit.mentee_field
        if self.kind in ("overlap", "jaccard"):
            return pair_reason("hard_no_shared", criterion=self.name, field=field, min=self.min)
        if self.prefer == "similar":
            return pair_reason("hard_no_same", criterion=self.name, field=field)
        return pair_reason("hard_no_different", criterion=self.name, field=field)


class _GapTerm(_Term):
    def __init__(
        self, crit: Criterion, weight_units: float, mentees: Sequence[Any], mentors: Sequence[Any]
    ) -> None:
        super().__init__(crit, weight_units)
        self.xa = np.array([_number(v) for v in mentees], dtype=np.float32)
        self.xb = np.array([_number(v) for v in mentors], dtype=np.float32)
        self.lo = np.float32(crit.params.get("min", 1))
        self.hi = np.float32(crit.params.get("max", 3))
        self.inv_falloff = np.float32(1.0 / float(crit.params.get("falloff", 1)))
        # distance outside [lo, hi] is |d - mid| - half; shift the mentee side once
        self.half = np.float32((float(self.hi) - float(self.lo)) / 2)
        self.xa_mid = (self.xa + np.float32((float(self.lo) + float(self.hi)) / 2)).astype(
            np.float32
        )

    def evaluate(
        self, rows: IntArray | None, cols: IntArray | None, outer: bool
    ) -> tuple[F32, BoolArray | None]:
        t = np.subtract(_side(self.xb, cols, outer, False), _side(self.xa_mid, rows, outer, True))
        np.abs(t, out=t)
        t -= self.half  # > 0 outside the range, by that much; NaN when a value is missing
        ok = (t <= 0) if self.hard else None
        np.maximum(t, np.float32(0), out=t)
        t *= self.inv_falloff
        np.subtract(np.float32(1), t, out=t)
        np.fmax(t, np.float32(0), out=t)  # fmax turns NaN (missing) into 0
        t *= self.wu
        np.rint(t, out=t)
        return t, ok

    def allowed_constant(self) -> float | None:
        # inside the range t <= 0, so the value is exactly 1 and rint(1 * wu) == wu
        return float(self.wu) if self.hard else None

    def hard_block(self, rows: IntArray, cols: IntArray | None) -> BoolArray:
        mids = self.xa_mid[rows]
        if len(mids) and bool((mids == mids[0]).all()):  # false when NaN
            # every row has the same value: the same elementwise test on one row
            xb = self.xb if cols is None else self.xb[cols]
            t = np.abs(np.subtract(xb, mids[:1]))
            t -= self.half
            return np.broadcast_to(t <= 0, (len(rows), len(xb)))
        return super().hard_block(rows, cols)

    def describe_failure(self) -> Reason:
        return pair_reason(
            "hard_gap",
            criterion=self.name,
            field=self.crit.mentor_field,
            min=_plain_number(self.lo),
            max=_plain_number(self.hi),
        )


def _plain_number(value: np.float32) -> int | float:
    """A JSON number for a reason's parameter: 1, not 1.0."""
    number = float(value)
    return int(number) if number.is_integer() else number


def _number(value: Any) -> float:
    if value is None:
        return float(_MISSING_NUMBER)
    try:
        return float(value)
    except (TypeError, ValueError):
        return float(_MISSING_NUMBER)


class _PreferenceTerm(_Term):
    def __init__(
        self,
        crit: Criterion,
        weight_units: float,
        problem: Problem,
        mentee_index: Mapping[str, int],
        mentor_index: Mapping[str, int],
    ) -> None:
        super().__init__(crit, weight_units)
        n, m = len(problem.mentees), len(problem.mentors)
        sides = int(crit.mentee_field is not None) + int(crit.mentor_field is not None)
        value: dict[tuple[int, int], list[float]] = {}
        if crit.mentee_field is not None:
            for i, mentee in enumerate(problem.mentees):
                ranked = [
                    t
                    for t in _as_list(mentee.attributes.get(crit.mentee_field))
                    if t in mentor_index
                ]
                for r, t in enumerate(ranked):
                    value.setdefault((i, mentor_index[t]), [0.0, 0.0])[0] = 1 - r / len(ranked)
        if crit.mentor_field is not None:
            for j, mentor in enumerate(problem.mentors):
                ranked = [
                    s
                    for s in _as_list(mentor.attributes.get(crit.mentor_field))
                    if s in mentee_index
                ]
                for r, s in enumerate(ranked):
                    value.setdefault((mentee_index[s], j), [0.0, 0.0])[1] = 1 - r / len(ranked)
        pairs = sorted(value)
        pi = np.array([p[0] for p in pairs], dtype=np.intp)
        pj = np.array([p[1] for p in pairs], dtype=np.intp)
        self.sparse = _SparsePairs(pi, pj, n, m)
        vals = np.array([value[p] for p in pairs], dtype=np.float64).reshape(-1, 2)
        vals = vals[self.sparse.order]
        need_a = crit.mentee_field is not None
        need_b = crit.mentor_field is not None
        listed = np.ones(len(pairs), dtype=bool)
        if need_a:
            listed &= vals[:, 0] > 0
        if need_b:
            listed &= vals[:, 1] > 0
        self.listed = listed
        mean = vals.sum(axis=1) / max(sides, 1)
        self.contrib = np.rint(mean.astype(np.float32) * self.wu).astype(np.float32)

    def evaluate(
        self, rows: IntArray | None, cols: IntArray | None, outer: bool
    ) -> tuple[F32, BoolArray | None]:
        raise NotImplementedError  # handled by DenseScorer with sparse scatter

    def block(
        self, rows: IntArray, col_pos: IntArray | None, shape: tuple[int, int]
    ) -> tuple[F32, BoolArray | None]:
        contrib = np.zeros(shape, dtype=np.float32)
        brow, bcol, pos = self.sparse.in_block(rows, col_pos)
        contrib[brow, bcol] = self.contrib[pos]
        ok: BoolArray | None = None
        if self.hard:
            ok = np.zeros(shape, dtype=bool)
            ok[brow, bcol] = self.listed[pos]
        return contrib, ok

    def pairs(self, i: IntArray, j: IntArray) -> tuple[F32, BoolArray | None]:
        pos = self.sparse.lookup(i, j)
        hit = pos >= 0
        contrib = np.where(hit, self.contrib[np.maximum(pos, 0)] if len(self.contrib) else 0, 0)
        ok = (
            (hit & (self.listed[np.maximum(pos, 0)] if len(self.listed) else hit))
            if self.hard
            else None
        )
        return contrib.astype(np.float32), ok

    def describe_failure(self) -> Reason:
        return pair_reason("hard_no_mutual_listing", criterion=self.name)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


class Scorer:
    """Common interface of the dense and sparse scorers."""

    n: int
    m: int
    names: tuple[str, ...]
    sparse: bool
    hard_names: tuple[str, ...] = ()

    def pairs(self, i: IntArray, j: IntArray) -> NDArray[np.int64]:
        """Scores of aligned pairs in micro-points; ``-1`` marks a disallowed pair (dense)."""
        raise NotImplementedError

    def explain(self, i: IntArray, j: IntArray) -> dict[str, NDArray[np.int64]]:
        """Per-criterion contributions (micro-points) of aligned pairs."""
        raise NotImplementedError


@dataclass
class _Encoded:
    mentees: list[Any]
    mentors: list[Any]


class DenseScorer(Scorer):
    """
    Score every pair from the criteria, in blocks.

    Parameters
    ----------
    problem : Problem
        A validated problem (``scores`` is None).
    """

    sparse = False

    def __init__(self, problem: Problem) -> None:
        self.n, self.m = len(problem.mentees), len(problem.mentors)
        mentee_index = {e.id: k for k, e in enumerate(problem.mentees)}
        mentor_index = {t.id: k for k, t in enumerate(problem.mentors)}
        total_weight = sum(float(c.weight) for c in problem.criteria)
        self.terms: list[_Term] = []
        self.pref_terms: list[_PreferenceTerm] = []
        for crit in problem.criteria:
            share = float(crit.weight) / total_weight if total_weight > 0 else 0.0
            wu = float(np.floor(share * SCORE_SCALE))
            if crit.kind == "preference":
                self.pref_terms.append(
                    _PreferenceTerm(crit, wu, problem, mentee_index, mentor_index)
                )
                continue
            a = [e.attributes.get(crit.mentee_field or "") for e in problem.mentees]
            b = [t.attributes.get(crit.mentor_field or "") for t in problem.mentors]
            if crit.kind == "gap":
                self.terms.append(_GapTerm(crit, wu, a, b))
            else:
                self.terms.append(_SetTerm(crit, wu, a, b))
        self.all_terms: list[_Term] = [*self.terms, *self.pref_terms]
        order = {c.name: k for k, c in enumerate(problem.criteria)}
        self.all_terms.sort(key=lambda t: order[t.name])
        self.names = tuple(t.name for t in self.all_terms)
        self.hard_names = tuple(t.name for t in self.all_terms if t.hard)
        fi = np.array([mentee_index[p[0]] for p in problem.forbidden], dtype=np.intp)
        fj = np.array([mentor_index[p[1]] for p in problem.forbidden], dtype=np.intp)
        self.forbidden = _SparsePairs(fi, fj, self.n, self.m)
        self.has_forbidden = len(problem.forbidden) > 0
        # terms whose contribution is fixed once the hard criteria pass (integers: exact)
        constants = [t.allowed_constant() for t in self.terms]
        self._allowed_constant = float(sum(c for c in constants if c is not None))
        self._varying_terms = [t for t, c in zip(self.terms, constants, strict=True) if c is None]

    # -- blocks -----------------------------------------------------------------
    def block(self, rows: IntArray, cols: IntArray | None = None) -> F32:
        """
        Score ``rows x cols`` (all mentors when ``cols`` is None).

        Returns a ``float32`` matrix of micro-points with ``DISALLOWED`` (-1)
        for pairs a hard criterion or a forbidden pair excludes.
        """
        width = self.m if cols is None else len(cols)
        bi, bj, s, _ = self.block_sparse(rows, cols)
        out = np.full((len(rows), width), np.float32(DISALLOWED), dtype=np.float32)
        out[bi, bj] = s
        return out

    def block_sparse(
        self, rows: IntArray, cols: IntArray | None = None
    ) -> tuple[IntArray, IntArray, F32, int]:
        """
        The allowed pairs of ``rows x cols`` and their scores, in row-major order.

        The hard criteria are tested first over the whole block with the
        cheapest test each allows (a nonzero bitset AND for "shares one", one
        row for a gap whose rows share a value); the scores are then computed
        only for the pairs that pass, with the same elementwise code as
        :meth:`pairs`, so every score is bit-for-bit the one :meth:`pairs`
        gives.  When most pairs pass, the whole block is scored instead.

        Returns
        -------
        bi, bj : arrays of int
            Block row and block column of each allowed pair (sorted by row, column).
        s : float32 array
            Their scores in micro-points.
        n_tested : int
            ``len(rows) * width``.
        """
        width = self.m if cols is None else len(cols)
        shape = (len(rows), width)
        size = shape[0] * shape[1]
        allowed = self._hard_mask(rows, cols, shape)
        if allowed is None or int(np.count_nonzero(allowed)) * 2 > size:
            total, full_allowed = self._block_parts(rows, cols, None)
            if full_allowed is None:
                bi, bj = np.nonzero(np.ones(shape, dtype=bool))
            else:
                bi, bj = np.nonzero(full_allowed)
            return bi.astype(np.intp), bj.astype(np.intp), total[bi, bj], size
        flat = np.flatnonzero(allowed)  # much faster than a 2-D nonzero
        bi = flat // width
        bj = flat - bi * width
        gi = rows[bi]
        gj = bj if cols is None else cols[bj]
        total = np.full(len(bi), np.float32(self._allowed_constant), dtype=np.float32)
        for term in self._varying_terms:
            contrib, _ = term.evaluate(gi, gj, False)
            total += contrib
        if self.pref_terms:
            # few listed pairs: look up where each lands among the allowed pairs
            col_pos: IntArray | None = None
            if cols is not None:
                col_pos = np.full(self.m, -1, dtype=np.intp)
                col_pos[cols] = np.arange(len(cols))
            for pterm in self.pref_terms:
                brow, bcol, pos = pterm.sparse.in_block(rows, col_pos)
                if len(brow) == 0:
                    continue
                where = np.searchsorted(flat, brow.astype(np.int64) * width + bcol)
                where = np.minimum(where, max(len(flat) - 1, 0))
                hit = (
                    (flat[where] == brow.astype(np.int64) * width + bcol)
                    if len(flat)
                    else where < 0
                )
                np.add.at(total, where[hit], pterm.contrib[pos[hit]])
        return bi.astype(np.intp), bj.astype(np.intp), total, size

    def _hard_mask(
        self, rows: IntArray, cols: IntArray | None, shape: tuple[int, int]
    ) -> BoolArray | None:
        """Pairs passing every hard criterion and not forbidden; None when nothing is hard."""
        allowed: BoolArray | None = None
        for term in self.terms:
            if not term.hard:
                continue
            ok = term.hard_block(rows, cols)
            if allowed is None:
                allowed = np.array(np.broadcast_to(ok, shape), dtype=bool, copy=True)
            else:
                np.logical_and(allowed, ok, out=allowed)
        col_pos: IntArray | None = None
        if cols is not None and (self.has_forbidden or any(t.hard for t in self.pref_terms)):
            col_pos = np.full(self.m, -1, dtype=np.intp)
            col_pos[cols] = np.arange(len(cols))
        for pterm in self.pref_terms:
            if pterm.hard:
                _, ok_p = pterm.block(rows, col_pos, shape)
                assert ok_p is not None
                allowed = ok_p if allowed is None else np.logical_and(allowed, ok_p, out=allowed)
        if self.has_forbidden:
            brow, bcol, _ = self.forbidden.in_block(rows, col_pos)
            if allowed is None:
                allowed = np.ones(shape, dtype=bool)
            allowed[brow, bcol] = False
        return allowed

    def block_detail(self, rows: IntArray, cols: IntArray | None = None) -> dict[str, BoolArray]:
        """Each hard criterion's pass mask, plus ``"forbidden"`` (for reasons)."""
        detail: dict[str, BoolArray] = {}
        self._block_parts(rows, cols, detail)
        return detail

    def _block_parts(
        self, rows: IntArray, cols: IntArray | None, detail: dict[str, BoolArray] | None
    ) -> tuple[F32, BoolArray | None]:
        width = self.m if cols is None else len(cols)
        shape = (len(rows), width)
        total: F32 | None = None
        allowed: BoolArray | None = None
        for term in self.terms:
            contrib, ok = term.evaluate(rows, cols, True)
            if total is None and contrib.shape == shape:
                total = contrib
            elif total is None:
                total = np.broadcast_to(contrib, shape).copy()
            else:
                total += contrib
            if ok is not None:
                if detail is not None:
                    detail[term.name] = np.broadcast_to(ok, shape).copy()
                if allowed is None:
                    allowed = ok.copy() if ok.shape == shape else np.broadcast_to(ok, shape).copy()
                else:
                    np.logical_and(allowed, ok, out=allowed)
        if total is None:
            total = np.zeros(shape, dtype=np.float32)
        if self.pref_terms or self.has_forbidden:
            col_pos: IntArray | None = None
            if cols is not None:
                col_pos = np.full(self.m, -1, dtype=np.intp)
                col_pos[cols] = np.arange(len(cols))
            for pterm in self.pref_terms:
                contrib, ok = pterm.block(rows, col_pos, shape)
                total += contrib
                if ok is not None:
                    if detail is not None:
                        detail[pterm.name] = ok
                    allowed = ok if allowed is None else np.logical_and(allowed, ok, out=allowed)
            if self.has_forbidden:
                brow, bcol, _ = self.forbidden.in_block(rows, col_pos)
                if allowed is None:
                    allowed = np.ones(shape, dtype=bool)
                allowed[brow, bcol] = False
                if detail is not None:
                    fb = np.zeros(shape, dtype=bool)
                    fb[brow, bcol] = True
                    detail["forbidden"] = fb
        if allowed is not None and allowed.shape != shape:
            allowed = np.broadcast_to(allowed, shape).copy()
        return total, allowed

    # -- aligned pairs ------------------------------------------------------------
    def _pair_parts(self, i: IntArray, j: IntArray) -> tuple[dict[str, F32], BoolArray]:
        contribs: dict[str, F32] = {}
        allowed = np.ones(len(i), dtype=bool)
        for term in self.terms:
            contrib, ok = term.evaluate(i, j, False)
            contribs[term.name] = np.broadcast_to(contrib, (len(i),))
            if ok is not None:
                allowed &= ok
        for pterm in self.pref_terms:
            contrib, ok = pterm.pairs(i, j)
            contribs[pterm.name] = contrib
            if ok is not None:
                allowed &= ok
        if self.has_forbidden:
            allowed &= self.forbidden.lookup(i, j) < 0
        return contribs, allowed

    def pairs(self, i: IntArray, j: IntArray) -> NDArray[np.int64]:
        contribs, allowed = self._pair_parts(i, j)
        total = np.zeros(len(i), dtype=np.float32)
        for term in self.all_terms:
            total += contribs[term.name]
        return np.where(allowed, total.astype(np.int64), -1)

    def explain(self, i: IntArray, j: IntArray) -> dict[str, NDArray[np.int64]]:
        contribs, _ = self._pair_parts(i, j)
        return {name: contribs[name].astype(np.int64) for name in self.names}

    def hard_gap(
        self,
    ) -> tuple[NDArray[np.float32], NDArray[np.float32], float, float] | None:
        """``(mentee values, mentor values, min, max)`` of the first hard gap criterion."""
        for term in self.terms:
            if isinstance(term, _GapTerm) and term.hard:
                return term.xa, term.xb, float(term.lo), float(term.hi)
        return None

    def describe_failure(self, name: str) -> Reason:
        """Say why the hard criterion ``name`` excludes every mentor (for reasons)."""
        for term in self.all_terms:
            if term.name == name:
                return term.describe_failure()
        return pair_reason("hard_excludes_all", criterion=name)


class SparseScorer(Scorer):
    """The direct ``scores`` form: listed pairs only, scores in micro-points."""

    sparse = True
    names = ()

    def __init__(self, problem: Problem) -> None:
        self.n, self.m = len(problem.mentees), len(problem.mentors)
        mentee_index = {e.id: k for k, e in enumerate(problem.mentees)}
        mentor_index = {t.id: k for k, t in enumerate(problem.mentors)}
        entries = problem.scores or ()
        i = np.array([mentee_index[e[0]] for e in entries], dtype=np.intp)
        j = np.array([mentor_index[e[1]] for e in entries], dtype=np.intp)
        s = np.rint(np.array([float(e[2]) for e in entries], dtype=np.float64) * SCORE_SCALE)
        forbidden = {(mentee_index[p[0]], mentor_index[p[1]]) for p in problem.forbidden}
        keep = np.array(
            [(int(a), int(b)) not in forbidden for a, b in zip(i, j, strict=True)], dtype=bool
        )
        self.table = _SparsePairs(i[keep], j[keep], self.n, self.m)
        self.units = s[keep].astype(np.int64)[self.table.order]
        self.listed_table = _SparsePairs(i, j, self.n, self.m)
        self.listed_units = s.astype(np.int64)[self.listed_table.order]

    def all_pairs(self) -> tuple[IntArray, IntArray, NDArray[np.int64]]:
        """Every allowed pair, sorted by mentee then mentor."""
        return self.table.i, self.table.j, self.units

    def pairs(self, i: IntArray, j: IntArray) -> NDArray[np.int64]:
        pos = self.table.lookup(i, j)
        if len(self.units) == 0:
            return np.full(len(i), -1, dtype=np.int64)
        return np.where(pos >= 0, self.units[np.maximum(pos, 0)], -1)

    def allowed(self, i: IntArray, j: IntArray) -> BoolArray:
        """Whether each pair is listed and not forbidden."""
        return self.table.lookup(i, j) >= 0

    def listed_score(self, i: IntArray, j: IntArray) -> NDArray[np.int64]:
        """Score of listed pairs (forbidden or not); 0 for unlisted ones (locked pairs)."""
        pos = self.listed_table.lookup(i, j)
        if len(self.listed_units) == 0:
            return np.zeros(len(i), dtype=np.int64)
        return np.where(pos >= 0, self.listed_units[np.maximum(pos, 0)], 0)

    def explain(self, i: IntArray, j: IntArray) -> dict[str, NDArray[np.int64]]:
        return {}


def build_scorer(problem: Problem) -> DenseScorer | SparseScorer:
    """Compile ``problem``'s scores: sparse for the ``scores`` form, else dense."""
    if problem.scores is not None:
        return SparseScorer(problem)
    return DenseScorer(problem)


def score_rows(scorer: DenseScorer | SparseScorer, rows: IntArray) -> NDArray[np.float64]:
    """
    Scores of ``rows`` against every mentor as ``float64`` micro-points.

    Disallowed pairs are ``-inf``.  Works for both scorers (the sparse one
    scatters its listed pairs into the block).
    """
    if isinstance(scorer, DenseScorer):
        block = scorer.block(rows).astype(np.float64)
        block[block < 0] = -np.inf
        return block
    out = np.full((len(rows), scorer.m), -np.inf)
    brow, bcol, pos = scorer.table.in_block(rows, None)
    out[brow, bcol] = scorer.units[pos]
    return out
