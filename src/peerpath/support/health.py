"""
A transparent health signal for every match: healthy, watch or at risk.

Each rule looks at one fact (days since the pair last met, no-shows in a row,
session ratings, the latest relationship check-in, goal progress, an overdue
support contact) and, when a program threshold is crossed, adds a reason and
raises the level. The signal is the worst level any rule gives, and the
reasons are shown next to it, so a coordinator sees *why*.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from peerpath.matching.models import Match
from peerpath.support.models import CheckInResponse, SupportContact, SupportSettings

HEALTHY, WATCH, AT_RISK = "healthy", "watch", "at_risk"
_RANK = {HEALTHY: 0, WATCH: 1, AT_RISK: 2}
LABELS = {HEALTHY: "Healthy", WATCH: "Watch", AT_RISK: "At risk"}


@dataclass(frozen=True)
class MeetingFacts:
    """What the meetings app knows about a pair (None: not known)."""

    last_met_at: dt.datetime | None = None
    no_shows_in_a_row: int = 0
    average_rating: float | None = None
    goals_total: int = 0
    goals_behind: int = 0


MeetingFactsProvider = Callable[[Sequence[Match]], dict[int, MeetingFacts]]
_providers: list[MeetingFactsProvider] = []


def register_meeting_facts(provider: MeetingFactsProvider) -> None:
    """Let the app that records sessions report facts per match (called from its AppConfig)."""
    if provider not in _providers:
        _providers.append(provider)


@dataclass
class Health:
    level: str = HEALTHY
    reasons: list[str] = field(default_factory=list)
    contact_due: dt.date | None = None
    contact_overdue: bool = False

    def raise_to(self, level: str, reason: str) -> None:
        if _RANK[level] > _RANK[self.level]:
            self.level = level
        self.reasons.append(reason)

    @property
    def label(self) -> str:
        return _(LABELS[self.level])


def settings_for(program_id: int) -> SupportSettings:
    found, _created = SupportSettings.objects.get_or_create(program_id=program_id)
    return found


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


def match_health(matches: Sequence[Match], *, today: dt.date | None = None) -> dict[int, Health]:
    """The health of each active match, computed in a fixed number of queries."""
    today = today or timezone.localdate()
    ids = [m.pk for m in matches]
    rules = {m.program_id: settings_for(m.program_id) for m in matches}
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
    facts: dict[int, MeetingFacts] = {}
    for provider in _providers:
        facts.update(provider(matches))
    out: dict[int, Health] = {}
    for match in matches:
        rule = rules[match.program_id]
        health = Health()
        started = timezone.localdate(match.started_at)
        fact = facts.get(match.pk)
        if fact is not None:
            since = (
                (today - timezone.localdate(fact.last_met_at)).days
                if fact.last_met_at
                else (today - started).days
            )
            if since >= rule.risk_no_meeting_days:
                health.raise_to(
                    AT_RISK,
                    ngettext("No meeting for %(n)s day.", "No meeting for %(n)s days.", since)
                    % {"n": since},
                )
            elif since >= rule.watch_no_meeting_days:
                health.raise_to(
                    WATCH,
                    ngettext("No meeting for %(n)s day.", "No meeting for %(n)s days.", since)
                    % {"n": since},
                )
            if fact.no_shows_in_a_row >= rule.risk_no_shows:
                health.raise_to(
                    AT_RISK, _("%(n)s no-shows in a row.") % {"n": fact.no_shows_in_a_row}
                )
            elif fact.no_shows_in_a_row:
                health.raise_to(WATCH, _("A missed session."))
            if fact.average_rating is not None and fact.average_rating < rule.watch_rating_below:
                health.raise_to(
                    WATCH,
                    _("Sessions are rated %(r).1f of 5 on average.") % {"r": fact.average_rating},
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
