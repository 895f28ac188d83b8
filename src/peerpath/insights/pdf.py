"""PDF documents made with ReportLab: the program report and the certificate of service."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from peerpath.insights.impact import ImpactReport
from peerpath.insights.selectors import FunnelStage, GoalSummary, SurveyChange, WeekActivity
from peerpath.insights.stats import Comparison
from peerpath.meetings.selectors import TermHours
from peerpath.programs.models import Program

_STYLES = getSampleStyleSheet()
_TABLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 9),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.HexColor("#1f2933")),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f1f4f8")]),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def _p(text: str, style: str = "BodyText") -> Paragraph:
    return Paragraph(escape(text), _STYLES[style])


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> Table:
    data = [[_p(str(h)) for h in headers]] + [[_p(str(c)) for c in row] for row in rows]
    table = Table(data, repeatRows=1, hAlign="LEFT")
    table.setStyle(_TABLE)
    return table


def _num(value: float | None, decimals: int = 2) -> str:
    return "–" if value is None else f"{value:.{decimals}f}"


def program_report_pdf(
    *,
    program: Program,
    funnel: list[FunnelStage],
    weeks: list[WeekActivity],
    health: dict[str, int],
    health_labels: dict[str, str],
    goals: GoalSummary,
    surveys: list[SurveyChange],
    impact: ImpactReport,
    generated_by: str,
) -> bytes:
    """A few pages for leadership: participation, activity, health, goals, surveys, impact."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=_("Program report: %(name)s") % {"name": program.name},
        author="Peerpath",
        leftMargin=2 * cm,
        rightMargin=2 * cm,
    )
    story: list[object] = [
        _p(_("Program report: %(name)s") % {"name": program.name}, "Title"),
        _p(
            _("%(school)s · term %(start)s to %(end)s · made on %(today)s by %(who)s")
            % {
                "school": program.school.name,
                "start": program.term_start.isoformat(),
                "end": program.term_end.isoformat(),
                "today": dt.date.today().isoformat(),
                "who": generated_by,
            }
        ),
        Spacer(1, 0.4 * cm),
        _p(_("Participation"), "Heading2"),
        _table(
            [_("Step"), _("People"), _("What it counts")],
            [(s.label, s.count, s.definition) for s in funnel],
        ),
        _p(_("Sessions and mentor hours"), "Heading2"),
        _p(
            _("%(sessions)d sessions held and %(hours).1f mentor hours over %(weeks)d weeks.")
            % {
                "sessions": sum(w.sessions for w in weeks),
                "hours": sum(w.hours for w in weeks),
                "weeks": len(weeks),
            }
        ),
        _p(_("Match health (active matches)"), "Heading2"),
        _table([_("Health"), _("Matches")], [(health_labels[k], n) for k, n in health.items()]),
        _p(_("Goals"), "Heading2"),
        _p(
            _("%(achieved)d of %(total)d goals achieved; %(active)d in progress.")
            % {"achieved": goals.achieved, "total": goals.total, "active": goals.active}
        ),
        _p(_("Surveys before and after"), "Heading2"),
        _table(
            [
                _("Scale (1–5)"),
                _("n"),
                _("Missing"),
                _("Before"),
                _("After"),
                _("Change [95% CI]"),
                _("Hedges' g [95% CI]"),
            ],
            [
                (
                    s.title,
                    s.n,
                    s.missing,
                    _num(s.change.mean_a if s.change else None),
                    _num(s.change.mean_b if s.change else None),
                    _ci(s.change, "difference"),
                    _ci(s.change, "g"),
                )
                for s in surveys
            ],
        ),
        _p(_("Impact on school outcomes"), "Heading2"),
    ]
    if impact.baseline is None or impact.outcome is None:
        story.append(_p(_("No outcome data for the terms before and after the program yet.")))
    else:
        story.append(
            _p(
                _(
                    "Baseline term %(before)s, outcome term %(after)s. %(n)d participants; "
                    "%(with)d with baseline data; %(matched)d matched to a similar student "
                    "who did not take part (same grade, nearest prior grades and attendance)."
                )
                % {
                    "before": impact.baseline.title,
                    "after": impact.outcome.title,
                    "n": impact.participants,
                    "with": impact.with_baseline,
                    "matched": impact.matched,
                }
            )
        )
        story.append(
            _table(
                [
                    _("Outcome"),
                    _("Pairs"),
                    _("Missing"),
                    _("Comparison"),
                    _("Participants"),
                    _("Difference [95% CI]"),
                    _("Hedges' g [95% CI]"),
                ],
                [
                    (
                        e.label,
                        e.n,
                        e.missing,
                        _num(e.result.mean_a if e.result else None, 1),
                        _num(e.result.mean_b if e.result else None, 1),
                        _ci(e.result, "difference"),
                        _ci(e.result, "g"),
                    )
                    for e in impact.comparisons
                ],
            )
        )
    story += [
        Spacer(1, 0.3 * cm),
        _p(_("How to read this"), "Heading3"),
        _p(
            _(
                "These are observational comparisons, not an experiment: students chose to "
                "take part, and differences we could not measure may explain part of any gap. "
                "Intervals that include zero mean the data are consistent with no difference. "
                "Small groups give wide intervals."
            )
        ),
    ]
    doc.build(story)
    return buffer.getvalue()


def _ci(result: Comparison | None, which: str) -> str:
    if result is None:
        return "–"
    if which == "g":
        if result.g is None or result.g_low is None or result.g_high is None:
            return "–"
        return f"{result.g:.2f} [{result.g_low:.2f}, {result.g_high:.2f}]"
    return f"{result.difference:+.2f} [{result.difference_low:.2f}, {result.difference_high:.2f}]"


def certificate_pdf(
    *, name: str, terms: list[TermHours], total_hours: float, issued: dt.date
) -> bytes:
    """A one-page certificate of a mentor's service hours, per program term."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        title=_("Certificate of service: %(name)s") % {"name": name},
        author="Peerpath",
        topMargin=2 * cm,
    )
    centred = ParagraphStyle("centred", parent=_STYLES["BodyText"], alignment=1, fontSize=13)
    big = ParagraphStyle("big", parent=_STYLES["Title"], fontSize=30, leading=36)
    story: list[object] = [
        Paragraph(escape(_("Certificate of service")), big),
        Spacer(1, 0.5 * cm),
        Paragraph(escape(_("This certifies that")), centred),
        Spacer(1, 0.3 * cm),
        Paragraph(escape(name), ParagraphStyle("name", parent=big, fontSize=24)),
        Spacer(1, 0.3 * cm),
        Paragraph(
            escape(
                _("gave %(hours).1f hours of peer mentoring and tutoring to fellow students.")
                % {"hours": total_hours}
            ),
            centred,
        ),
        Spacer(1, 0.6 * cm),
    ]
    if terms:
        table = _table(
            [_("Program"), _("School"), _("Term"), _("Sessions"), _("Hours")],
            [
                (
                    t.program.name,
                    t.program.school.name,
                    f"{t.program.term_start.isoformat()} – {t.program.term_end.isoformat()}",
                    t.sessions,
                    f"{t.hours:.1f}",
                )
                for t in terms
            ],
        )
        table.hAlign = "CENTER"
        story.append(table)
    story += [
        Spacer(1, 0.8 * cm),
        Paragraph(
            escape(
                _(
                    "Hours count the sessions the mentor attended, as recorded in Peerpath "
                    "(logged length, or planned length when no log was written). Issued on "
                    "%(date)s."
                )
                % {"date": issued.isoformat()}
            ),
            centred,
        ),
    ]
    doc.build(story)
    return buffer.getvalue()
