"""``peerpath solve``: the two minimal JSON forms, the result shape and invalid input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from peerpath.engine.cli import main

OPTIMAL = {
    "mode": "optimal",
    "mentors": [{"id": "t1", "capacity": 2}, {"id": "t2", "capacity": 1}],
    "mentees": [{"id": "s1"}, {"id": "s2"}, {"id": "s3"}, {"id": "s4"}],
    "scores": [["s1", "t1", 0.75], ["s2", "t1", 0.5], ["s3", "t1", 0.9], ["s3", "t2", 0.2]],
}
STABLE = {
    "mode": "stable",
    "mentors": [{"id": "t1", "capacity": 1}, {"id": "t2", "capacity": 1}],
    "mentees": [{"id": "s1"}, {"id": "s2"}, {"id": "s3"}],
    "preferences": {
        "mentees": {"s1": ["t1", "t2"], "s2": ["t1"], "s3": ["t2"]},
        "mentors": {"t1": ["s2", "s1"], "t2": ["s1", "s3"]},
    },
}
SRC = str(Path(__file__).resolve().parents[2] / "src")


def _write(tmp_path, data, name="problem.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def test_optimal_minimal_form_in_process(tmp_path, capsys):
    out = tmp_path / "result.json"
    assert main(["solve", _write(tmp_path, OPTIMAL), "-o", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["optimal"] is True
    assert result["matched"] == 3
    assert result["total_score"] == 1.45
    assert [(a["mentee"], a["mentor"], a["score"]) for a in result["assignments"]] == [
        ("s1", "t1", 0.75),
        ("s2", "t1", 0.5),
        ("s3", "t2", 0.2),
    ]
    assert result["unmatched"] == [
        {"mentee": "s4", "reason": "no allowed pair is listed for this mentee"}
    ]
    assert {"scoring_seconds", "solving_seconds", "candidates"} <= set(result["stats"])


@pytest.mark.parametrize("mode", ["fair", "greedy"])
def test_other_score_modes_in_process(tmp_path, capsys, mode):
    assert main([_write(tmp_path, {**OPTIMAL, "mode": mode})]) == 0  # "solve" is optional
    result = json.loads(capsys.readouterr().out)
    assert result["mode"] == mode
    assert result["matched"] == 3


def test_stable_minimal_form_in_process(tmp_path, capsys):
    assert main(["solve", _write(tmp_path, STABLE)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {(a["mentee"], a["mentor"]) for a in result["assignments"]} == {
        ("s1", "t2"),
        ("s2", "t1"),
    }
    assert result["unmatched"][0]["mentee"] == "s3"
    assert result["optimal"] is True


def test_subprocess_without_django(tmp_path):
    env = {**os.environ, "PYTHONPATH": SRC}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = tmp_path / "r.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "peerpath.engine.cli",
            "solve",
            _write(tmp_path, OPTIMAL),
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text())["total_score"] == 1.45
    probe = "import sys, peerpath.engine.cli; print('django' in sys.modules)"
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    assert proc.stdout.strip() == "False"


def test_subprocess_invalid_input_has_no_traceback(tmp_path):
    bad = {**OPTIMAL, "mentors": [{"id": "t1", "capacity": -1}]}
    proc = subprocess.run(
        [sys.executable, "-m", "peerpath.engine.cli", "solve", _write(tmp_path, bad)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": SRC},
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1
    assert 'mentors[0] ("t1"): capacity must be an integer >= 1, got -1' in proc.stderr


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "malformed JSON at line 1 column 2"),
        ({**OPTIMAL, "scores": [["s1", "t9", 0.5]]}, 'scores[0]: unknown mentor "t9"'),
        ({**OPTIMAL, "scores": [["s9", "t1", 0.5]]}, 'scores[0]: unknown mentee "s9"'),
        ({**OPTIMAL, "mentees": [{"id": "s1"}, {"id": "s1"}]}, 'mentees[1]: duplicate id "s1"'),
        ({**OPTIMAL, "mentors": [{"id": "t1"}, {"id": "t1"}]}, 'mentors[1]: duplicate id "t1"'),
        ({**OPTIMAL, "mentors": [{"id": "t1", "capacity": -2}]}, 'mentors[0] ("t1"): capacity'),
        ({**OPTIMAL, "mentees": [{"name": "x"}]}, 'mentees[0]: missing "id"'),
        ({**OPTIMAL, "scores": [["s1", "t1", "high"]]}, "scores[0]: score must be a number"),
        ({**OPTIMAL, "scores": [["s1", "t1"]]}, "scores[0]: expected [mentee, mentor, score]"),
        ({**OPTIMAL, "mode": "best"}, "mode: expected optimal, fair, stable or greedy"),
        ({**OPTIMAL, "locked": [["s1", "t7"]]}, 'locked[0]: unknown mentor "t7"'),
        ({**OPTIMAL, "forbidden": [["s8", "t1"]]}, 'forbidden[0]: unknown mentee "s8"'),
        (
            {**STABLE, "preferences": {"mentees": {"s1": ["t5"]}, "mentors": {}}},
            'preferences.mentees["s1"][0]: unknown id "t5"',
        ),
        (
            {**OPTIMAL, "criteria": [{"name": "c", "kind": "vibes"}]},
            'criteria[0] ("c"): unknown kind',
        ),
        ([1, 2], "problem: expected an object"),
    ],
)
def test_invalid_input_names_the_entry(tmp_path, capsys, data, message):
    assert main(["solve", _write(tmp_path, data)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_missing_file_and_bad_arguments(tmp_path, capsys):
    assert main(["solve", str(tmp_path / "nope.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["solve"]) == 2
    assert "required" in capsys.readouterr().err
