"""A group formation round, a member move and publishing, then the group's board, in a browser."""

from __future__ import annotations

from harness import assert_accessible, assert_no_horizontal_overflow, login, screenshot
from playwright.sync_api import expect

from factories import PASSWORD
from groupslib import build_group_cohort
from peerpath.matching.models import GroupRound
from peerpath.meetings.models import Group, GroupMember


def test_form_move_publish_and_post_on_the_board(page, new_page):
    c = build_group_cohort()

    login(page, "coord@birch.test", PASSWORD)
    page.goto(f"/programs/{c.program.pk}/")
    page.get_by_role("link", name="Groups", exact=True).click()
    expect(page.get_by_role("heading", name="Groups", exact=True)).to_be_visible()
    assert_accessible(page)
    screenshot(page, "groups-program")

    page.get_by_role("button", name="Form groups").click()
    expect(page.get_by_role("heading", name="Proposed groups")).to_be_visible()
    expect(page.get_by_text("Ivy Park", exact=True)).to_be_visible()
    expect(page.get_by_text("Guardian consent is missing.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "groups-round")

    group_round = GroupRound.objects.get()
    bio = next(g for g, m in group_round.groups.items() if str(c.people["Ben"].pk) in m)
    alg = next(g for g in group_round.groups if g != bio)
    bio_label = f"Group {bio[1:]}"
    # Move Cal (algebra) into the biology group: its score drops from 1.00 to 0.60.
    page.get_by_label("Move Cal Park to").select_option(label=bio_label)
    page.locator("form", has=page.get_by_label("Move Cal Park to")).get_by_role(
        "button", name="Move"
    ).click()
    changed = page.locator(f"#group-{bio}")
    expect(changed.get_by_text("score 0.60")).to_be_visible()
    expect(changed.get_by_text("was 1.00")).to_be_visible()
    expect(changed.get_by_text("Cal Park", exact=True)).to_be_visible()
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    screenshot(page, "groups-after-move")

    # The same review on a phone: nothing wider than the screen, axe clean.
    phone_review = new_page(viewport={"width": 375, "height": 740})
    login(phone_review, "coord@birch.test", PASSWORD)
    phone_review.goto(f"/group-rounds/{group_round.pk}/")
    expect(phone_review.get_by_role("heading", name="Proposed groups")).to_be_visible()
    assert_accessible(phone_review)
    assert_no_horizontal_overflow(phone_review)
    screenshot(phone_review, "groups-round-mobile")

    # Taking Ada out leaves the algebra group without a leader: publishing is refused.
    page.get_by_label("Move Ada Park to").select_option(label="Leave out")
    page.locator("form", has=page.get_by_label("Move Ada Park to")).get_by_role(
        "button", name="Move"
    ).click()
    expect(page.get_by_text("0 leaders; the rule is at least one leader")).to_be_visible()
    expect(page.get_by_text("Taken out by the coordinator")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "groups-broken-rule")
    page.get_by_label("Place Ada Park in").select_option(label=f"Group {alg[1:]}")
    page.locator("form", has=page.get_by_label("Place Ada Park in")).get_by_role(
        "button", name="Place"
    ).click()
    expect(page.get_by_text("Taken out by the coordinator")).to_have_count(0)

    page.get_by_role("button", name="Publish these groups").click()
    expect(page.get_by_role("status").first).to_contain_text("2 groups published")
    assert Group.objects.count() == 2
    assert GroupMember.objects.filter(participant=c.people["Cal"]).get().group.members.count() == 5
    assert_accessible(page)
    screenshot(page, "groups-published")

    # A member writes on the board from a phone.
    group = GroupMember.objects.get(participant=c.people["Cal"]).group
    phone = new_page(viewport={"width": 375, "height": 740})
    login(phone, "cal@birch.test", PASSWORD)
    phone.goto(f"/groups/{group.pk}/messages/")
    expect(phone.get_by_role("heading", name=f"Message board of {group.name}")).to_be_visible()
    phone.get_by_label("Your message").fill("Shall we meet Monday at 3?")
    phone.get_by_role("button", name="Send").click()
    expect(phone.get_by_text("Shall we meet Monday at 3?")).to_be_visible()
    assert_accessible(phone)
    assert_no_horizontal_overflow(phone)
    screenshot(phone, "groups-board-mobile")


def test_buddy_program_pairs_new_arrivals(page):
    import datetime as dt

    from django.utils import timezone

    from groupslib import add
    from peerpath.people.models import StudentProfile

    c = build_group_cohort(program_type="buddy")
    add(c, "Kai", "mentor", course=c.algebra, free=["mon-2"], grade=9)
    nia = add(c, "Nia", "mentee", course=c.algebra, free=["mon-2"], grade=9)
    omar = add(c, "Omar", "mentee", course=c.algebra, free=["wed-2"], grade=11)
    today = timezone.localdate()
    StudentProfile.objects.filter(pk=nia.student_id).update(arrived_on=today - dt.timedelta(2))
    StudentProfile.objects.filter(pk=omar.student_id).update(arrived_on=today - dt.timedelta(9))

    login(page, "coord@birch.test", PASSWORD)
    page.goto(f"/programs/{c.program.pk}/matching/")
    expect(page.get_by_role("heading", name="New arrivals")).to_be_visible()
    expect(page.get_by_text("waiting more than a week")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "buddies-arrivals")
    page.get_by_role("button", name="Pair new arrivals").click()
    expect(page.get_by_role("status").first).to_contain_text("1 new arrival paired")
    expect(page.get_by_text("Omar Park is still waiting")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "buddies-paired")
