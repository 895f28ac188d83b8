"""
Security headers on every HTML page: a strict Content-Security-Policy, HSTS in
production, no sniffing, no framing, a referrer and a permissions policy.

Each demo login (every role of the demo school) crawls the pages it can reach
from its home page by following links, and every HTML response is checked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from django.test import Client
from django.test.utils import override_settings

from peerpath.core.models import User
from peerpath.demo.seed import DemoSummary, demo_reset, demo_seed

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PAGES_PER_LOGIN = 60
LINK = re.compile(r'href="(/[^"]*)"')
#: Not crawled: the admin site is Django's own (its headers are checked on its index),
#: static files are not pages, and downloads and the API answer with other types.
SKIPPED = ("/static/", "/admin/", "/api/", "/i18n/")


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoSummary]:
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        summary = demo_seed(seed=3, students=80, today=dt.date(2026, 11, 16))
    yield summary
    with django_db_blocker.unblock():
        demo_reset()


def assert_security_headers(response: Any, url: str) -> None:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in policy.split(";"):
        name, _space, value = part.strip().partition(" ")
        directives[name] = value
    assert directives.get("script-src") == "'self'", (url, policy)
    assert directives.get("style-src") == "'self'", (url, policy)
    assert directives.get("default-src") == "'self'", (url, policy)
    assert directives.get("object-src") == "'none'", (url, policy)
    assert directives.get("frame-ancestors") == "'none'", (url, policy)
    assert "unsafe" not in policy, (url, policy)
    assert response.headers.get("X-Content-Type-Options") == "nosniff", url
    assert response.headers.get("X-Frame-Options") == "DENY", url
    assert response.headers.get("Referrer-Policy") == "same-origin", url
    assert "camera=()" in response.headers.get("Permissions-Policy", ""), url


def crawl(client: Client, start: str = "/") -> list[str]:
    """Visit every page reachable by links from ``start``; return the HTML pages seen."""
    seen: set[str] = set()
    queue = [start]
    pages = []
    while queue and len(pages) < PAGES_PER_LOGIN:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if not response.headers.get("Content-Type", "").startswith("text/html"):
            continue
        assert_security_headers(response, url)
        pages.append(url)
        if response.status_code != 200:
            continue
        for link in LINK.findall(response.content.decode()):
            link = urldefrag(link.replace("&amp;", "&")).url
            if link and not link.startswith(SKIPPED) and link not in seen:
                queue.append(link)
    return pages


@pytest.mark.django_db
def test_every_page_of_every_demo_role_sends_the_security_headers(demo: DemoSummary) -> None:
    crawled = {}
    for login in demo.logins:
        # A page that fails still answers with the headers; whether pages work is
        # for their own tests (so a 500 is not raised here).
        client = Client(raise_request_exception=False)
        client.force_login(User.objects.get(email=login.email))
        crawled[login.role] = crawl(client)
    # Every role reached more than its home page; staff reach program pages.
    assert all(len(pages) > 1 for pages in crawled.values()), crawled
    assert any(urlsplit(p).path.startswith("/programs/") for p in crawled["Program coordinator"])


@pytest.mark.django_db
def test_anonymous_pages_and_errors_send_the_security_headers(client: Client) -> None:
    for url in [
        "/accounts/login/",
        "/accounts/password-reset/",
        "/admin/login/",
        "/no-such-page/",
    ]:
        response = client.get(url)
        assert_security_headers(response, url)


@pytest.mark.django_db
def test_only_the_api_reference_relaxes_styles_for_redoc(client: Client) -> None:
    policy = client.get("/api/docs/").headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "script-src 'self';" in policy + ";"


def test_templates_hold_no_inline_script_handler_or_style() -> None:
    """The policy would block them; behaviour lives in static files."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "src" / "peerpath"
    offenders = []
    for template in root.rglob("templates/**/*.html"):
        if "emails" in template.parts:  # e-mail clients need inline styles; no CSP there
            continue
        text = template.read_text()
        for pattern in (
            r"<script(?![^>]*\bsrc=)[^>]*>",
            r"\son[a-z]+\s*=",
            r"\sstyle\s*=",
            "<style",
        ):
            if re.search(pattern, text):
                offenders.append(f"{template.relative_to(root)}: {pattern}")
    assert offenders == []


def test_production_sends_hsts_and_secure_cookies(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_SSL_REDIRECT, s.DEBUG)"
    )
    env = {
        **os.environ,
        "PEERPATH_ENV": "production",
        "PEERPATH_SECRET_KEY": "a-long-random-production-secret-key-for-tests-0123456789-xyz",
        "PEERPATH_ALLOWED_HOSTS": "peerpath.example.org",
        "PEERPATH_DATA_DIR": str(tmp_path),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    peerpath = Path(sys.executable).with_name("peerpath")
    result = subprocess.run(
        [str(peerpath), "shell", "-v", "0", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["31536000", "True", "True", "True", "False"]
