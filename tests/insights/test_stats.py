"""The statistics against values computed independently (by hand, or by a formula written here)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from peerpath.insights import stats

# Two-sided 97.5 % quantiles of Student's t, from printed tables.
T_975 = {3: 3.182446, 4: 2.776445, 5: 2.570582, 7: 2.364624}


def _mean(xs):
    return sum(xs) / len(xs)


def _var(xs):
    m = _mean(xs)
    return sum((x - m) ** 2 for x in xs) / (len(xs) - 1)


def test_paired_change_against_hand_computation():
    before = [2.0, 3.0, 3.0, 4.0, 2.0]
    after = [3.0, 4.0, 3.0, 5.0, 4.0]
    # Differences 1, 1, 0, 1, 2: mean 1.0, SD √0.5, SE √0.5/√5 = √0.1.
    result = stats.paired_change(before, after)
    assert result is not None
    assert result.n == 5
    assert result.mean_a == pytest.approx(2.8)
    assert result.mean_b == pytest.approx(3.8)
    assert result.difference == pytest.approx(1.0)
    half = T_975[4] * math.sqrt(0.1)
    assert result.difference_low == pytest.approx(1.0 - half, abs=1e-6)
    assert result.difference_high == pytest.approx(1.0 + half, abs=1e-6)
    # g_av by hand: s1² = 0.7, s2² = 0.7 → s_av = √0.7; r = cov/(s1 s2).
    s_av = math.sqrt((0.7 + 0.7) / 2)
    d = 1.0 / s_av
    cov = sum((a - 2.8) * (b - 3.8) for a, b in zip(before, after, strict=True)) / 4
    r = cov / 0.7
    j = 1 - 3 / (4 * 4 - 1)
    var_g = j * j * (1 / 5 + d * d / 10) * 2 * (1 - r)
    assert result.g == pytest.approx(j * d, abs=1e-9)
    assert result.g_low == pytest.approx(j * d - 1.959964 * math.sqrt(var_g), abs=1e-5)
    assert result.g_high == pytest.approx(j * d + 1.959964 * math.sqrt(var_g), abs=1e-5)


def test_matched_comparison_against_hedges_and_olkin():
    treated = [70.0, 75.0, 80.0, 85.0]
    comparison = [68.0, 70.0, 79.0, 80.0]
    result = stats.matched_comparison(treated, comparison)
    assert result is not None
    assert result.difference == pytest.approx(77.5 - 74.25)
    # Paired t on differences 2, 5, 1, 5: mean 3.25, var 4.25.
    half = T_975[3] * math.sqrt(4.25 / 4)
    assert (result.difference_low, result.difference_high) == (
        pytest.approx(3.25 - half, abs=1e-6),
        pytest.approx(3.25 + half, abs=1e-6),
    )
    # Hedges' g: pooled SD, J = 1 − 3/(4N − 9), Var = N/(n1 n2) + g²/(2(N − 3.94)).
    pooled = math.sqrt((3 * _var(treated) + 3 * _var(comparison)) / 6)
    g = (1 - 3 / (4 * 8 - 9)) * (77.5 - 74.25) / pooled
    var = 8 / 16 + g * g / (2 * (8 - 3.94))
    assert result.g == pytest.approx(g, abs=1e-9)
    assert result.g_low == pytest.approx(g - 1.959964 * math.sqrt(var), abs=1e-5)
    assert result.g_high == pytest.approx(g + 1.959964 * math.sqrt(var), abs=1e-5)


def test_borenstein_worked_example():
    """Borenstein et al. (2009) §4: means 103 and 100, SDs 5.5 and 4.5, n 50 each: g = 0.5924."""
    rng = np.random.default_rng(1)

    def exact(mean, sd, n):
        x = rng.normal(size=n)
        x = (x - x.mean()) / x.std(ddof=1)
        return list(mean + sd * x)

    result = stats.matched_comparison(exact(103, 5.5, 50), exact(100, 4.5, 50))
    assert result is not None
    assert round(result.g, 4) == 0.5924


def test_too_few_people_give_no_estimate():
    assert stats.paired_change([1.0], [2.0]) is None
    assert stats.matched_comparison([], []) is None
    two = stats.paired_change([1.0, 2.0], [2.0, 4.0])
    assert two is not None
    assert two.g is None


def test_identical_changes_have_a_zero_width_interval():
    result = stats.paired_change([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])
    assert result is not None
    assert (result.difference, result.difference_low, result.difference_high) == (1.0, 1.0, 1.0)


def test_proportion_difference_newcombe_published_example():
    """Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 − 48/80."""
    result = stats.proportion_difference(56, 70, 48, 80)
    assert result is not None
    assert result.difference == pytest.approx(0.2)
    assert result.difference_low == pytest.approx(0.0524, abs=5e-5)
    assert result.difference_high == pytest.approx(0.3339, abs=5e-5)
    assert stats.proportion_difference(1, 0, 1, 2) is None


def test_standardised_difference():
    assert stats.standardised_difference([1, 2, 3], [2, 3, 4]) == pytest.approx(-1.0)
    assert stats.standardised_difference([1], [2]) is None


def test_nearest_neighbour_match_hand_solved():
    # Grade 9: treated at z-distances; pool has a close and a far student.
    treated_strata = [9, 9, 10]
    treated_x = np.array([[70.0, 90.0], [71.0, 90.0], [50.0, 50.0]])
    pool_strata = [9, 9, 9, 11]
    pool_x = np.array([[70.5, 90.0], [90.0, 99.0], [71.2, 90.0], [50.0, 50.0]])
    pairs = stats.nearest_neighbour_match(
        treated_strata, treated_x, pool_strata, pool_x, caliper=0.25
    )
    # The grade-10 student has no one of their grade; the two grade-9 ones share
    # nearest pool 0 (70.5) and 2 (71.2): treated 1 (71) is hardest (its nearest, 71.2,
    # is 0.2 away; treated 0's nearest is 0.5 away — measured in SD units, the
    # treated-0 distance is larger, so it goes first and takes pool 0).
    assert pairs == [(0, 0), (1, 2)]


def test_nearest_neighbour_without_replacement_and_caliper():
    treated_x = np.array([[50.0, 80.0], [50.0, 80.0]])
    pool_x = np.array([[50.0, 80.0], [95.0, 99.0], [10.0, 20.0]])
    pairs = stats.nearest_neighbour_match([9, 9], treated_x, [9, 9, 9], pool_x, caliper=0.25)
    # One identical pool student; the second treated student has no one close enough.
    assert pairs == [(0, 0)]


def test_nearest_neighbour_standardises_each_covariate():
    # Attendance differs by 10 points, grade by 1: on z-scores grade matters as much.
    treated_x = np.array([[60.0, 90.0]])
    pool_x = np.array([[61.0, 90.0], [60.0, 80.0], [30.0, 60.0], [90.0, 100.0]])
    pairs = stats.nearest_neighbour_match([1], treated_x, [1] * 4, pool_x, caliper=10)
    both = np.vstack([treated_x, pool_x])
    sd = both.std(axis=0, ddof=1)
    distances = [np.linalg.norm((treated_x[0] - p) / sd) for p in pool_x]
    assert pairs == [(0, int(np.argmin(distances)))]


def test_nearest_neighbour_match_with_nobody_to_match():
    empty = np.empty((0, 2))
    some = np.array([[3.0, 90.0]])
    assert stats.nearest_neighbour_match([], empty, [10], some) == []
    assert stats.nearest_neighbour_match([10], some, [], empty) == []
