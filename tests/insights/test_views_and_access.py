"""Every insights page: the right people see it, the wrong role and the wrong school do not."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from insights_testlib import held_session

from factories import PASSWORD
from peerpath.core.models import AuditEntry
from peerpath.insights.models import Disclosure, ThankYou

PROGRAM_PAGES = ["program", "impact", "fairness", "exports", "thanks"]


def login(client, email):
    assert client.login(email=email, password=PASSWORD)


@pytest.mark.parametrize("name", PROGRAM_PAGES)
def test_program_pages_by_role(campus, client, name):
    url = reverse(f"insights:{name}", args=[campus.program.pk])
    login(client, "coord@oak.test")
    assert client.get(url).status_code == 200
    login(client, "admin@oak.test")
    assert client.get(url).status_code == 200
    login(client, "coord@elm.test")  # another school of the same district
    assert client.get(url).status_code == 404
    login(client, "teacher@oak.test")  # sees the program, does not run it
    assert client.get(url).status_code == 403
    login(client, "ada@oak.test")  # a mentor never sees program-wide figures
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("kind", ["participants", "matches", "sessions", "outcomes"])
def test_exports_are_recorded_and_denied_exports_record_nothing(campus, client, kind):
    url = reverse("insights:export", args=[campus.program.pk, kind])
    for email, status in (
        ("coord@elm.test", 404), ("teacher@oak.test", 403), ("ada@oak.test", 403),
    ):  # fmt: skip
        login(client, email)
        assert client.post(url).status_code == status
    assert Disclosure.objects.count() == 0
    assert not AuditEntry.objects.filter(action="insights.export").exists()
    login(client, "coord@oak.test")
    assert client.get(url).status_code == 405  # a download that records is a POST
    response = client.post(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    disclosure = Disclosure.objects.get()
    assert (disclosure.kind, disclosure.actor, disclosure.program) == (
        kind, campus.coordinator, campus.program,
    )  # fmt: skip
    assert disclosure.file_name in response["Content-Disposition"]
    entry = AuditEntry.objects.get(action="insights.export")
    assert entry.after["kind"] == kind


def test_exported_cells_are_neutralised(campus, client):
    user = campus.dee
    user.given_name = '=HYPERLINK("http://evil","x")'
    user.save(update_fields=["given_name"])
    login(client, "coord@oak.test")
    body = client.post(reverse("insights:export", args=[campus.program.pk, "participants"]))
    text = body.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text
    held_session(campus.pair, dt.datetime(2026, 9, 8, 19, tzinfo=dt.UTC))
    sessions = client.post(reverse("insights:export", args=[campus.program.pk, "sessions"]))
    lines = sessions.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("session_id,match_id")
    assert len(lines) == 2


def test_program_report_pdf_is_a_recorded_disclosure(campus, client):
    url = reverse("insights:report", args=[campus.program.pk])
    login(client, "teacher@oak.test")
    assert client.post(url).status_code == 403
    assert Disclosure.objects.count() == 0
    login(client, "coord@oak.test")
    response = client.post(url)
    assert response.content.startswith(b"%PDF")
    assert Disclosure.objects.get().kind == "report"


def test_school_and_organization_views(campus, client):
    school = reverse("insights:school", args=[campus.school.pk])
    other_school = reverse("insights:school", args=[campus.other_school.pk])
    org = reverse("insights:organization", args=[campus.school.organization_id])
    login(client, "coord@oak.test")
    page = client.get(school)
    assert page.status_code == 200
    assert b"Oak Tutoring" in page.content
    assert client.get(other_school).status_code == 404
    assert client.get(org).status_code == 403  # not an org admin
    assert client.get(reverse("insights:overview")).status_code == 200
    login(client, "admin@oak.test")
    assert client.get(org).status_code == 200
    assert client.get(other_school).status_code == 200
    login(client, "ada@oak.test")
    for url in (school, org, reverse("insights:overview")):
        assert client.get(url).status_code in (403, 404)
    login(client, "teacher@oak.test")
    assert client.get(school).status_code == 403
    assert client.get(reverse("insights:outcomes", args=[campus.school.pk])).status_code == 403


def test_thank_you_reaches_the_mentor_page_only(campus, client):
    login(client, "coord@oak.test")
    url = reverse("insights:thanks", args=[campus.program.pk])
    response = client.post(url, {"mentor": campus.pair.mentor.pk, "message": "You were great!"})
    assert response.status_code == 302
    thanks = ThankYou.objects.get()
    assert thanks.mentor == campus.pair.mentor
    # A mentee is not a mentor.
    client.post(url, {"mentor": campus.pair.mentee.pk, "message": "x"})
    assert ThankYou.objects.count() == 1
    login(client, "ada@oak.test")
    page = client.get(reverse("insights:recognition"))
    assert b"You were great!" in page.content
    login(client, "dee@oak.test")
    assert b"You were great!" not in client.get(reverse("insights:recognition")).content
    login(client, "coord@elm.test")
    before = ThankYou.objects.count()
    assert client.post(url, {"mentor": campus.pair.mentor.pk, "message": "x"}).status_code == 404
    assert ThankYou.objects.count() == before


def test_outcomes_are_linked_only_for_those_who_may_open_them(campus, client):
    overview = reverse("insights:overview")
    impact = reverse("insights:impact", args=[campus.program.pk])
    detail = reverse("programs:detail", args=[campus.program.pk])
    login(client, "coord@oak.test")
    assert overview in client.get(reverse("home")).content.decode()
    assert impact in client.get(detail).content.decode()
    login(client, "teacher@oak.test")  # sees the program page, not its outcomes
    assert overview not in client.get(reverse("home")).content.decode()
    assert impact not in client.get(detail).content.decode()
    login(client, "ada@oak.test")  # a mentor
    home = client.get(reverse("home")).content.decode()
    assert overview not in home
    assert reverse("insights:recognition") in home


def test_a_mentee_home_does_not_offer_mentor_hours(campus, client):
    login(client, "dee@oak.test")
    assert reverse("insights:recognition") not in client.get(reverse("home")).content.decode()
