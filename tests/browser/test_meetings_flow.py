"""Schedule a session from a suggestion, log it, set and update a goal — in a real browser."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

from harness import assert_accessible, assert_no_horizontal_overflow, login, screenshot
from playwright.sync_api import expect

from factories import PASSWORD

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "meetings"))
from meetings_testlib import build_world

from peerpath.meetings.models import Goal, Session, SessionLog


def test_schedule_log_and_goal(page, mobile_page, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world = build_world("cedar")

    login(page, world.ada.email, PASSWORD)
    page.goto(f"/matches/{world.pair.pk}/sessions/")
    expect(page.get_by_role("heading", name="Sessions with Dee")).to_be_visible()
    suggestions = page.locator(".suggestions input[type=radio]")
    expect(suggestions.first).to_be_checked()
    first_label = page.locator(".suggestions label").first.inner_text().strip()
    page.get_by_label("Place").fill("Library, room 2")
    assert_accessible(page)
    screenshot(page, "meetings-schedule")
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_text("Scheduled. Everyone was told by e-mail.")).to_be_visible()
    session = Session.objects.get()
    assert first_label.split(",")[0] in page.locator("dl.facts").inner_text()
    expect(page.get_by_role("link", name="Add to my calendar (.ics)")).to_be_visible()
    assert_accessible(page)

    # Time passes: the session took place an hour ago.
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    Session.objects.filter(pk=session.pk).update(
        starts_at=now - dt.timedelta(minutes=75), ends_at=now - dt.timedelta(minutes=30)
    )
    page.reload()
    page.get_by_role("button", name="We met").click()
    expect(page.get_by_text("Attendance saved.")).to_be_visible()
    page.get_by_label("How long you met (minutes)").fill("40")
    page.get_by_label("Topics").fill("Linear equations")
    page.get_by_label("What went well").fill("Dee solved the word problems alone")
    page.get_by_label("Next steps").fill("Practice sheet 3")
    page.get_by_role("button", name="Save log").click()
    expect(page.get_by_text("Session log saved.")).to_be_visible()
    page.get_by_label("Note", exact=True).fill("Remember to bring the calculator")
    page.get_by_label("Private: only me").check()
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_text("private: only you can read this")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "meetings-session-logged")
    assert SessionLog.objects.get().topics == "Linear equations"

    page.goto(f"/matches/{world.pair.pk}/goals/")
    page.get_by_label("What do you want to achieve?").fill("Pass the algebra unit test")
    page.get_by_label("How will you know? (the measure)").fill("A grade of 70% or more")
    page.get_by_label("By when?").fill("2027-01-15")
    page.get_by_label("Milestones (one per line, optional)").fill("Finish chapter 3\nPractice test")
    page.get_by_role("button", name="Add goal").click()
    expect(page.get_by_text("Goal added.")).to_be_visible()
    goal = Goal.objects.get()
    card = page.locator(f"#goal-{goal.pk}")
    card.get_by_text("Update progress").click()
    card.get_by_label("Progress (%)").fill("40")
    card.get_by_label("What changed").fill("Chapter 3 done")
    card.get_by_role("button", name="Save progress").click()  # htmx swaps the card in place
    expect(page.locator(f"#goal-{goal.pk}").get_by_text("Progress: 40%")).to_be_visible()
    page.locator(f"#goal-{goal.pk}").get_by_role("button", name="Finish chapter 3").click()
    expect(
        page.locator(f"#goal-{goal.pk}").get_by_role(
            "button", name=re.compile("✓ Finish chapter 3")
        )
    ).to_be_visible()
    assert_accessible(page)
    screenshot(page, "meetings-goals")
    goal.refresh_from_db()
    assert goal.progress == 40

    # Dee, on a phone, sees the shared log and goal but not Ada's private note.
    login(mobile_page, world.dee.email, PASSWORD)
    mobile_page.goto(f"/sessions/{session.pk}/")
    expect(
        mobile_page.get_by_role("definition").filter(has_text="Linear equations")
    ).to_be_visible()
    expect(mobile_page.get_by_text("Remember to bring the calculator")).to_have_count(0)
    assert_accessible(mobile_page)
    assert_no_horizontal_overflow(mobile_page)
    screenshot(mobile_page, "meetings-session-mobile")
    mobile_page.goto(f"/matches/{world.pair.pk}/goals/")
    assert_no_horizontal_overflow(mobile_page)
    assert_accessible(mobile_page)
    screenshot(mobile_page, "meetings-goals-mobile")

    # The coordinator's overview.
    login(page, world.coordinator.email, PASSWORD)
    for path in ("sessions", "goals", "hours"):
        page.goto(f"/programs/{world.program.pk}/{path}/")
        assert_accessible(page)
    expect(page.get_by_role("cell", name="0.7")).to_have_count(2)  # 40 minutes, term and total
    screenshot(page, "meetings-program-hours")
