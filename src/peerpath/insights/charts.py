"""
Small server-rendered SVG charts: horizontal bars (single, grouped, stacked) and lines.

Each function returns a :class:`Chart`: the SVG markup (``role="img"`` with a
``<title>`` and a ``<desc>`` that states the figures) and the same figures as
table headers and rows, which the template renders as a data table next to
the picture. Colours reach 3:1 against white (WCAG 1.4.11 for graphics) and
text 4.5:1 (1.4.3); series differ by shape or position too, never by colour
alone. No database and no JavaScript; the few words of its own are translated.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

from django.utils.translation import gettext as _

__all__ = [
    "PALETTE",
    "TEXT",
    "Chart",
    "Series",
    "bar_chart",
    "contrast_ratio",
    "grouped_bar_chart",
    "line_chart",
    "stacked_bar_chart",
]

#: Series colours, each at least 3:1 against white and told apart by lightness too.
PALETTE = ("#1f5f99", "#b34700", "#2e7d32", "#6a3d9a", "#8a6d00", "#b0245a")
TEXT = "#1f2933"
GRID = "#6b7280"  # axis lines: 4.8:1 on white
BACKGROUND = "#ffffff"
WIDTH = 600
FONT = 14
_ids = itertools.count(1)


def _luminance(colour: str) -> float:
    value = colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.1 contrast ratio of two ``#rrggbb`` colours."""
    a, b = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    colour: str = ""


@dataclass
class Chart:
    """An SVG picture and the table of the same figures."""

    title: str
    svg: str
    headers: list[str]
    rows: list[list[str]]
    summary: str = ""
    chart_id: str = field(default_factory=lambda: f"chart-{next(_ids)}")

    @property
    def is_empty(self) -> bool:
        return not self.rows


def _fmt(value: float | None, decimals: int = 0, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    return f"{text}{unit}"


def _nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above ``value`` (axis end)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value:
            return float(candidate)
    return float(10 ** (exponent + 1))


def _ticks(span: float) -> tuple[int, float]:
    """How many gridline steps, and their size, so that every step is 1, 2, 2.5 or 5 × 10^k."""
    for count in (5, 4, 6):
        step = span / count
        mantissa = step / 10 ** math.floor(math.log10(step))
        if any(abs(mantissa - nice) < 1e-9 for nice in (1, 2, 2.5, 5, 10)):
            return count, step
    return 4, span / 4


def _text(x: float, y: float, content: str, *, anchor: str = "start", size: int = FONT,
          weight: str = "normal") -> str:  # fmt: skip
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{TEXT}" '
        f'text-anchor="{anchor}" font-weight="{weight}">{escape(content)}</text>'
    )


def _label_width(categories: Sequence[str]) -> float:
    """Room for the longest (truncated) category label, at about 0.55 em per character."""
    longest = max((len(_truncate(c)) for c in categories), default=4)
    return float(min(250, max(60, longest * FONT * 0.56 + 6)))


def _truncate(label: str, limit: int = 30) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _colours(series: Sequence[Series]) -> list[str]:
    return [s.colour or PALETTE[i % len(PALETTE)] for i, s in enumerate(series)]


def _svg(chart_id: str, title: str, desc: str, height: float, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'class="chart" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>'
        f'<rect width="{WIDTH}" height="{height:.0f}" fill="{BACKGROUND}"/>'
        + "".join(body)
        + "</svg>"
    )


def _legend(series: Sequence[Series], colours: Sequence[str], y: float) -> tuple[list[str], float]:
    """Legend items left to right, wrapping; returns the markup and the height used."""
    parts: list[str] = []
    x, row_y = 8.0, y
    for index, (item, colour) in enumerate(zip(series, colours, strict=True)):
        width = 28 + 7.2 * len(item.name)
        if x + width > WIDTH - 8 and x > 8:
            x, row_y = 8.0, row_y + 20
        parts.append(_marker(index, x + 7, row_y - 4, colour))
        parts.append(_text(x + 18, row_y, item.name))
        x += width + 12
    return parts, row_y - y + 22


def _marker(index: int, x: float, y: float, colour: str) -> str:
    """A shape per series (square, circle, triangle, diamond…), so colour is not the only cue."""
    shape = index % 4
    if shape == 0:
        return f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" fill="{colour}"/>'
    if shape == 1:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5.5" fill="{colour}"/>'
    if shape == 2:
        return (
            f'<polygon points="{x:.1f},{y - 6:.1f} {x + 6:.1f},{y + 5:.1f} {x - 6:.1f},{y + 5:.1f}" '
            f'fill="{colour}"/>'
        )
    return (
        f'<polygon points="{x:.1f},{y - 6:.1f} {x + 6:.1f},{y:.1f} {x:.1f},{y + 6:.1f} '
        f'{x - 6:.1f},{y:.1f}" fill="{colour}"/>'
    )


def grouped_bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    category_header: str,
    decimals: int = 0,
    unit: str = "",
    maximum: float | None = None,
    bar_colours: Sequence[str] | None = None,
) -> Chart:
    """
    Horizontal bars: one group per category, one bar per series, values at the bar ends.

    ``bar_colours`` colours a single series bar by bar (a health level each, say).
    """
    chart_id = f"chart-{next(_ids)}"
    colours = _colours(series)
    label_width = _label_width(categories)
    plot_left, plot_right = label_width + 8, WIDTH - 70
    bar_h, gap = 18.0, 10.0
    group_h = bar_h * len(series) + gap
    top = 10.0
    values = [v for s in series for v in s.values if v is not None]
    top_value = maximum if maximum is not None else _nice_max(max(values, default=0))
    scale = (plot_right - plot_left) / top_value if top_value else 0
    body: list[str] = []
    for c_index, category in enumerate(categories):
        y0 = top + c_index * group_h
        body.append(
            _text(label_width, y0 + group_h / 2 - gap / 2 + 4, _truncate(category), anchor="end")
        )
        for s_index, (item, colour) in enumerate(zip(series, colours, strict=True)):
            value = item.values[c_index]
            y = y0 + s_index * bar_h
            width = max((value or 0) * scale, 0)
            if bar_colours and len(series) == 1:
                colour = bar_colours[c_index % len(bar_colours)]
            if value:
                body.append(
                    f'<rect x="{plot_left:.1f}" y="{y + 2:.1f}" width="{width:.1f}" '
                    f'height="{bar_h - 4:.1f}" fill="{colour}"/>'
                )
            body.append(
                _text(plot_left + width + 5, y + bar_h / 2 + 4, _fmt(value, decimals, unit))
            )
    axis_y = top + len(categories) * group_h
    body.append(
        f'<line x1="{plot_left:.1f}" y1="{top:.1f}" x2="{plot_left:.1f}" y2="{axis_y:.1f}" '
        f'stroke="{GRID}" stroke-width="1"/>'
    )
    height = axis_y + 8
    if len(series) > 1:
        legend, used = _legend(series, colours, height + 12)
        body.extend(legend)
        height += used + 8
    headers = [category_header, *[s.name for s in series]]
    rows = [
        [category, *[_fmt(s.values[i], decimals, unit) for s in series]]
        for i, category in enumerate(categories)
    ]
    desc = "; ".join(
        f"{category}: " + ", ".join(f"{s.name} {_fmt(s.values[i], decimals, unit)}" for s in series)
        if len(series) > 1
        else f"{category}: {_fmt(series[0].values[i], decimals, unit)}"
        for i, category in enumerate(categories)
    )
    return Chart(title, _svg(chart_id, title, desc, height, body), headers, rows, desc, chart_id)


def bar_chart(
    title: str,
    categories: Sequence[str],
    values: Sequence[float | None],
    *,
    category_header: str,
    value_header: str,
    decimals: int = 0,
    unit: str = "",
    colours: Sequence[str] | None = None,
) -> Chart:
    """Horizontal bars, one per category (optionally one colour per bar)."""
    return grouped_bar_chart(
        title,
        categories,
        [Series(value_header, values)],
        category_header=category_header,
        decimals=decimals,
        unit=unit,
        bar_colours=colours,
    )


def stacked_bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    category_header: str,
    decimals: int = 0,
    unit: str = "",
) -> Chart:
    """Horizontal stacked bars: one bar per category, segments per series, total at the end."""
    chart_id = f"chart-{next(_ids)}"
    colours = _colours(series)
    label_width = _label_width(categories)
    plot_left, plot_right = label_width + 8, WIDTH - 70
    bar_h, gap = 24.0, 10.0
    top = 10.0
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(categories))]
    top_value = _nice_max(max(totals, default=0))
    scale = (plot_right - plot_left) / top_value
    body: list[str] = []
    for c_index, category in enumerate(categories):
        y = top + c_index * (bar_h + gap)
        body.append(_text(label_width, y + bar_h / 2 + 4, _truncate(category), anchor="end"))
        x = plot_left
        for item, colour in zip(series, colours, strict=True):
            value = item.values[c_index] or 0
            width = value * scale
            if width > 0:
                # A white edge keeps neighbouring segments apart.
                body.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{bar_h:.1f}" '
                    f'fill="{colour}" stroke="{BACKGROUND}" stroke-width="1.5"/>'
                )
                if width >= 30:
                    body.append(
                        f'<text x="{x + width / 2:.1f}" y="{y + bar_h / 2 + 4:.1f}" '
                        f'font-size="{FONT - 1}" fill="#ffffff" text-anchor="middle">'
                        f"{escape(_fmt(value, decimals))}</text>"
                    )
            x += width
        body.append(_text(x + 5, y + bar_h / 2 + 4, _fmt(totals[c_index], decimals, unit)))
    axis_y = top + len(categories) * (bar_h + gap)
    body.append(
        f'<line x1="{plot_left:.1f}" y1="{top:.1f}" x2="{plot_left:.1f}" y2="{axis_y:.1f}" '
        f'stroke="{GRID}" stroke-width="1"/>'
    )
    legend, used = _legend(series, colours, axis_y + 18)
    body.extend(legend)
    height = axis_y + used + 16
    headers = [category_header, *[s.name for s in series], _("Total")]
    rows = [
        [category, *[_fmt(s.values[i], decimals, unit) for s in series],
         _fmt(totals[i], decimals, unit)]
        for i, category in enumerate(categories)
    ]  # fmt: skip
    desc = "; ".join(
        f"{category}: " + ", ".join(f"{s.name} {_fmt(s.values[i], decimals, unit)}" for s in series)
        for i, category in enumerate(categories)
    )
    return Chart(title, _svg(chart_id, title, desc, height, body), headers, rows, desc, chart_id)


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    x_header: str,
    decimals: int = 0,
    unit: str = "",
    y_min: float = 0.0,
    y_max: float | None = None,
    y_label: str = "",
    label_every: int | None = None,
) -> Chart:
    """Lines over ordered categories (weeks, months); a gap where a value is missing."""
    chart_id = f"chart-{next(_ids)}"
    colours = _colours(series)
    left, right, top, plot_h = 56.0, WIDTH - 40, 22.0, 220.0
    values = [v for s in series for v in s.values if v is not None]
    top_value = y_max if y_max is not None else _nice_max(max(values, default=0))
    span = (top_value - y_min) or 1.0
    n = len(x_labels)
    step = (right - left) / max(n - 1, 1)

    def x_at(i: int) -> float:
        return left + (i * step if n > 1 else (right - left) / 2)

    def y_at(v: float) -> float:
        return top + plot_h - (v - y_min) / span * plot_h

    body: list[str] = []
    ticks, step_size = _ticks(span)
    tick_decimals = 0 if step_size >= 1 else 1 if step_size >= 0.1 else 2
    for t in range(ticks + 1):
        value = y_min + step_size * t
        y = y_at(value)
        body.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="{1 if t == 0 else 0.5}" '
            f'stroke-dasharray="{"" if t == 0 else "3 3"}"/>'
        )
        body.append(_text(left - 6, y + 4, _fmt(value, tick_decimals), anchor="end", size=12))
    every = label_every or max(1, math.ceil(n / 8))
    for i, label in enumerate(x_labels):
        if i % every == 0 or (i == n - 1 and (n - 1) % every > every / 2):
            body.append(_text(x_at(i), top + plot_h + 18, label, anchor="middle", size=12))
    if y_label:
        body.append(_text(left, top - 4, y_label, size=12))
    for s_index, (item, colour) in enumerate(zip(series, colours, strict=True)):
        path: list[str] = []
        pen_up = True
        for i, point in enumerate(item.values):
            if point is None:
                pen_up = True
                continue
            path.append(f"{'M' if pen_up else 'L'}{x_at(i):.1f},{y_at(point):.1f}")
            pen_up = False
        if path:
            dash = "" if s_index % 2 == 0 else ' stroke-dasharray="6 3"'
            body.append(
                f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="2.5"'
                f"{dash}/>"
            )
        if n <= 60:
            for i, point in enumerate(item.values):
                if point is not None:
                    body.append(_marker(s_index, x_at(i), y_at(point), colour))
    height = top + plot_h + 30
    legend, used = _legend(series, colours, height + 6)
    body.extend(legend)
    height += used + 6
    headers = [x_header, *[s.name for s in series]]
    rows = [
        [label, *[_fmt(s.values[i], decimals, unit) for s in series]]
        for i, label in enumerate(x_labels)
    ]
    desc = _line_summary(x_labels, series, decimals, unit)
    return Chart(title, _svg(chart_id, title, desc, height, body), headers, rows, desc, chart_id)


def _line_summary(
    x_labels: Sequence[str], series: Sequence[Series], decimals: int, unit: str
) -> str:
    parts = []
    for item in series:
        known = [(x_labels[i], v) for i, v in enumerate(item.values) if v is not None]
        if not known:
            parts.append(_("%(name)s: no data") % {"name": item.name})
            continue
        high: Callable[[tuple[str, float]], float] = lambda pair: pair[1]  # noqa: E731
        top_label, top_value = max(known, key=high)
        parts.append(
            _(
                "%(name)s: from %(first)s (%(first_at)s) to %(last)s (%(last_at)s), highest %(top)s (%(top_at)s)"
            )
            % {
                "name": item.name,
                "first": _fmt(known[0][1], decimals, unit),
                "first_at": known[0][0],
                "last": _fmt(known[-1][1], decimals, unit),
                "last_at": known[-1][0],
                "top": _fmt(top_value, decimals, unit),
                "top_at": top_label,
            }
        )
    return "; ".join(parts)
