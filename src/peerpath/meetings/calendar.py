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
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from peerpath.meetings.models import Session
from peerpath.meetings.services import session_title

PRODID = "-//Peerpath//Sessions//EN"


def _event(session: Session, stamp: dt.datetime) -> icalendar.Event:
    zone = ZoneInfo(session.program.school.time_zone)
    event = icalendar.Event()
    event.add("uid", f"{session.uid}@peerpath")
    event.add("dtstamp", stamp)
    event.add("dtstart", session.starts_at.astimezone(zone))
    event.add("dtend", session.ends_at.astimezone(zone))
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
    years: list[int] = []
    for session in sessions:
        calendar.add_component(_event(session, stamp))
        years.append(session.starts_at.year)
    if years:
        calendar.add_missing_timezones(
            first_date=dt.date(min(years) - 1, 1, 1), last_date=dt.date(max(years) + 2, 1, 1)
        )
    return calendar.to_ical()
