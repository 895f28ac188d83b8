"""
Strong accounts in a real browser: a coordinator sets up two-step login at
the first login (QR code, backup codes), types a code at the next one; a
run of wrong passwords locks the login for a while. Every page is checked
with axe-core and, like all browser tests, must raise no CSP violation.
"""

from __future__ import annotations

import re

from django_otp.plugins.otp_totp.models import TOTPDevice
from harness import assert_accessible, screenshot
from playwright.sync_api import Page, expect

from factories import PASSWORD, make_coordinator, make_school, totp_code
from peerpath.core.models import User


def submit_password(page: Page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_coordinator_sets_up_two_step_login_then_uses_it(page: Page) -> None:
    coordinator: User = make_coordinator(make_school())
    submit_password(page, coordinator.email, PASSWORD)

    expect(page).to_have_url(re.compile(r"/accounts/two-factor/setup/"))
    expect(page.get_by_role("heading", name="Set up two-step login")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "accounts-two-factor-setup")
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    page.get_by_label("Code shown by the app").fill(totp_code(device))
    page.get_by_role("button", name="Turn on two-step login").click()

    expect(page.get_by_role("heading", name="Two-step login is on")).to_be_visible()
    expect(page.locator(".backup-codes li")).to_have_count(10)
    assert_accessible(page)
    screenshot(page, "accounts-two-factor-backup-codes")
    page.get_by_role("button", name="I have saved them — continue").click()
    expect(page).to_have_url(re.compile(r"/$"))

    page.get_by_role("button", name=re.compile("Log out")).click()
    submit_password(page, coordinator.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/\?next="))
    page.get_by_label("Code", exact=True).fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    assert_accessible(page)
    screenshot(page, "accounts-two-factor-verify")
    device.refresh_from_db()
    device.throttle_reset()
    page.get_by_label("Code", exact=True).fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("link", name="Programs")).to_be_visible()


def test_wrong_passwords_lock_the_login_for_a_while(page: Page) -> None:
    coordinator = make_coordinator(make_school())
    for _ in range(5):
        submit_password(page, coordinator.email, "not-the-password-at-all")
    expect(page.get_by_role("heading", name="Too many failed logins")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("wrong 5 times in a row")
    assert_accessible(page)
    screenshot(page, "accounts-locked-out")
    submit_password(page, coordinator.email, PASSWORD)
    expect(page.get_by_role("heading", name="Too many failed logins")).to_be_visible()
