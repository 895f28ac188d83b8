"""Group formation pages: settings, run, review, move (htmx), publish, and who may use them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from factories import PASSWORD
from groupslib import GroupCohort, build_group_cohort
from peerpath.matching.groups import group_round_start
from peerpath.matching.models import GroupRound, GroupSettings
from peerpath.matching.rounds import ERROR_NO_GROUPING
from peerpath.meetings.models import Group


@pytest.fixture
def groups(db, settings) -> GroupCohort:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return build_group_cohort()


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


def _round(c: GroupCohort) -> GroupRound:
    return group_round_start(actor=c.coordinator, program=c.program)


def _group_of(group_round: GroupRound, participant) -> str:
    return next(g for g, m in group_round.groups.items() if str(participant.pk) in m)


def test_program_detail_links_to_groups_for_group_programs(groups):
    c = groups
    page = login(c.coordinator).get(reverse("programs:detail", args=[c.program.pk]))
    assert reverse("meetings:program-groups", args=[c.program.pk]) in page.content.decode()


def test_coordinator_saves_settings_runs_reviews_moves_and_publishes(groups):
    c = groups
    client = login(c.coordinator)
    url = reverse("meetings:program-groups", args=[c.program.pk])
    page = client.get(url).content.decode()
    assert "10 participants are ready (2 peer leaders)" in page  # Jon counts too
    saved = client.post(
        url,
        {
            "action": "settings",
            "min_size": 3,
            "max_size": 5,
            "leaders": "at_least_one",
            "min_shared_slots": 1,
            "grade__weight": "0",
            "grade__prefer": "similar",
            "subject__weight": "2",
            "subject__prefer": "similar",
            "home_language__weight": "0",
            "home_language__prefer": "similar",
            "first_generation__weight": "1",
            "first_generation__prefer": "diverse",
            "no_isolated": ["home_language"],
        },
    )
    assert saved.status_code == 302
    found = GroupSettings.objects.get(program=c.program)
    assert found.criteria == [
        {"key": "subject", "prefer": "similar", "weight": 2.0},
        {"key": "first_generation", "prefer": "diverse", "weight": 1.0},
    ]
    assert found.no_isolated == ["home_language"]
    response = client.post(url, {"action": "run"})
    group_round = GroupRound.objects.get()
    assert response["Location"] == reverse("meetings:group-round", args=[group_round.pk])
    review = client.get(response["Location"]).content.decode()
    assert "Group 1" in review
    assert "Group 2" in review
    assert "Monday 15:00–15:45" in review  # the free time each group shares
    assert "Ivy Park" in review  # left out, with the reason
    assert "shares fewer than" in review
    assert "Jon Park" in review
    assert "Guardian consent is missing." in review
    assert "Subject: 0.667" in review  # weight 2 of 3; all share the subject

    alg = _group_of(group_round, c.people["Ada"])
    bio = _group_of(group_round, c.people["Ben"])
    partial = client.post(
        reverse("meetings:group-round-move", args=[group_round.pk]),
        {"participant": c.people["Cal"].pk, "to": bio},
        headers={"HX-Request": "true"},
    )
    body = partial.content.decode()
    assert "<html" not in body
    assert "was 1.00" in body  # the group Cal joined: its score before the move
    assert f"Cal Park moved to Group {bio[1:]}." in body
    group_round.refresh_from_db()
    assert [g["id"] for g in group_round.evaluation["groups"] if g["score"] < 1] == [bio]
    assert str(c.people["Cal"].pk) in group_round.groups[bio]
    assert alg in group_round.groups

    published = client.post(reverse("meetings:group-round-publish", args=[group_round.pk]))
    assert published.status_code == 302
    assert published["Location"] == url
    assert Group.objects.filter(program=c.program).count() == 2
    listing = client.get(url).content.decode()
    assert "Group 1" in listing
    assert "Message board" in listing


def test_publish_refusal_is_shown_and_changes_nothing(groups):
    c = groups
    client = login(c.coordinator)
    group_round = _round(c)
    alg = _group_of(group_round, c.people["Ada"])
    client.post(
        reverse("meetings:group-round-move", args=[group_round.pk]),
        {"participant": c.people["Ada"].pk, "to": "out"},
    )
    review = client.get(reverse("meetings:group-round", args=[group_round.pk])).content.decode()
    assert "Breaks:" in review
    assert "0 leaders" in review
    assert "Taken out by the coordinator" in review
    response = client.post(
        reverse("meetings:group-round-publish", args=[group_round.pk]), follow=True
    )
    assert "Fix what breaks the rules before publishing" in response.content.decode()
    number = alg.removeprefix("g")
    assert (
        f"Group {number}: 0 leaders; the rule is at least one leader" in response.content.decode()
    )
    assert not Group.objects.exists()


def test_refusals_and_failures_are_in_the_coordinators_language(groups):
    c = groups
    c.coordinator.preferred_language = "es"
    c.coordinator.save(update_fields=["preferred_language"])
    client = login(c.coordinator)
    group_round = _round(c)
    number = _group_of(group_round, c.people["Ada"]).removeprefix("g")
    # the locale middleware leaves the reader's language active in this thread
    with translation.override(translation.get_language()):
        client.post(
            reverse("meetings:group-round-move", args=[group_round.pk]),
            {"participant": c.people["Ada"].pk, "to": "out"},
        )
        refused = client.post(
            reverse("meetings:group-round-publish", args=[group_round.pk]), follow=True
        ).content.decode()
        GroupRound.objects.filter(pk=group_round.pk).update(
            status=GroupRound.Status.FAILED,
            error=ERROR_NO_GROUPING % {"detail": "no group can be formed"},
        )
        status = client.get(
            reverse("meetings:group-round-status", args=[group_round.pk])
        ).content.decode()
        listed = client.get(
            reverse("meetings:program-groups", args=[c.program.pk])
        ).content.decode()
    assert f"Grupo {number}: 0 líderes; la regla es al menos un líder" in refused
    assert "0 leaders" not in refused
    assert "Ninguna agrupación cumple las reglas." in status
    assert "No grouping meets the rules" not in status
    assert "Ninguna agrupación cumple las reglas." in listed
    assert not Group.objects.exists()


def test_status_polling_refreshes_when_the_round_is_done(groups):
    c = groups
    group_round = _round(c)
    response = login(c.coordinator).get(
        reverse("meetings:group-round-status", args=[group_round.pk])
    )
    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"


@pytest.mark.parametrize(
    ("who", "status"),
    [("other_coordinator", 404), ("staff", 403), ("student", 403)],
)
def test_wrong_role_or_school_is_refused_and_nothing_changes(groups, who, status):
    c = groups
    group_round = _round(c)
    before = dict(group_round.groups)
    user = {
        "other_coordinator": c.other_coordinator,
        "staff": c.staff,
        "student": c.user("Ada"),
    }[who]
    client = login(user)
    urls = [
        ("get", reverse("meetings:program-groups", args=[c.program.pk]), {}),
        ("post", reverse("meetings:program-groups", args=[c.program.pk]), {"action": "run"}),
        ("get", reverse("meetings:group-round", args=[group_round.pk]), {}),
        ("get", reverse("meetings:group-round-status", args=[group_round.pk]), {}),
        (
            "post",
            reverse("meetings:group-round-move", args=[group_round.pk]),
            {"participant": c.people["Cal"].pk, "to": "out"},
        ),
        ("post", reverse("meetings:group-round-publish", args=[group_round.pk]), {}),
    ]
    for method, url, data in urls:
        response = getattr(client, method)(url, data)
        assert response.status_code == status, (url, response.status_code)
    group_round.refresh_from_db()
    assert group_round.groups == before
    assert group_round.status == GroupRound.Status.PROPOSED
    assert GroupRound.objects.count() == 1
    assert not Group.objects.exists()


def test_anonymous_users_are_sent_to_log_in(groups):
    c = groups
    group_round = _round(c)
    response = Client().get(reverse("meetings:group-round", args=[group_round.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_pair_programs_have_no_group_pages(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    c = build_group_cohort(program_type="peer_tutoring")
    client = login(c.coordinator)
    assert client.get(reverse("meetings:program-groups", args=[c.program.pk])).status_code == 404
    page = client.get(reverse("programs:detail", args=[c.program.pk])).content.decode()
    assert reverse("matching:program", args=[c.program.pk]) in page


def test_a_bad_move_is_reported(groups):
    c = groups
    group_round = _round(c)
    client = login(c.coordinator)
    response = client.post(
        reverse("meetings:group-round-move", args=[group_round.pk]),
        {"participant": c.people["Cal"].pk, "to": "g42"},
        follow=True,
    )
    assert "There is no such group in this round." in response.content.decode()
    partial = client.post(
        reverse("meetings:group-round-move", args=[group_round.pk]),
        {"participant": c.people["Cal"].pk, "to": "g42"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert '<p role="alert" class="message message-error">There is no such group' in partial
    assert (
        client.post(
            reverse("meetings:group-round-move", args=[group_round.pk]), {"to": "g1"}
        ).status_code
        == 404
    )


def test_a_round_without_ready_participants_says_so(groups):
    c = groups
    from peerpath.programs.models import Participant

    Participant.objects.filter(program=c.program).update(status="paused")
    group_round = _round(c)
    page = login(c.coordinator).get(reverse("meetings:group-round", args=[group_round.pk]))
    assert "No group could be formed from the ready participants." in page.content.decode()


def test_a_queued_round_is_polled_until_the_worker_has_formed_it(groups, settings):
    c = groups
    settings.PEERPATH_GROUP_INLINE_LIMIT = 3
    group_round = _round(c)
    assert group_round.status == GroupRound.Status.QUEUED
    client = login(c.coordinator)
    review = client.get(reverse("meetings:group-round", args=[group_round.pk])).content.decode()
    status_url = reverse("meetings:group-round-status", args=[group_round.pk])
    assert f'hx-get="{status_url}"' in review
    polled = client.get(status_url)
    assert "Waiting to run" in polled.content.decode()
    assert "HX-Refresh" not in polled
