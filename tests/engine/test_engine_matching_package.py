"""The stable mode agrees with the ``matching`` package (resident-optimal HR)."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

from peerpath.engine import Mentee, Mentor, Preferences, Problem, solve

matching_games = pytest.importorskip("matching.games")


def _instance(seed: int):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(2, 40)), int(rng.integers(1, 12))
    acceptable = rng.random((n, m)) < 0.5
    mentee_prefs = {
        f"s{i}": [f"t{j}" for j in rng.permutation(np.flatnonzero(acceptable[i]))] for i in range(n)
    }
    mentor_prefs = {
        f"t{j}": [f"s{i}" for i in rng.permutation(np.flatnonzero(acceptable[:, j]))]
        for j in range(m)
    }
    capacity = {f"t{j}": int(rng.integers(1, 4)) for j in range(m)}
    return mentee_prefs, mentor_prefs, capacity


@pytest.mark.parametrize("seed", range(25))
def test_stable_agrees_with_matching_package(seed):
    mentee_prefs, mentor_prefs, capacity = _instance(seed)
    problem = Problem(
        mentors=tuple(Mentor(t, capacity=c) for t, c in capacity.items()),
        mentees=tuple(Mentee(s) for s in mentee_prefs),
        preferences=Preferences(mentees=mentee_prefs, mentors=mentor_prefs),
    )
    ours = {(a.mentee, a.mentor) for a in solve(problem, mode="stable").assignments}

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # the package cannot take empty lists: leave those players out
            game = matching_games.HospitalResident.create_from_dictionaries(
                {k: list(v) for k, v in mentee_prefs.items() if v},
                {k: list(v) for k, v in mentor_prefs.items() if v},
                {k: c for k, c in capacity.items() if mentor_prefs[k]},
            )
            theirs_raw = game.solve(optimal="resident")
    finally:
        sys.setrecursionlimit(limit)
    theirs = {
        (str(resident.name), str(hospital.name))
        for hospital, residents in theirs_raw.items()
        for resident in residents
    }
    assert ours == theirs
