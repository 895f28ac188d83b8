"""
Stable assignment with capacities: mentee-proposing deferred acceptance.

This is the hospitals/residents problem [1]_ [2]_ with mentees as residents
and mentors as hospitals.  Proposals are made in rounds, every free mentee
proposing to its next choice at once (McVitie and Wilson [3]_ show the order
of proposals does not change the outcome), and each mentor keeps its best
``capacity`` proposers.  The result is the mentee-optimal stable matching.

Preference lists come from the input (a pair is acceptable only when each
lists the other) or are derived from the pair scores: a mentee ranks its
allowed mentors by score and a mentor its mentees by the same score, ties
broken by input order.  Derived lists are produced lazily, a chunk at a time,
leaving out mentors that would reject the mentee already (a full mentor only
ever trades up), so long lists are never materialised.

References
----------
.. [1] D. Gale and L. S. Shapley, "College admissions and the stability of
   marriage", *Amer. Math. Monthly* 69(1), 1962.
.. [2] A. E. Roth, "The evolution of the labor market for medical interns
   and residents", *J. Political Economy* 92(6), 1984.
.. [3] D. G. McVitie and L. B. Wilson, "Stable marriage assignment for
   unequal sets", *BIT* 10, 1970.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from .candidates import parallel_map
from .scoring import DenseScorer, SparseScorer, score_rows

__all__ = ["deferred_acceptance", "derived_lists", "explicit_lists"]

IntArray = NDArray[np.intp]
I64 = NDArray[np.int64]
# refill(rows, last_mentor, last_key, thresh, full) -> (mentors, keys); -1 pads
Refill = Callable[[IntArray, IntArray, NDArray[np.bool_]], tuple[IntArray, I64]]

_CHUNK = 32
_BLOCK_ELEMENTS = 1 << 17


def deferred_acceptance(
    n: int,
    cap: I64,
    active: NDArray[np.bool_],
    refill: Callable[[IntArray, I64, NDArray[np.bool_]], tuple[IntArray, I64]],
) -> IntArray:
    """
    Mentee-proposing deferred acceptance in rounds.

    Parameters
    ----------
    n : int
        Number of mentees.
    cap : array of int
        Remaining capacity per mentor (0 means the mentor rejects everyone).
    active : array of bool
        Mentees who propose.
    refill : callable
        ``refill(rows, thresh, full)`` returns each row's next chunk of
        ``(mentor, key)`` pairs, in the mentee's order of preference, padded
        with mentor -1.  ``key`` is the mentor's ranking of the mentee
        (higher is better; unique per mentor).  It must continue after the
        previous chunk and may leave out mentors that would reject the row
        now (full, with threshold key ``thresh[j]`` above the row's key).

    Returns
    -------
    match : array of int
        Mentor index per mentee, -1 when unmatched.
    """
    m = len(cap)
    match = np.full(n, -1, dtype=np.intp)
    if m == 0:
        return match
    held_key = np.zeros(n, dtype=np.int64)
    count = np.zeros(m, dtype=np.int64)
    thresh = np.full(m, np.iinfo(np.int64).min, dtype=np.int64)
    full = cap <= 0
    thresh[full] = np.iinfo(np.int64).max
    lists_j = np.full((n, _CHUNK), -1, dtype=np.intp)
    lists_k = np.zeros((n, _CHUNK), dtype=np.int64)
    ptr = np.full(n, _CHUNK, dtype=np.intp)  # at the end: needs a refill
    done = ~active.copy()

    per_block = max(1, _BLOCK_ELEMENTS // max(m, 1))

    def do_refill(rows: IntArray) -> None:
        parts = [rows[k : k + per_block] for k in range(0, len(rows), per_block)]
        for part, (js, ks) in zip(
            parts, parallel_map(lambda r: refill(r, thresh, full), parts), strict=True
        ):
            width = js.shape[1]
            lists_j[part] = -1
            lists_j[part, :width] = js[:, :_CHUNK]
            lists_k[part, :width] = ks[:, :_CHUNK]
            ptr[part] = 0
            done[part[js[:, 0] < 0]] = True

    while True:
        free = np.flatnonzero((match < 0) & ~done)
        if len(free) == 0:
            break
        # Skip mentors that would reject; refill rows whose chunk is used up.
        while len(free):
            at_end = ptr[free] >= _CHUNK
            if at_end.any():
                do_refill(free[at_end])
                free = free[~done[free]]
                continue
            j = lists_j[free, ptr[free]]
            k = lists_k[free, ptr[free]]
            ended = j < 0
            if ended.any():
                done[free[ended]] = True
                free, j, k = free[~ended], j[~ended], k[~ended]
            reject = full[j] & (k < thresh[j])
            if not reject.any():
                break
            ptr[free[reject]] += 1
            free = free[~reject]
            if not len(free):
                break
        if not len(free):
            continue
        pj = lists_j[free, ptr[free]]
        pk = lists_k[free, ptr[free]]
        targets = np.unique(pj)
        holding = np.flatnonzero(np.isin(match, targets))
        cand_i = np.concatenate([holding, free])
        cand_j = np.concatenate([match[holding], pj])
        cand_k = np.concatenate([held_key[holding], pk])
        order = np.lexsort((-cand_k, cand_j))
        cand_i, cand_j, cand_k = cand_i[order], cand_j[order], cand_k[order]
        first = np.searchsorted(cand_j, cand_j, side="left")
        rank = np.arange(len(cand_j)) - first
        accept = rank < cap[cand_j]
        acc_i, acc_j, acc_k = cand_i[accept], cand_j[accept], cand_k[accept]
        rej_i = cand_i[~accept]
        match[rej_i] = -1
        ptr[rej_i] += 1
        match[acc_i] = acc_j
        held_key[acc_i] = acc_k
        count[targets] = np.bincount(acc_j, minlength=m)[targets]
        now_full = targets[count[targets] >= cap[targets]]
        full[now_full] = True
        # The weakest held key of each full mentor: last accepted in its group.
        last = np.flatnonzero(accept & ((rank + 1 == cap[cand_j]) & full[cand_j]))
        thresh[cand_j[last]] = cand_k[last]
    return match


def derived_lists(
    scorer: DenseScorer | SparseScorer,
) -> Callable[[IntArray, I64, NDArray[np.bool_]], tuple[IntArray, I64]]:
    """
    Lazily produce score-derived preference chunks for :func:`deferred_acceptance`.

    A mentee ranks mentors by score (ties: lower index first); a mentor's key
    for mentee ``i`` is ``score * (n + 1) + (n - i)`` (higher score first,
    ties: lower index first).
    """
    n, m = scorer.n, scorer.m
    last_s = np.full(n, np.inf)
    last_j = np.full(n, -1, dtype=np.intp)
    col = np.arange(m)

    def refill(rows: IntArray, thresh: I64, full: NDArray[np.bool_]) -> tuple[IntArray, I64]:
        blk = score_rows(scorer, rows)
        key = blk * (n + 1) + (n - rows)[:, None]
        # after the previous chunk, in (score desc, index asc) order
        after = (last_s[rows][:, None] > blk) | (
            (last_s[rows][:, None] == blk) & (col[None, :] > last_j[rows][:, None])
        )
        would_reject = full[None, :] & (key < thresh[None, :])
        valid = np.isfinite(blk) & after & ~would_reject
        order_key = np.where(valid, blk * m + (m - 1 - col)[None, :], -np.inf)
        width = min(_CHUNK, m)
        if m > width:
            top = np.argpartition(-order_key, width - 1, axis=1)[:, :width]
        else:
            top = np.broadcast_to(col, (len(rows), m)).copy()
        top_key = np.take_along_axis(order_key, top, axis=1)
        srt = np.argsort(-top_key, axis=1, kind="stable")
        top = np.take_along_axis(top, srt, axis=1)
        top_key = np.take_along_axis(top_key, srt, axis=1)
        js = np.where(np.isfinite(top_key), top, -1).astype(np.intp)
        ks = np.where(js >= 0, np.take_along_axis(key, np.maximum(js, 0), axis=1), 0).astype(
            np.int64
        )
        has = js >= 0
        nlast = has.sum(axis=1) - 1
        got = nlast >= 0
        pick = np.maximum(nlast, 0)
        lj = js[np.arange(len(rows)), pick]
        last_j[rows[got]] = lj[got]
        last_s[rows[got]] = np.take_along_axis(blk, np.maximum(lj, 0)[:, None], axis=1)[got, 0]
        return js, ks

    return refill


def explicit_lists(
    mentee_lists: Sequence[Sequence[int]],
    mentor_lists: Sequence[Sequence[int]],
    allowed: Callable[[int, int], bool],
) -> tuple[Callable[[IntArray, I64, NDArray[np.bool_]], tuple[IntArray, I64]], NDArray[np.int64]]:
    """
    Preference chunks from explicit lists; a pair must be listed by both sides.

    Returns the refill function and the number of acceptable mentors per mentee.
    """
    n = len(mentee_lists)
    rank: dict[tuple[int, int], int] = {}
    for j, lst in enumerate(mentor_lists):
        for r, i in enumerate(lst):
            rank[(i, j)] = len(lst) - r
    per_row: list[list[tuple[int, int]]] = []
    for i, lst in enumerate(mentee_lists):
        per_row.append([(j, rank[(i, j)]) for j in lst if (i, j) in rank and allowed(i, j)])
    sizes = np.array([len(r) for r in per_row], dtype=np.int64)
    offset = np.zeros(n, dtype=np.intp)

    def refill(rows: IntArray, thresh: I64, full: NDArray[np.bool_]) -> tuple[IntArray, I64]:
        js = np.full((len(rows), _CHUNK), -1, dtype=np.intp)
        ks = np.zeros((len(rows), _CHUNK), dtype=np.int64)
        for r, i in enumerate(rows):
            chunk = per_row[i][offset[i] : offset[i] + _CHUNK]
            offset[i] += len(chunk)
            for c, (j, k) in enumerate(chunk):
                js[r, c] = j
                ks[r, c] = k
        return js, ks

    return refill, sizes


def index_lists(
    lists: Mapping[str, Sequence[str]], own: Mapping[str, int], other: Mapping[str, int]
) -> list[list[int]]:
    """Turn id lists keyed by id into index lists in entity order."""
    out: list[list[int]] = [[] for _ in own]
    for key, lst in lists.items():
        out[own[key]] = [other[x] for x in lst]
    return out
