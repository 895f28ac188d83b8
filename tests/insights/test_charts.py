"""The SVG chart module: valid, labelled, escaped, readable colours, table = picture."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from peerpath.insights import charts
from peerpath.insights.charts import Series

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart):
    return ET.fromstring(chart.svg)


def test_palette_and_text_meet_wcag_contrast():
    for colour in (*charts.PALETTE, charts.GRID):
        assert charts.contrast_ratio(colour, "#ffffff") >= 3.0, colour
    assert charts.contrast_ratio(charts.TEXT, "#ffffff") >= 4.5
    # Stacked segments carry white numbers on the palette colours.
    for colour in charts.PALETTE:
        assert charts.contrast_ratio("#ffffff", colour) >= 4.5, colour
    assert charts.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)


def test_bar_chart_is_labelled_svg_with_the_same_figures_as_its_table():
    chart = charts.bar_chart(
        "Funnel", ["Applied", "Matched"], [40, 10], category_header="Step", value_header="People"
    )
    root = parse(chart)
    assert root.get("role") == "img"
    labelled_by = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == labelled_by[0]
    assert root.find(f"{SVG}desc").text == "Applied: 40; Matched: 10"
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("height") != root.get("height")][1:]
    widths = [float(r.get("width")) for r in bars]
    assert widths[0] == pytest.approx(
        4 * widths[1], abs=0.2
    )  # 40 is four times 10 (0.1 px rounding)
    assert chart.headers == ["Step", "People"]
    assert chart.rows == [["Applied", "40"], ["Matched", "10"]]


def test_labels_are_escaped():
    chart = charts.bar_chart(
        "<b>x</b>", ['<script>alert("x")</script>'], [1], category_header="c", value_header="v"
    )
    assert "<script>" not in chart.svg
    parse(chart)  # still well-formed


def test_per_bar_colours():
    chart = charts.bar_chart(
        "Health", ["Healthy", "Watch", "At risk"], [3, 2, 1], category_header="h",
        value_header="n", colours=["#2e7d32", "#8a5a00", "#b3261e"],
    )  # fmt: skip
    fills = [r.get("fill") for r in parse(chart).iter(f"{SVG}rect")][1:]
    assert fills == ["#2e7d32", "#8a5a00", "#b3261e"]


def test_stacked_chart_totals_and_legend():
    chart = charts.stacked_bar_chart(
        "Goals", ["A", "B"], [Series("Done", [2, 0]), Series("Open", [3, 4])], category_header="g"
    )
    assert chart.rows == [["A", "2", "3", "5"], ["B", "0", "4", "4"]]
    texts = [t.text for t in parse(chart).iter(f"{SVG}text")]
    assert "Done" in texts
    assert "Open" in texts
    assert "5" in texts


def test_line_chart_leaves_gaps_for_missing_values():
    chart = charts.line_chart(
        "Scores", ["Jan", "Feb", "Mar", "Apr"], [Series("Score", [3.0, None, 4.0, 4.5])],
        x_header="Month", decimals=1, y_min=1, y_max=5,
    )  # fmt: skip
    path = next(parse(chart).iter(f"{SVG}path")).get("d")
    assert path.count("M") == 2  # a new stroke after the gap
    assert chart.rows[1] == ["Feb", "–"]
    assert "from 3.0 (Jan) to 4.5 (Apr), highest 4.5 (Apr)" in chart.summary


def test_nice_axis_maximum():
    assert [charts._nice_max(v) for v in (0, 7, 12, 180, 2400)] == [1, 10, 20, 200, 2500]


def test_grouped_bars_have_distinct_markers_in_the_legend():
    chart = charts.grouped_bar_chart(
        "Pre/post", ["Belonging"], [Series("Before", [3.1]), Series("After", [3.6])],
        category_header="Scale", decimals=2, maximum=5,
    )  # fmt: skip
    root = parse(chart)
    assert root.find(f".//{SVG}circle") is not None  # the second series' marker
    assert chart.rows == [["Belonging", "3.10", "3.60"]]
