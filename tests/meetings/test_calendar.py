"""
iCalendar files and feeds, read back by two independent parsers.

Every file is parsed by ``icalendar`` and by ``vobject`` (which builds its
time zones from the file's own VTIMEZONE components); both must give the
session's start and end in UTC, also on and across daylight-saving changes.
"""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
import vobject
from meetings_testlib import NOW, local

from peerpath.meetings.models import CalendarFeed, Session
from peerpath.meetings.services import (
    calendar_feed_create,
    calendar_feed_revoke,
    session_cancel,
    session_reschedule,
    session_schedule,
)

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def parse_both(body: bytes) -> dict[str, list[tuple[dt.datetime, dt.datetime, str, int]]]:
    """Events as (start UTC, end UTC, status, sequence) by UID, checked equal in both parsers."""
    text = body.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "VERSION:2.0" in text
    assert "PRODID:-//Peerpath//Sessions//EN" in text
    first = icalendar.Calendar.from_ical(body)
    by_icalendar = {
        str(e["UID"]): (
            e.decoded("DTSTART").astimezone(UTC),
            e.decoded("DTEND").astimezone(UTC),
            str(e["STATUS"]),
            int(e["SEQUENCE"]),
        )
        for e in first.walk("VEVENT")
    }
    second = vobject.readOne(text)
    by_vobject = {
        e.uid.value: (
            e.dtstart.value.astimezone(UTC),
            e.dtend.value.astimezone(UTC),
            e.status.value,
            int(e.sequence.value),
        )
        for e in second.contents.get("vevent", [])
    }
    assert by_icalendar == by_vobject
    return by_icalendar


def make(world, start, minutes=45, **kwargs):
    return session_schedule(
        actor=world.ada,
        match=world.pair,
        starts_at=start,
        duration_minutes=minutes,
        location="Library",
        now=kwargs.pop("now", NOW),
        **kwargs,
    )


@pytest.mark.parametrize(
    ("start", "minutes", "utc_start", "utc_end"),
    [
        # An ordinary autumn afternoon (EDT, UTC-4).
        (local(2026, 10, 6, 15, 0), 45, (2026, 10, 6, 19, 0), (2026, 10, 6, 19, 45)),
        # 1 November 2026: New York falls back at 02:00; in the afternoon it is EST, UTC-5.
        (local(2026, 11, 1, 15, 0), 60, (2026, 11, 1, 20, 0), (2026, 11, 1, 21, 0)),
        # Across the change: 00:30 EDT to 01:30 EST (the second 01:30 of the night).
        (local(2026, 11, 1, 0, 30), 120, (2026, 11, 1, 4, 30), (2026, 11, 1, 6, 30)),
        # 14 March 2027: New York springs forward at 02:00; the afternoon is EDT again.
        (local(2027, 3, 14, 10, 0), 45, (2027, 3, 14, 14, 0), (2027, 3, 14, 14, 45)),
        # Across the spring gap: 01:30 EST to 03:30 EDT is one hour.
        (local(2027, 3, 14, 1, 30), 60, (2027, 3, 14, 6, 30), (2027, 3, 14, 7, 30)),
    ],
)
def test_session_ics_round_trips_in_both_parsers(world, client, start, minutes, utc_start, utc_end):
    [session] = make(world, start, minutes)
    client.force_login(world.dee)
    response = client.get(f"/sessions/{session.pk}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content
    assert b"BEGIN:VTIMEZONE\r\nTZID:America/New_York" in body
    events = parse_both(body)
    assert events == {
        f"{session.uid}@peerpath": (
            dt.datetime(*utc_start, tzinfo=UTC),
            dt.datetime(*utc_end, tzinfo=UTC),
            "CONFIRMED",
            0,
        )
    }


def test_weekly_series_across_the_autumn_change_keeps_local_time_in_the_feed(world, client):
    sessions = make(world, local(2026, 10, 27, 15, 0), weeks=2)
    _feed, token = calendar_feed_create(actor=world.ada)
    events = parse_both(client.get(f"/calendar/{token}.ics").content)
    assert sorted(v[0] for v in events.values()) == [
        dt.datetime(2026, 10, 27, 19, 0, tzinfo=UTC),  # 15:00 EDT
        dt.datetime(2026, 11, 3, 20, 0, tzinfo=UTC),  # 15:00 EST
    ]
    body = client.get(f"/calendar/{token}.ics").content.decode()
    assert "DTSTART;TZID=America/New_York:20261027T150000" in body
    assert "DTSTART;TZID=America/New_York:20261103T150000" in body
    assert len(sessions) == 2


def test_feed_shows_moves_and_cancellations_and_only_the_users_sessions(world, client):
    [moved] = make(world, local(2026, 10, 6, 15, 0))
    [cancelled] = make(world, local(2026, 10, 7, 15, 45))
    [theirs] = session_schedule(
        actor=world.ben,
        match=world.other_pair,
        starts_at=local(2026, 10, 6, 15, 0),
        location="Gym",
        now=NOW,
    )
    session_reschedule(
        actor=world.dee, session=moved, starts_at=local(2026, 10, 8, 15, 0), reason="Trip", now=NOW
    )
    session_cancel(actor=world.dee, session=cancelled, reason="Ill", now=NOW)
    _feed, token = calendar_feed_create(actor=world.dee)
    events = parse_both(client.get(f"/calendar/{token}.ics").content)
    assert events == {
        f"{moved.uid}@peerpath": (
            dt.datetime(2026, 10, 8, 19, 0, tzinfo=UTC),
            dt.datetime(2026, 10, 8, 19, 45, tzinfo=UTC),
            "CONFIRMED",
            1,
        ),
        f"{cancelled.uid}@peerpath": (
            dt.datetime(2026, 10, 7, 19, 45, tzinfo=UTC),
            dt.datetime(2026, 10, 7, 20, 30, tzinfo=UTC),
            "CANCELLED",
            1,
        ),
    }
    assert f"{theirs.uid}" not in client.get(f"/calendar/{token}.ics").content.decode()


def test_empty_feed_is_a_valid_calendar(world, client):
    _feed, token = calendar_feed_create(actor=world.eve)
    assert parse_both(client.get(f"/calendar/{token}.ics").content) == {}


def test_feed_url_is_secret_revocable_and_a_new_one_replaces_the_old(world, client):
    make(world, local(2026, 10, 6, 15, 0))
    feed, token = calendar_feed_create(actor=world.ada)
    assert feed.token_digest != token
    assert token not in feed.token_digest
    assert client.get(f"/calendar/{token}.ics").status_code == 200  # no login needed
    assert client.get(f"/calendar/{token}x.ics").status_code == 404
    _new, new_token = calendar_feed_create(actor=world.ada)
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert client.get(f"/calendar/{new_token}.ics").status_code == 200
    assert calendar_feed_revoke(actor=world.ada) == 1
    assert client.get(f"/calendar/{new_token}.ics").status_code == 404
    assert CalendarFeed.objects.filter(user=world.ada, revoked_at__isnull=True).count() == 0


def test_feed_page_shows_the_url_once_and_revokes(world, client):
    client.force_login(world.ada)
    page = client.post("/calendar/", {"action": "create"}).content.decode()
    token = page.split("/calendar/")[1].split(".ics")[0]
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    assert token not in client.get("/calendar/").content.decode()
    client.post("/calendar/", {"action": "revoke"})
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_session_ics_is_for_the_pair_and_coordinator_only(world, client):
    [session] = make(world, local(2026, 10, 6, 15, 0))
    for user, status in (
        (world.ada, 200),
        (world.coordinator, 200),
        (world.ben, 404),
        (world.other_coordinator, 404),
        (world.teacher, 403),
    ):
        client.force_login(user)
        assert client.get(f"/sessions/{session.pk}/calendar.ics").status_code == status, user
    assert Session.objects.count() == 1


@pytest.mark.parametrize(
    ("zone", "start", "utc_start"),
    [
        # Europe springs forward on the last Sunday of March.
        ("Europe/Berlin", (2027, 3, 29, 15, 0), (2027, 3, 29, 13, 0)),
        # Southern hemisphere: Sydney leaves daylight saving on the first Sunday of April.
        ("Australia/Sydney", (2027, 4, 5, 15, 0), (2027, 4, 5, 5, 0)),
        # Daylight saving ended in 2019: one observance since then.
        ("America/Sao_Paulo", (2027, 1, 12, 15, 0), (2027, 1, 12, 18, 0)),
    ],
)
def test_other_school_time_zones_round_trip(world, client, zone, start, utc_start):
    from zoneinfo import ZoneInfo

    world.school.time_zone = zone
    world.school.save(update_fields=["time_zone"])
    [session] = make(world, dt.datetime(*start, tzinfo=ZoneInfo(zone)))
    client.force_login(world.ada)
    body = client.get(f"/sessions/{session.pk}/calendar.ics").content
    assert f"TZID:{zone}".encode() in body
    [(got_start, _end, _status, _seq)] = parse_both(body).values()
    assert got_start == dt.datetime(*utc_start, tzinfo=UTC)
