"""
The statistics behind the impact report: effect sizes, intervals and matching.

Pure NumPy/SciPy/statsmodels, no Django, so every figure can be checked
against an independent computation. Methods (see ``docs/insights.md``):

* Two groups (participants and their matched comparison students): the
  difference of means with a 95 % confidence interval from a paired *t* on
  the matched pairs (``scipy.stats.ttest_rel``), and Hedges' *g* with its
  large-sample variance from ``statsmodels.stats.meta_analysis.effectsize_smd``
  (pooled SD, small-sample correction ``J = 1 − 3/(4N − 9)``,
  ``Var(g) = N/(n₁n₂) + g²/(2(N − 3.94))``); CI ``g ± 1.96·√Var(g)``.
* Before and after within the same people: the mean change with a paired *t*
  interval, and Hedges' *g*\\ :sub:`av` — the mean change over the average of
  the two SDs' variances, ``√((s₁² + s₂²)/2)``, times ``J = 1 − 3/(4(n − 1) − 1)``
  — with ``Var(d) = (1/n + d²/(2n))·2(1 − r)`` (Borenstein et al. 2009, eq. 4.28).
* Yes/no outcomes (retention): the difference of proportions with Newcombe's
  hybrid score interval (``statsmodels.stats.proportion.confint_proportions_2indep``).
* Comparison students: exact on grade level, then greedy 1:1 nearest
  neighbour without replacement on standardised prior grade average and
  attendance, within a caliper (:func:`nearest_neighbour_match`).

References
----------
Borenstein, M., Hedges, L. V., Higgins, J. P. T., Rothstein, H. R. (2009).
*Introduction to Meta-Analysis*. Wiley. Chapter 4.
Hedges, L. V., Olkin, I. (1985). *Statistical Methods for Meta-Analysis*.
Lakens, D. (2013). Calculating and reporting effect sizes. *Frontiers in
Psychology* 4:863.
Austin, P. C. (2011). An introduction to propensity score methods for reducing
the effects of confounding in observational studies. *Multivariate Behavioral
Research* 46(3), 399–424.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats
from scipy.spatial import cKDTree
from statsmodels.stats.meta_analysis import effectsize_smd
from statsmodels.stats.proportion import confint_proportions_2indep

__all__ = [
    "Comparison",
    "ProportionComparison",
    "hedges_g_paired",
    "matched_comparison",
    "nearest_neighbour_match",
    "paired_change",
    "proportion_difference",
    "standardised_difference",
]

Z_95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class Comparison:
    """
    A difference of means (``second − first`` for a change, ``treated − comparison``).

    ``g`` and its interval are ``None`` when there are too few people or no spread.
    """

    n: int
    mean_a: float
    mean_b: float
    difference: float
    difference_low: float
    difference_high: float
    g: float | None
    g_low: float | None
    g_high: float | None


@dataclass(frozen=True)
class ProportionComparison:
    n_a: int
    n_b: int
    share_a: float
    share_b: float
    difference: float
    difference_low: float
    difference_high: float

    @property
    def points(self) -> tuple[float, float, float, float, float]:
        """Shares in % and the difference with its interval in percentage points."""
        return (
            self.share_a * 100,
            self.share_b * 100,
            self.difference * 100,
            self.difference_low * 100,
            self.difference_high * 100,
        )


def _paired_t_interval(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """95 % CI of mean(b − a) from a paired t-test (SciPy)."""
    result = stats.ttest_rel(b, a)
    interval = result.confidence_interval(0.95)
    return float(interval.low), float(interval.high)


def hedges_g_paired(before: ArrayLike, after: ArrayLike) -> tuple[float, float]:
    """
    Return Hedges' g_av for a change within the same people, and its variance.

    ``d = mean(after − before) / √((s₁² + s₂²)/2)``; ``g = J·d`` with
    ``J = 1 − 3/(4(n − 1) − 1)``; ``Var(d) = (1/n + d²/(2n))·2(1 − r)`` where
    ``r`` is the correlation of before and after, and ``Var(g) = J²·Var(d)``.
    """
    a = np.asarray(before, dtype=float)
    b = np.asarray(after, dtype=float)
    n = len(a)
    s_av = math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    d = float((b - a).mean()) / s_av
    r = float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else 0.0
    j = 1 - 3 / (4 * (n - 1) - 1)
    var_d = (1 / n + d * d / (2 * n)) * 2 * (1 - r)
    return j * d, j * j * var_d


def paired_change(before: ArrayLike, after: ArrayLike) -> Comparison | None:
    """The mean change from ``before`` to ``after`` (same people, same order); None if n < 2."""
    a = np.asarray(before, dtype=float)
    b = np.asarray(after, dtype=float)
    n = len(a)
    if n < 2 or len(b) != n:
        return None
    difference = float((b - a).mean())
    if np.all(b - a == (b - a)[0]):
        low = high = difference
    else:
        low, high = _paired_t_interval(a, b)
    g = g_low = g_high = None
    if n >= 3 and (a.var(ddof=1) + b.var(ddof=1)) > 0:
        g, var_g = hedges_g_paired(a, b)
        half = Z_95 * math.sqrt(var_g)
        g_low, g_high = g - half, g + half
    return Comparison(n, float(a.mean()), float(b.mean()), difference, low, high, g, g_low, g_high)


def matched_comparison(treated: ArrayLike, comparison: ArrayLike) -> Comparison | None:
    """
    Participants against their matched comparison students (``treated[i]`` with ``comparison[i]``).

    The difference's interval is a paired t (the pairs were matched); g is the
    standardised mean difference of the two groups (statsmodels).
    """
    t = np.asarray(treated, dtype=float)
    c = np.asarray(comparison, dtype=float)
    n = len(t)
    if n < 2 or len(c) != n:
        return None
    difference = float(t.mean() - c.mean())
    if np.all(t - c == (t - c)[0]):
        low = high = difference
    else:
        low, high = _paired_t_interval(c, t)
    g = g_low = g_high = None
    if n >= 3 and (t.var(ddof=1) + c.var(ddof=1)) > 0:
        smd, var = effectsize_smd(t.mean(), t.std(ddof=1), n, c.mean(), c.std(ddof=1), n)
        g = float(smd)
        half = Z_95 * math.sqrt(float(var))
        g_low, g_high = g - half, g + half
    return Comparison(n, float(c.mean()), float(t.mean()), difference, low, high, g, g_low, g_high)


def proportion_difference(
    yes_a: int, n_a: int, yes_b: int, n_b: int
) -> ProportionComparison | None:
    """``share_a − share_b`` with Newcombe's 95 % interval; None if a group is empty."""
    if n_a == 0 or n_b == 0:
        return None
    low, high = confint_proportions_2indep(
        yes_a, n_a, yes_b, n_b, method="newcomb", compare="diff", alpha=0.05
    )
    share_a, share_b = yes_a / n_a, yes_b / n_b
    return ProportionComparison(
        n_a, n_b, share_a, share_b, share_a - share_b, float(low), float(high)
    )


def standardised_difference(a: ArrayLike, b: ArrayLike) -> float | None:
    """Balance diagnostic: ``(mean_a − mean_b) / √((s_a² + s_b²)/2)`` (Austin 2011)."""
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    if len(x) < 2 or len(y) < 2:
        return None
    spread = math.sqrt((x.var(ddof=1) + y.var(ddof=1)) / 2)
    if spread == 0:
        return 0.0 if x.mean() == y.mean() else None
    return float((x.mean() - y.mean()) / spread)


def nearest_neighbour_match(
    treated_strata: Sequence[object],
    treated_x: np.ndarray,
    pool_strata: Sequence[object],
    pool_x: np.ndarray,
    *,
    caliper: float = 0.25,
) -> list[tuple[int, int]]:
    """
    Pair each treated unit with one pool unit: exact on stratum, nearest on ``x``.

    ``treated_x`` and ``pool_x`` are ``(n, k)`` arrays of covariates; each
    column is standardised by its SD over treated and pool together, and the
    distance is Euclidean on those z-scores. Matching is 1:1, greedy and
    without replacement: within each stratum the treated units whose nearest
    pool unit is farthest go first (the hardest to match), ties by index; a
    treated unit whose nearest *unused* pool unit is farther than ``caliper``
    stays unmatched. Returns ``(treated index, pool index)`` pairs sorted by
    treated index. Deterministic.
    """
    if len(treated_strata) == 0 or len(pool_strata) == 0:
        return []  # (reshaping an empty array to (0, -1) raises)
    tx = np.asarray(treated_x, dtype=float).reshape(len(treated_strata), -1)
    px = np.asarray(pool_x, dtype=float).reshape(len(pool_strata), -1)
    both = np.vstack([tx, px])
    sd = both.std(axis=0, ddof=1) if len(both) > 1 else np.ones(both.shape[1])
    sd[~(sd > 0)] = 1.0
    tz, pz = tx / sd, px / sd
    pool_by: dict[object, list[int]] = {}
    for index, stratum in enumerate(pool_strata):
        pool_by.setdefault(stratum, []).append(index)
    treated_by: dict[object, list[int]] = {}
    for index, stratum in enumerate(treated_strata):
        treated_by.setdefault(stratum, []).append(index)
    pairs: list[tuple[int, int]] = []
    for stratum, t_indices in treated_by.items():
        p_indices = np.asarray(pool_by.get(stratum, []), dtype=int)
        if len(p_indices) == 0:
            continue
        tree = cKDTree(pz[p_indices])
        t_arr = np.asarray(t_indices, dtype=int)
        first, _nearest = tree.query(tz[t_arr], k=1)
        order = sorted(range(len(t_arr)), key=lambda i: (-float(first[i]), int(t_arr[i])))
        used = np.zeros(len(p_indices), dtype=bool)
        for i in order:
            if first[i] > caliper:
                continue  # even the nearest of all is too far
            point = tz[t_arr[i]]
            k = 1
            chosen = -1
            while chosen < 0:
                k = min(max(k * 4, 4), len(p_indices))
                distances, found = tree.query(point, k=k, distance_upper_bound=caliper)
                distances = np.atleast_1d(distances)
                found = np.atleast_1d(found)
                for distance, j in zip(distances, found, strict=True):
                    if not np.isfinite(distance):
                        break
                    if not used[j]:
                        chosen = int(j)
                        break
                if chosen >= 0 or k >= len(p_indices) or not np.isfinite(distances[-1]):
                    break
            if chosen >= 0:
                used[chosen] = True
                pairs.append((int(t_arr[i]), int(p_indices[chosen])))
    pairs.sort()
    return pairs
