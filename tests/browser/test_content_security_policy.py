"""
The Content-Security-Policy in a real browser: each demo role logs in and
visits the pages linked from its home page; Chromium must not refuse any
script, style or other resource (it reports each refusal on the console).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from harness import login
from playwright.sync_api import ConsoleMessage, Page

from peerpath.demo.seed import DEMO_PASSWORD, demo_seed

PAGES_PER_ROLE = 12
SKIPPED = ("/static/", "/admin/", "/api/", "/i18n/", "/accounts/logout/")


def linked_pages(page: Page) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "a[href^='/']", "links => links.map(a => a.getAttribute('href'))"
    )
    found = []
    for href in hrefs:
        path = href.split("#", 1)[0]
        if path and not path.startswith(SKIPPED) and path not in found:
            found.append(path)
    return found


@pytest.mark.parametrize(
    "role", ["Program coordinator", "Safeguarding lead", "Student (mentor)", "Guardian"]
)
def test_pages_of_each_role_load_without_a_policy_violation(
    page: Page, settings: pytest.FixtureRequest, role: str
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
    summary = demo_seed(seed=3, students=60, today=dt.date(2026, 11, 16))
    login_row = next(row for row in summary.logins if row.role.startswith(role))
    console: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type in {"error", "warning"}:
            console.append(f"{page.url}: {message.text}")

    page.on("console", record)
    login(page, login_row.email, DEMO_PASSWORD)
    visited = [urlsplit(page.url).path]
    for path in linked_pages(page)[:PAGES_PER_ROLE]:
        response = page.goto(path)
        assert response is not None, path
        assert response.status < 500, path
        assert "script-src 'self'" in (response.headers.get("content-security-policy") or "")
        visited.append(path)
    violations = [line for line in console if "Content Security Policy" in line]
    assert violations == [], "\n".join(violations)
    assert len(visited) > 2, visited
