"""The person page, the export download and the erasure: who may use them."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client
from django.urls import reverse
from privacy_testlib import PERSON_EMAIL

from factories import PASSWORD
from peerpath.core.models import AuditEntry, User


def login(user: User) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


def _urls(world) -> dict[str, str]:
    pk = world.person.pk
    return {
        "person": reverse("privacy:person", args=[pk]),
        "export": reverse("privacy:export", args=[pk]),
        "erase": reverse("privacy:erase", args=[pk]),
    }


def test_anonymous_is_sent_to_login(world):
    for url in _urls(world).values():
        response = Client().get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("who", "person", "export", "erase"),
    [
        ("coordinator", 200, 200, 403),
        ("admin", 200, 200, 200),
        ("teacher", 403, 403, 403),  # same school, not allowed
        ("lead", 403, 403, 403),
        ("other_coordinator", 404, 404, 404),  # another school of the organization
        ("other_admin", 404, 404, 404),  # another organization
        ("partner", 404, 404, 404),  # a peer
        ("guardian", 404, 404, 404),
    ],
)
def test_who_may_see_export_and_erase(world, who, person, export, erase):
    client = login(getattr(world, who))
    urls = _urls(world)
    assert client.get(urls["person"]).status_code == person
    response = client.post(urls["export"])
    assert response.status_code == export
    assert client.get(urls["erase"]).status_code == erase
    # A denied erasure changes nothing.
    denied = client.post(urls["erase"], {"email": PERSON_EMAIL})
    if erase != 200:
        assert denied.status_code == erase
        assert User.objects.get(pk=world.person.pk).email == PERSON_EMAIL
    if export != 200:
        assert not AuditEntry.objects.filter(action="privacy.export").exists()


def test_coordinator_downloads_the_zip_and_it_is_audited(world):
    response = login(world.coordinator).post(_urls(world)["export"])
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert "person.json" in archive.namelist()
    entry = AuditEntry.objects.get(action="privacy.export")
    assert entry.actor == world.coordinator
    assert entry.target_id == str(world.person.pk)


def test_export_needs_post(world):
    assert login(world.coordinator).get(_urls(world)["export"]).status_code == 405


def test_person_page_shows_erase_only_to_admins(world):
    page = login(world.coordinator).get(_urls(world)["person"]).content.decode()
    assert "Download the export" in page
    assert _urls(world)["erase"] not in page
    page = login(world.admin).get(_urls(world)["person"]).content.decode()
    assert _urls(world)["erase"] in page


def test_erasure_asks_for_the_email_then_erases(world):
    client = login(world.admin)
    url = _urls(world)["erase"]
    wrong = client.post(url, {"email": "someone@else.test"})
    assert wrong.status_code == 200
    assert "not this person" in wrong.content.decode()
    assert User.objects.get(pk=world.person.pk).email == PERSON_EMAIL
    done = client.post(url, {"email": PERSON_EMAIL.upper()}, follow=True)
    assert done.status_code == 200
    person = User.objects.get(pk=world.person.pk)
    assert person.email.endswith("@erased.invalid")
    assert "Erased. The person is now" in done.content.decode()
    assert "Zephyrine" not in done.content.decode()
