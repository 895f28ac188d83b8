"""
Turn weekly availability slots into concrete session times.

Slot codes (``"tue-3"``) name local school times (see
:mod:`peerpath.people.availability`); a suggestion is that slot on a real
date, made aware in the school's time zone, so "Tuesday 15:45" stays 15:45
on both sides of a daylight-saving change while its UTC instant moves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from peerpath.people.availability import DAYS, SLOT_CODES, SLOT_TIMES
from peerpath.programs.models import Participant

__all__ = [
    "Suggestion",
    "availability_of",
    "local_datetime",
    "overlaps",
    "shared_slot_codes",
    "slot_datetimes",
    "suggest_times",
    "weekly_occurrences",
]

_WEEKDAY = {code: index for index, (code, _label) in enumerate(DAYS)}


@dataclass(frozen=True)
class Suggestion:
    """A free time for everyone: the slot it comes from and its start and end (aware)."""

    slot: str
    starts_at: dt.datetime
    ends_at: dt.datetime


def availability_of(participant: Participant) -> set[str]:
    """The participant's weekly free slots: their application's, else their profile's."""
    application = getattr(participant, "application", None)
    chosen = (application.availability if application is not None else None) or (
        participant.student.availability
    )
    return set(chosen or [])


def shared_slot_codes(participants: Iterable[Participant]) -> list[str]:
    """Slots in which every participant is free, in week order."""
    sets = [availability_of(p) for p in participants]
    if not sets:
        return []
    common = set.intersection(*sets)
    return [code for code in SLOT_CODES if code in common]


def local_datetime(day: dt.date, clock: str, time_zone: str) -> dt.datetime:
    """``clock`` (``"HH:MM"``) on ``day`` in ``time_zone``, as an aware datetime."""
    hour, minute = (int(part) for part in clock.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(time_zone))


def slot_datetimes(
    code: str, day: dt.date, time_zone: str, minutes: int
) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of slot ``code`` on ``day`` (which must be the slot's weekday)."""
    _day_code, index = code.split("-")
    start = local_datetime(day, SLOT_TIMES[int(index)][0], time_zone)
    # Add the duration in UTC: aware arithmetic inside one zone is wall-clock arithmetic.
    end = (start.astimezone(dt.UTC) + dt.timedelta(minutes=minutes)).astimezone(start.tzinfo)
    return start, end


def weekly_occurrences(starts_at: dt.datetime, count: int, time_zone: str) -> list[dt.datetime]:
    """``count`` weekly starts at the same local wall-clock time as ``starts_at``."""
    zone = ZoneInfo(time_zone)
    local = starts_at.astimezone(zone)
    return [
        dt.datetime.combine(local.date() + dt.timedelta(weeks=i), local.time(), tzinfo=zone)
        for i in range(count)
    ]


def overlaps(
    start: dt.datetime, end: dt.datetime, busy: Sequence[tuple[dt.datetime, dt.datetime]]
) -> bool:
    return any(start < busy_end and busy_start < end for busy_start, busy_end in busy)


def suggest_times(
    *,
    slots: Sequence[str],
    time_zone: str,
    minutes: int,
    after: dt.datetime,
    until: dt.date,
    busy: Sequence[tuple[dt.datetime, dt.datetime]] = (),
    limit: int = 8,
) -> list[Suggestion]:
    """
    The first ``limit`` concrete times from the weekly ``slots``.

    They start after ``after``, fall on or before ``until`` (local dates) and
    do not overlap any ``busy`` interval (the partners' other sessions).
    """
    by_weekday: dict[int, list[str]] = {}
    for code in slots:
        by_weekday.setdefault(_WEEKDAY[code.split("-")[0]], []).append(code)
    if not by_weekday:
        return []
    found: list[Suggestion] = []
    day = after.astimezone(ZoneInfo(time_zone)).date()
    while day <= until and len(found) < limit:
        for code in by_weekday.get(day.weekday(), []):
            start, end = slot_datetimes(code, day, time_zone, minutes)
            if start <= after or overlaps(start, end, busy):
                continue
            found.append(Suggestion(code, start, end))
            if len(found) == limit:
                break
        day += dt.timedelta(days=1)
    return found
