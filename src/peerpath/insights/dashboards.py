"""Turn the selectors' figures into the charts (and tables) the pages and the report show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from peerpath.insights import selectors
from peerpath.insights.charts import (
    Chart,
    Series,
    bar_chart,
    grouped_bar_chart,
    line_chart,
    stacked_bar_chart,
)
from peerpath.insights.selectors import (
    HEALTH_COLOURS,
    HEALTH_LABELS,
    HEALTH_LEVELS,
    GoalSummary,
    ProgramOverview,
    SurveyChange,
    WeekActivity,
)
from peerpath.programs.models import Program


@dataclass
class ProgramDashboard:
    program: Program
    funnel: list[selectors.FunnelStage]
    weeks: list[WeekActivity]
    health: dict[str, int]
    goals: GoalSummary
    surveys: list[SurveyChange]
    survey_months: list[selectors.SurveyMonth]
    charts: dict[str, Chart]

    @property
    def total_sessions(self) -> int:
        return sum(w.sessions for w in self.weeks)

    @property
    def total_hours(self) -> float:
        return round(sum(w.hours for w in self.weeks), 1)


def _short(day: dt.date) -> str:
    return formats.date_format(day, "M j")


def program_dashboard(program: Program, *, today: dt.date | None = None) -> ProgramDashboard:
    funnel = selectors.program_funnel(program)
    weeks = selectors.weekly_activity(program, today=today)
    health = selectors.health_distribution([program])[program.pk]
    goals = selectors.goal_summary([program])[program.pk]
    surveys = selectors.survey_pre_post(program)
    months = selectors.survey_over_time(program)
    charts: dict[str, Chart] = {}
    charts["funnel"] = bar_chart(
        _("Participation, step by step"),
        [s.label for s in funnel],
        [s.count for s in funnel],
        category_header=_("Step"),
        value_header=_("People"),
    )
    week_labels = [_short(w.week) for w in weeks]
    charts["sessions"] = line_chart(
        _("Sessions held per week"),
        week_labels,
        [Series(_("Sessions"), [w.sessions for w in weeks])],
        x_header=_("Week of"),
        y_label=_("Sessions"),
    )
    charts["hours"] = line_chart(
        _("Mentor hours per week"),
        week_labels,
        [Series(_("Hours"), [w.hours for w in weeks], "#b34700")],
        x_header=_("Week of"),
        decimals=1,
        y_label=_("Hours"),
    )
    charts["health"] = bar_chart(
        _("Health of active matches"),
        [str(HEALTH_LABELS[level]) for level in HEALTH_LEVELS],
        [health[level] for level in HEALTH_LEVELS],
        category_header=_("Health"),
        value_header=_("Matches"),
        colours=[HEALTH_COLOURS[level] for level in HEALTH_LEVELS],
    )
    charts["surveys_time"] = line_chart(
        _("How the matches are going: check-ins per month (1–5)"),
        [formats.date_format(m.month, "M Y") for m in months],
        [Series(_("Relationship score"), [m.mean for m in months])],
        x_header=_("Month"),
        decimals=2,
        y_min=1,
        y_max=5,
        y_label=_("Mean score"),
    )
    charts["surveys_pre_post"] = grouped_bar_chart(
        _("Before and after the program (1–5)"),
        [s.title for s in surveys],
        [
            Series(_("Before"), [s.change.mean_a if s.change else None for s in surveys]),
            Series(_("After"), [s.change.mean_b if s.change else None for s in surveys]),
        ],
        category_header=_("Scale"),
        decimals=2,
        maximum=5,
    )
    charts["goals"] = stacked_bar_chart(
        _("Goal completion"),
        [_("Goals")],
        [
            Series(_("Achieved"), [goals.achieved], "#2e7d32"),
            Series(_("In progress"), [goals.active], "#1f5f99"),
            Series(_("Set aside"), [goals.dropped], "#6b7280"),
        ],
        category_header=_("Goals"),
    )
    return ProgramDashboard(program, funnel, weeks, health, goals, surveys, months, charts)


def overview_charts(rows: list[ProgramOverview], *, by_school: bool) -> dict[str, Any]:
    """Charts across programs (a school) or across schools (an organization)."""
    groups: dict[str, list[ProgramOverview]] = {}
    for row in rows:
        key = row.program.school.name if by_school else row.program.name
        groups.setdefault(key, []).append(row)
    labels = list(groups)
    health = {
        level: [sum(r.health.get(level, 0) for r in groups[k]) for k in labels]
        for level in HEALTH_LEVELS
    }
    return {
        "health": stacked_bar_chart(
            _("Health of active matches"),
            labels,
            [
                Series(str(HEALTH_LABELS[level]), health[level], HEALTH_COLOURS[level])
                for level in HEALTH_LEVELS
            ],
            category_header=_("School") if by_school else _("Program"),
        ),
        "hours": bar_chart(
            _("Mentor hours"),
            labels,
            [round(sum(r.hours for r in groups[k]), 1) for k in labels],
            category_header=_("School") if by_school else _("Program"),
            value_header=_("Hours"),
            decimals=1,
        ),
        "sessions": bar_chart(
            _("Sessions held"),
            labels,
            [sum(r.sessions for r in groups[k]) for k in labels],
            category_header=_("School") if by_school else _("Program"),
            value_header=_("Sessions"),
        ),
    }
