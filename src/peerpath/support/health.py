"""
A transparent health signal for every match: healthy, watch or at risk.

Each rule looks at one fact (days since the pair last met, no-shows in a row,
session ratings, the latest relationship check-in, goal progress, an overdue
support contact) and, when a program threshold is crossed, adds a reason and
raises the level. The signal is the worst level any rule gives, and the
reasons are shown next to it, so a coordinator sees *why*.

Where the facts come from: sessions, attendance and goals from
:func:`peerpath.meetings.selectors.meeting_facts`; session ratings from
:class:`~peerpath.support.models.SessionFeedback`; check-ins and support
contacts from this app. Every source is read for all matches at once, so the
needs-attention queue costs the same number of queries for 3 matches or 3,000.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from peerpath.matching.models import Match
from peerpath.meetings.selectors import meeting_facts
from peerpath.support.models import (
    CheckInResponse,
    SessionFeedback,
    SupportContact,
    SupportSettings,
)

HEALTHY, WATCH, AT_RISK = "healthy", "watch", "at_risk"
_RANK = {HEALTHY: 0, WATCH: 1, AT_RISK: 2}
LABELS = {HEALTHY: "Healthy", WATCH: "Watch", AT_RISK: "At risk"}

#: The low-ratings rule averages a pair's latest this many session ratings
#: (both partners' ratings count, so about the last three sessions).
RATING_WINDOW = 6


@dataclass
class Health:
    level: str = HEALTHY
    reasons: list[str] = field(default_factory=list)
    contact_due: dt.date | None = None
    contact_overdue: bool = False
    average_rating: float | None = None

    def raise_to(self, level: str, reason: str) -> None:
        if _RANK[level] > _RANK[self.level]:
            self.level = level
        self.reasons.append(reason)

    @property
    def label(self) -> str:
        return _(LABELS[self.level])


def settings_for(program_id: int) -> SupportSettings:
    """The program's settings row, created with the defaults on first use (for the settings page)."""
    found, _created = SupportSettings.objects.get_or_create(program_id=program_id)
    return found


def settings_by_program(program_ids: Iterable[int]) -> dict[int, SupportSettings]:
    """Every program's settings in one query; a program without a row gets unsaved defaults."""
    wanted = set(program_ids)
    found = {s.program_id: s for s in SupportSettings.objects.filter(program_id__in=wanted)}
    return {pid: found.get(pid) or SupportSettings(program_id=pid) for pid in wanted}


def contact_due_dates(started: dt.date, rules: SupportSettings, until: dt.date) -> list[dt.date]:
    """Due dates of support contacts: N in the first month, then every K days."""
    dates = []
    n = max(rules.first_month_contacts, 0)
    for i in range(1, n + 1):
        dates.append(started + dt.timedelta(days=round(30 * i / n)))
    day = started + dt.timedelta(days=30)
    while day <= until:
        day += dt.timedelta(days=rules.contact_every_days)
        dates.append(day)
    return sorted(set(dates))


def next_contact_due(
    started: dt.date, contacts: Sequence[dt.date], rules: SupportSettings, today: dt.date
) -> dt.date | None:
    """The earliest due date not yet covered by a contact on or after the previous due date."""
    previous = started
    for due in contact_due_dates(started, rules, today + dt.timedelta(days=60)):
        covered = any(previous <= c <= due for c in contacts)
        if not covered:
            return due
        previous = due
    return None


def _latest_ratings(ids: list[int]) -> dict[int, list[int]]:
    """The latest ``RATING_WINDOW`` session ratings of each match, newest first (1 query)."""
    ratings: dict[int, list[int]] = defaultdict(list)
    rows = (
        SessionFeedback.objects.filter(session__match_id__in=ids, rating__isnull=False)
        .annotate(
            nth=Window(
                RowNumber(),
                partition_by=F("session__match_id"),
                order_by=[F("session__starts_at").desc(), F("pk").desc()],
            )
        )
        .filter(nth__lte=RATING_WINDOW)
        .order_by("session__match_id", "nth")
        .values_list("session__match_id", "rating")
    )
    for match_id, rating in rows:
        if match_id is not None and rating is not None:
            ratings[match_id].append(rating)
    return ratings


def _no_meeting(days: int, *, ever_met: bool) -> str:
    if ever_met:
        return ngettext("No meeting for %(n)s day.", "No meeting for %(n)s days.", days) % {
            "n": days
        }
    return ngettext(
        "No meeting yet, %(n)s day after the match began.",
        "No meeting yet, %(n)s days after the match began.",
        days,
    ) % {"n": days}


def match_health(matches: Sequence[Match], *, today: dt.date | None = None) -> dict[int, Health]:
    """
    The health of each active match, in a constant number of queries however many matches.

    ``today`` moves the clock for every rule (sessions up to the end of that
    day count as past).
    """
    if today is None:
        now = timezone.now()
        today = timezone.localdate(now)
    else:
        now = timezone.make_aware(dt.datetime.combine(today, dt.time.max))
    ids = [m.pk for m in matches]
    rules = settings_by_program(m.program_id for m in matches)
    contacts: dict[int, list[dt.date]] = {pk: [] for pk in ids}
    for match_id, happened in SupportContact.objects.filter(match_id__in=ids).values_list(
        "match_id", "happened_at"
    ):
        contacts[match_id].append(timezone.localdate(happened))
    latest_relationship: dict[int, float] = {}
    for match_id, scores in (
        CheckInResponse.objects.filter(match_id__in=ids, kind=CheckInResponse.Kind.CHECKIN)
        .order_by("match_id", "-submitted_at")
        .values_list("match_id", "scores")
    ):
        if (
            match_id is not None
            and match_id not in latest_relationship
            and "relationship" in scores
        ):
            latest_relationship[match_id] = scores["relationship"]
    facts = meeting_facts(matches, now=now)
    ratings = _latest_ratings(ids)
    out: dict[int, Health] = {}
    for match in matches:
        rule = rules[match.program_id]
        health = Health()
        started = timezone.localdate(match.started_at)
        fact = facts[match.pk]
        since = (
            (today - timezone.localdate(fact.last_met_at)).days
            if fact.last_met_at
            else (today - started).days
        )
        if since >= rule.risk_no_meeting_days:
            health.raise_to(AT_RISK, _no_meeting(since, ever_met=fact.last_met_at is not None))
        elif since >= rule.watch_no_meeting_days:
            health.raise_to(WATCH, _no_meeting(since, ever_met=fact.last_met_at is not None))
        if fact.no_shows_in_a_row >= max(rule.risk_no_shows, 1):
            health.raise_to(
                AT_RISK,
                ngettext(
                    "%(n)s no-show in a row.", "%(n)s no-shows in a row.", fact.no_shows_in_a_row
                )
                % {"n": fact.no_shows_in_a_row},
            )
        elif fact.no_shows_in_a_row:
            health.raise_to(WATCH, _("The latest session was missed."))
        recent = ratings.get(match.pk)
        if recent:
            health.average_rating = round(sum(recent) / len(recent), 1)
            if health.average_rating < rule.watch_rating_below:
                health.raise_to(
                    WATCH,
                    ngettext(
                        "Average session rating %(r).1f of 5 (the latest rating).",
                        "Average session rating %(r).1f of 5 (the latest %(n)s ratings).",
                        len(recent),
                    )
                    % {"r": health.average_rating, "n": len(recent)},
                )
        if fact.goals_behind:
            health.raise_to(
                WATCH,
                ngettext(
                    "%(n)s goal is behind schedule.",
                    "%(n)s goals are behind schedule.",
                    fact.goals_behind,
                )
                % {"n": fact.goals_behind},
            )
        score = latest_relationship.get(match.pk)
        if score is not None:
            if score < rule.risk_relationship_below:
                health.raise_to(
                    AT_RISK,
                    _("The latest check-in rates the relationship %(s).1f of 5.") % {"s": score},
                )
            elif score < rule.watch_relationship_below:
                health.raise_to(
                    WATCH,
                    _("The latest check-in rates the relationship %(s).1f of 5.") % {"s": score},
                )
        due = next_contact_due(started, contacts[match.pk], rule, today)
        health.contact_due = due
        if due is not None and due < today:
            health.contact_overdue = True
            health.raise_to(
                WATCH, _("A support contact was due on %(d)s.") % {"d": due.isoformat()}
            )
        if (today - started).days >= 14 and not (match.mentor_agreed_at and match.mentee_agreed_at):
            health.raise_to(WATCH, _("The match agreement is not accepted by both yet."))
        out[match.pk] = health
    return out
