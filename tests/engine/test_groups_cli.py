"""``peerpath groups``: the JSON form, the result shape, invalid and infeasible input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from peerpath.engine.groups_cli import main

PROBLEM = {
    "seed": 1,
    "size": {"min": 2, "max": 3},
    "min_shared_slots": 2,
    "leaders": "at_least_one",
    "criteria": [
        {"name": "course", "field": "course", "prefer": "similar", "weight": 2},
        {"name": "attainment", "kind": "number", "prefer": "diverse"},
    ],
    "no_isolated": ["gender"],
    "together": [["p1", "p2"]],
    "participants": [
        {
            "id": "p1",
            "slots": ["mon3", "tue3"],
            "leader": True,
            "course": "bio",
            "attainment": 2,
            "gender": "f",
        },
        {
            "id": "p2",
            "slots": ["mon3", "tue3", "wed1"],
            "course": "bio",
            "attainment": 4,
            "gender": "f",
        },
        {
            "id": "p3",
            "slots": ["mon3", "wed1", "thu2"],
            "leader": True,
            "attributes": {"course": "chem", "attainment": 3, "gender": "m"},
        },
        {"id": "p4", "slots": ["mon3", "wed1"], "course": "chem", "attainment": 5, "gender": "m"},
        {"id": "p7", "slots": ["sat1", "sun1"], "course": "chem", "attainment": 1, "gender": "m"},
    ],
}
PEERPATH = Path(sys.executable).with_name("peerpath")


def _write(tmp_path, data, name="problem.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def test_valid_problem_in_process(tmp_path, capsys):
    out = tmp_path / "result.json"
    assert main(["groups", _write(tmp_path, PROBLEM), "-o", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["feasible"] is True
    assert [(g["id"], g["members"], g["leaders"], g["shared_slots"]) for g in result["groups"]] == [
        ("g1", ["p1", "p2"], ["p1"], ["mon3", "tue3"]),
        ("g2", ["p3", "p4"], ["p3"], ["mon3", "wed1"]),
    ]
    for g in result["groups"]:
        assert set(g["explanation"]) == {"course", "attainment"}
        assert round(sum(g["explanation"].values()), 6) == g["score"]
    assert result["left_out"] == [
        {"participant": "p7", "reason": "shares fewer than 2 free slots with anyone"}
    ]
    assert result["min_score"] == min(g["score"] for g in result["groups"])
    assert {"seconds", "seed", "restarts", "rounds"} <= set(result["stats"])
    assert capsys.readouterr().err == ""


def test_stdout_and_seed_override(tmp_path, capsys):
    assert main([_write(tmp_path, PROBLEM), "--seed", "5"]) == 0  # "groups" is optional
    assert json.loads(capsys.readouterr().out)["stats"]["seed"] == 5


def _one_line_error(capsys):
    captured = capsys.readouterr()
    err = captured.err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    return err.strip()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "malformed JSON at line 1 column 2"),
        ([], "problem: expected an object, got list"),
        ({**PROBLEM, "colour": 1}, "problem: unknown key 'colour'"),
        ({**PROBLEM, "together": [["p1", "p9"]]}, 'together[0]: unknown participant "p9"'),
        (
            {**PROBLEM, "participants": [*PROBLEM["participants"], {"id": "p1"}]},
            'participants[5] ("p1"): duplicate id "p1"',
        ),
        ({**PROBLEM, "size": {"min": 4, "max": 3}}, "min_size (4) must not exceed max_size (3)"),
        (
            {**PROBLEM, "participants": [{"id": "x", "slots": "mon3"}]},
            'participants[0] ("x").slots: expected a list, got str',
        ),
        (
            {**PROBLEM, "criteria": [{"name": "c", "prefer": "same"}]},
            'criteria[0] ("c"): prefer must be similar or diverse',
        ),
        (
            {**PROBLEM, "participants": [{"id": "x", "course": ["bio"]}]},
            'participants[0] ("x"): course must be a single value',
        ),
        ({**PROBLEM, "seed": "one"}, "seed: expected an integer, got 'one'"),
    ],
)
def test_invalid_input_is_one_line_naming_the_entry(tmp_path, capsys, data, message):
    assert main(["groups", _write(tmp_path, data)]) == 2
    err = _one_line_error(capsys)
    assert message in err
    assert err.startswith(str(tmp_path))


def test_infeasible_problem_exits_2_with_the_reason_and_writes_the_result(tmp_path, capsys):
    data = {"size": {"min": 4, "max": 4}, "allow_left_out": False,
            "participants": [{"id": f"p{i}"} for i in range(5)]}  # fmt: skip
    out = tmp_path / "r.json"
    assert main(["groups", _write(tmp_path, data), "-o", str(out)]) == 2
    assert _one_line_error(capsys).endswith("infeasible: 5 participants cannot form groups of 4–4")
    result = json.loads(out.read_text())
    assert (result["feasible"], result["groups"]) == (False, [])


def test_missing_file_and_usage(tmp_path, capsys):
    assert main(["groups", str(tmp_path / "nope.json")]) == 2
    assert "cannot read" in _one_line_error(capsys)
    assert main(["groups"]) == 2
    assert "the following arguments are required: problem" in _one_line_error(capsys)


def _run(*args, stdin=None):
    return subprocess.run(
        [str(PEERPATH), "groups", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin"},  # no Django settings, no database
    )


def test_console_script_valid_and_stdin(tmp_path):
    done = _run(_write(tmp_path, PROBLEM))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["groups"][0]["members"] == ["p1", "p2"]
    done = _run("-", stdin=json.dumps(PROBLEM))
    assert done.returncode == 0
    assert json.loads(done.stdout)["feasible"] is True


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ('{"participants": [', "malformed JSON"),
        ({**PROBLEM, "apart": [["p3", "zz"]]}, 'apart[0]: unknown participant "zz"'),
        (
            {
                "size": {"min": 3, "max": 3},
                "leaders": "exactly_one",
                "allow_left_out": False,
                "participants": [{"id": f"p{i}", "leader": i < 2} for i in range(4)],
            },
            "infeasible: ",
        ),
    ],
)
def test_console_script_errors_without_traceback(tmp_path, data, message):
    done = _run(_write(tmp_path, data))
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr
