"""
Helpers for real-browser tests: log in, check accessibility, take screenshots.

Import them in a browser test with ``from harness import ...``; the fixtures
(``browser``, ``page``, ``mobile_page``, ``new_page``) live in
``tests/browser/conftest.py``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from factories import totp_code

__all__ = [
    "DESKTOP",
    "MOBILE",
    "SCREENSHOT_DIR",
    "WCAG_TAGS",
    "assert_accessible",
    "assert_no_horizontal_overflow",
    "format_violations",
    "login",
    "screenshot",
]

#: Viewport sizes, in CSS pixels.
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 375, "height": 740}

#: The axe-core rule tags checked: WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

#: Where :func:`screenshot` writes; ``screenshots/`` at the repository root is gitignored.
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "screenshots"

_AXE = Axe()


def login(page: Page, email: str, password: str) -> None:
    """
    Log in through the login form and wait until the browser has left it.

    People who need two-step login (coordinators, safeguarding leads, admins)
    then type the code their authenticator app would show: on the setup page
    the first time (and keep the backup codes), on the code page afterwards.
    """
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    if "/accounts/two-factor/setup/" in page.url:
        device = TOTPDevice.objects.get(user__email__iexact=email, confirmed=False)
        page.get_by_label("Code shown by the app").fill(totp_code(device))
        page.get_by_role("button", name="Turn on two-step login").click()
        page.get_by_role("button", name="I have saved them — continue").click()
    elif "/accounts/two-factor/" in page.url:
        device = TOTPDevice.objects.get(user__email__iexact=email, confirmed=True)
        # by id, not label: a person who chose Spanish sees this page in Spanish
        page.locator("#id_code").fill(totp_code(device))
        page.locator("#id_code").press("Enter")
    expect(page).not_to_have_url(re.compile(r"/accounts/(login|two-factor)/"))


def format_violations(violations: list[dict[str, Any]]) -> str:
    """Describe axe-core violations, one rule at a time, with the elements that break it."""
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'unknown impact'}): "
            f"{violation['help']}\n  {violation.get('helpUrl', '')}"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").strip().replace("\n", "\n       ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page, *, context: str | dict[str, Any] | None = None) -> None:
    """
    Run axe-core on the page (or on ``context``, a CSS selector or an axe context
    object) and fail with a readable list if any WCAG 2.1 A/AA rule is violated.
    """
    page.evaluate(_AXE.axe_script)
    results = page.evaluate(
        """([context, options]) => axe.run(context ?? document, options)""",
        [context, {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}],
    )
    violations = results["violations"]
    if violations:
        raise AssertionError(
            f"{len(violations)} WCAG 2.1 A/AA violation(s) on {page.url}:\n"
            + format_violations(violations)
        )


def assert_no_horizontal_overflow(page: Page) -> None:
    """Fail if the page is wider than the viewport (the user would have to scroll sideways)."""
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    # Mobile emulation zooms out to fit a too-wide page, which widens
    # innerWidth with it; the viewport the test asked for is the real limit.
    if page.viewport_size is not None:
        inner_width = min(inner_width, page.viewport_size["width"])
    if scroll_width > inner_width:
        culprits = page.evaluate(
            """(limit) => Array.from(document.querySelectorAll('body *'))
                .filter((el) => el.getBoundingClientRect().right > limit + 0.5)
                .slice(0, 10)
                .map((el) => el.tagName.toLowerCase()
                    + (el.id ? '#' + el.id : '')
                    + (el.className && typeof el.className === 'string'
                        ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
                    + ' (right edge ' + Math.round(el.getBoundingClientRect().right) + ')')""",
            inner_width,
        )
        raise AssertionError(
            f"{page.url} is {scroll_width}px wide in a {inner_width}px viewport; "
            "elements past the edge:\n  " + "\n  ".join(culprits)
        )


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of the page as ``screenshots/<name>.png`` and return its path."""
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
