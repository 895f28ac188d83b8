"""
Deactivating someone ends their access at once: every session (on any
device), every API token and their calendar feed link — through the service,
the admin site, and a roster import that marks them deleted.

Each check also reactivates the person: what was revoked stays revoked, so
it is not merely the ``is_active`` check that refuses them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from factories import make_coordinator, make_organization, make_school
from peerpath.api.models import ApiToken
from peerpath.api.services import api_token_create
from peerpath.core.models import AuditEntry, User, UserSession
from peerpath.core.services import user_deactivate
from peerpath.meetings.models import CalendarFeed
from peerpath.meetings.services import calendar_feed_create
from peerpath.rosters.services import roster_import

ROSTERS = Path(__file__).resolve().parents[1] / "rosters" / "fixtures"


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get("/").status_code == 200
    return client


def reactivate(user: User) -> None:
    User.objects.filter(pk=user.pk).update(is_active=True)


@pytest.fixture
def coordinator(db) -> User:
    return make_coordinator(make_school())


def test_a_session_records_its_user(coordinator):
    logged_in(coordinator)
    assert UserSession.objects.filter(user=coordinator).count() == 1


def test_deactivating_ends_every_session_token_and_feed(coordinator):
    laptop, phone = logged_in(coordinator), logged_in(coordinator)
    bystander = make_coordinator(make_school())
    their_client = logged_in(bystander)
    key = api_token_create(actor=None, user=coordinator, name="script").key
    their_key = api_token_create(actor=None, user=bystander, name="script").key
    _feed, feed_token = calendar_feed_create(actor=coordinator)
    api = Client(headers={"Authorization": f"Bearer {key}"})
    assert api.get("/api/v1/programs/").status_code == 200
    assert Client().get(f"/calendar/{feed_token}.ics").status_code == 200

    user_deactivate(actor=None, user=coordinator)

    coordinator.refresh_from_db()
    assert coordinator.is_active is False
    assert not UserSession.objects.filter(user=coordinator).exists()
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 302
    assert not ApiToken.objects.filter(user=coordinator, revoked_at__isnull=True).exists()
    assert not CalendarFeed.objects.filter(user=coordinator, revoked_at__isnull=True).exists()
    entry = AuditEntry.objects.get(action="user.deactivate")
    assert entry.after == {
        "is_active": False,
        "ended_sessions": 2,
        "ended_api_tokens": 1,
        "ended_calendar_feeds": 1,
    }
    # Someone else keeps everything.
    assert their_client.get("/").status_code == 200
    their_api = Client(headers={"Authorization": f"Bearer {their_key}"})
    assert their_api.get("/api/v1/programs/").status_code == 200
    # Reactivated, they must log in again and issue a new token and feed.
    reactivate(coordinator)
    assert laptop.get("/").status_code == 302
    assert api.get("/api/v1/programs/").status_code == 401
    assert Client().get(f"/calendar/{feed_token}.ics").status_code == 404


def test_deactivating_twice_changes_nothing_more(coordinator):
    user_deactivate(actor=None, user=coordinator)
    user_deactivate(actor=None, user=coordinator)
    assert AuditEntry.objects.filter(action="user.deactivate").count() == 1


def test_unticking_active_in_the_admin_site_ends_their_access(coordinator):
    admin = User.objects.create_superuser(
        "root@north.test", "plum-orbit-canvas-1987", given_name="Root", family_name="Admin"
    )
    victim_session = logged_in(coordinator)
    key = api_token_create(actor=None, user=coordinator, name="script").key
    admin_client = Client()
    admin_client.force_login(admin)
    page = admin_client.get(f"/admin/core/user/{coordinator.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.pop("is_active")
    response = admin_client.post(f"/admin/core/user/{coordinator.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    coordinator.refresh_from_db()
    assert coordinator.is_active is False
    assert victim_session.get("/").status_code == 302
    assert ApiToken.objects.get(user=coordinator).revoked_at is not None
    reactivate(coordinator)
    api = Client(headers={"Authorization": f"Bearer {key}"})
    assert api.get("/api/v1/programs/").status_code == 401
    assert AuditEntry.objects.get(action="user.deactivate").actor == admin


def test_a_roster_import_that_deletes_a_student_ends_their_access(db):
    organization = make_organization("Lakeside District", slug="lakeside")
    roster_import(actor=None, organization=organization, source=ROSTERS / "district_v1p1")
    dropped = User.objects.get(sourced_id="u-s2")
    kept = User.objects.get(sourced_id="u-s3")
    dropped.set_password("plum-orbit-canvas-1987")
    dropped.save(update_fields=["password"])
    dropped_session, kept_session = logged_in(dropped), logged_in(kept)
    _feed, feed_token = calendar_feed_create(actor=dropped)

    report = roster_import(actor=None, organization=organization, source=ROSTERS / "delta_v1p1")

    assert report.errors == []
    dropped.refresh_from_db()
    assert dropped.is_active is False
    assert not UserSession.objects.filter(user=dropped).exists()
    assert dropped_session.get("/").status_code == 302
    assert kept_session.get("/").status_code == 200
    reactivate(dropped)
    assert Client().get(f"/calendar/{feed_token}.ics").status_code == 404
    assert not Client().login(username=dropped.email, password="wrong-password-here")


def test_a_user_with_sessions_can_still_be_deleted(coordinator):
    logged_in(coordinator)
    User.objects.filter(pk=coordinator.pk).delete()
    assert (
        not UserSession.objects.exists()
        or not UserSession.objects.filter(user_id=coordinator.pk).exists()
    )
