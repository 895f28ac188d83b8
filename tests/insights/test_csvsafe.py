"""Spreadsheet-formula injection is neutralised in every cell."""

from __future__ import annotations

import csv
import io

import pytest

from peerpath.insights.csvsafe import neutralise, write_csv


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Ana", "Ana"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-3, "'-3"),
        (4.5, "4.5"),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_write_csv_neutralises_headers_and_cells():
    content, rows = write_csv(["=h", "ok"], [["=1+2", "@x"], ["fine", "+y"]])
    assert rows == 2
    text = content.decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed == [["'=h", "ok"], ["'=1+2", "'@x"], ["fine", "'+y"]]
