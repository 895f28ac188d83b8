"""
iCalendar (RFC 5545) files: one session, or a user's private feed.

Events carry local times with a ``TZID`` and the calendar carries the
matching ``VTIMEZONE`` definitions (built by the ``icalendar`` library from
the IANA database), so a calendar shows 15:45 in the school's zone on both
sides of a daylight-saving change. A moved session keeps its ``UID`` and
raises its ``SEQUENCE``; a cancelled one is sent with ``STATUS:CANCELLED``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from peerpath.meetings.models import Session
from peerpath.meetings.services import session_title

PRODID = "-//Peerpath//Sessions//EN"


# Yearly rules are derived and checked over these years; RRULE-based
# definitions are what calendar clients (and both our test parsers) read
# most reliably, so they are preferred to lists of transition dates.
_RULE_YEARS = range(2010, 2038)
_WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _transitions(zone: ZoneInfo, year: int) -> list[tuple[dt.datetime, dt.timedelta, dt.timedelta]]:
    """``(instant in UTC, offset before, offset after)`` of each change of offset in ``year``."""
    found = []
    start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    previous = start.astimezone(zone).utcoffset()
    hour = dt.timedelta(hours=1)
    day = dt.timedelta(days=1)
    moment = start
    while moment.year == year:
        offset = (moment + day).astimezone(zone).utcoffset()
        if offset != previous:
            probe = moment
            while probe.astimezone(zone).utcoffset() == previous:
                probe += hour
            assert previous is not None
            assert offset is not None
            found.append((probe, previous, offset))
            previous = offset
        moment += day
    return found


def _rule_of(local: dt.datetime) -> list[str]:
    """The BYDAY rules that name ``local``'s date: the n-th weekday, or the last one."""
    weekday = _WEEKDAYS[local.weekday()]
    rules = [f"{(local.day - 1) // 7 + 1}{weekday}"]
    if (local + dt.timedelta(days=7)).month != local.month:
        rules.append(f"-1{weekday}")
    return rules


@functools.lru_cache(maxsize=64)
def yearly_vtimezone(name: str) -> icalendar.Timezone | None:
    """
    A VTIMEZONE for ``name`` with one yearly RRULE per observance, or ``None``
    if the zone's recent history does not follow two fixed yearly rules.
    """
    zone = ZoneInfo(name)
    years = {year: _transitions(zone, year) for year in _RULE_YEARS}
    reference = years[_RULE_YEARS[-1]]
    timezone_ = icalendar.Timezone()
    timezone_.add("tzid", name)
    if not reference:
        # No daylight saving (any more): one observance since the last change.
        changes = [t for year in _RULE_YEARS for t in years[year]]
        if changes:
            instant, before, after = changes[-1]
            start = (instant + before).replace(tzinfo=None)
        else:
            instant = dt.datetime(_RULE_YEARS[-1], 1, 1, tzinfo=dt.UTC)
            before = after = instant.astimezone(zone).utcoffset() or dt.timedelta(0)
            start = dt.datetime(1970, 1, 1)
        standard = icalendar.TimezoneStandard()
        standard.add("dtstart", start)
        standard.add("tzoffsetfrom", before)
        standard.add("tzoffsetto", after)
        standard.add("tzname", instant.astimezone(zone).tzname() or name)
        timezone_.add_component(standard)
        return timezone_
    if len(reference) != 2:
        return None
    for instant, before, after in reference:
        local = (instant + before).replace(tzinfo=None)
        chosen = None
        for byday in _rule_of(local):
            ok = True
            for _year, found in years.items():
                match = [t for t in found if t[1] == before and t[2] == after]
                if len(match) != 1:
                    ok = False
                    break
                there = (match[0][0] + before).replace(tzinfo=None)
                if (
                    there.month != local.month
                    or there.time() != local.time()
                    or byday not in _rule_of(there)
                ):
                    ok = False
                    break
            if ok:
                chosen = byday
                break
        if chosen is None:
            return None
        daylight = after > before
        part = icalendar.TimezoneDaylight() if daylight else icalendar.TimezoneStandard()
        first = years[_RULE_YEARS[0]]
        earliest = next(t[0] for t in first if t[1] == before and t[2] == after)
        part.add("dtstart", (earliest + before).replace(tzinfo=None))
        part.add("rrule", {"freq": "yearly", "bymonth": local.month, "byday": chosen})
        part.add("tzoffsetfrom", before)
        part.add("tzoffsetto", after)
        part.add("tzname", instant.astimezone(zone).tzname() or name)
        timezone_.add_component(part)
    return timezone_


def _local_or_utc(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """
    ``moment`` in the school's zone, or in UTC when that wall-clock time is ambiguous.

    In the hour repeated when daylight saving ends, a local time with a TZID
    means its first occurrence (RFC 5545, 3.3.5); a time in the second one
    can only be written in UTC.
    """
    local = moment.astimezone(zone)
    other = local.replace(fold=1 - local.fold)
    if other.utcoffset() != local.utcoffset():
        return moment.astimezone(dt.UTC)
    return local


def _event(session: Session, stamp: dt.datetime) -> icalendar.Event:
    zone = ZoneInfo(session.program.school.time_zone)
    event = icalendar.Event()
    event.add("uid", f"{session.uid}@peerpath")
    event.add("dtstamp", stamp)
    event.add("dtstart", _local_or_utc(session.starts_at, zone))
    event.add("dtend", _local_or_utc(session.ends_at, zone))
    event.add("summary", session_title(session))
    event.add("sequence", session.sequence)
    event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    if session.location:
        event.add("location", session.location)
    link = settings.PEERPATH_SITE_URL + reverse("meetings:session", args=[session.pk])
    description = [session.program.name]
    if session.online_url:
        description.append(session.online_url)
        event.add("url", session.online_url)
    description.append(link)
    event.add("description", "\n".join(description))
    event.add("last-modified", session.updated_at)
    return event


def build_calendar(sessions: Iterable[Session], *, name: str = "") -> bytes:
    """Return an RFC 5545 calendar of ``sessions`` with the time zones they use."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    stamp = timezone.now()
    zones: set[str] = set()
    events = []
    for session in sessions:
        events.append(_event(session, stamp))
        zones.add(session.program.school.time_zone)
    for name in sorted(zones):
        definition = yearly_vtimezone(name)
        if definition is not None:
            calendar.add_component(definition)
    for event in events:
        calendar.add_component(event)
    # Zones without fixed yearly rules get icalendar's list of transition dates.
    calendar.add_missing_timezones(
        first_date=dt.date(_RULE_YEARS[0], 1, 1), last_date=dt.date(_RULE_YEARS[-1], 1, 1)
    )
    return calendar.to_ical()
