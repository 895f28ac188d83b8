"""
The real-browser harness: Debian's Chromium, driven by Playwright, against
Django's live server.

Fixtures for browser tests:

``browser``
    One headless Chromium per test process (session scope). It is Debian's
    ``/usr/bin/chromium`` (or ``$PEERPATH_CHROMIUM``); no browser is ever
    downloaded. ``make browser-deps`` installs it.
``page``
    A fresh browser context (own cookies) and page at 1280×800 whose
    relative URLs resolve against the live server: ``page.goto("/programs/")``.
``mobile_page``
    The same at 375×740, a small phone.
``new_page``
    A factory for more pages, e.g. two users at once or another viewport:
    ``new_page(viewport={"width": 768, "height": 1024})``.

Every test here gets ``live_server`` and ``transactional_db`` (the server
thread must see the test's data, so it cannot live in a rolled-back
transaction), the ``browser`` mark, and runs in the ``browser`` xdist group
so that ``--dist loadgroup`` keeps one Chromium busy instead of starting one
per worker. A page fails its test if the site raises an uncaught JavaScript
error, a static file fails to load or the Content-Security-Policy refuses
something (a console error); a failing test leaves a screenshot in
``screenshots/failures/``.

Helpers (``login``, ``assert_accessible``, ``screenshot``,
``assert_no_horizontal_overflow``) are in ``harness.py``.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; Django would then
# refuse ORM calls from the test body. The loop never runs Django code itself.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

from harness import DESKTOP, MOBILE, SCREENSHOT_DIR  # noqa: E402
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright  # noqa: E402

DEFAULT_CHROMIUM = "/usr/bin/chromium"

# The machine is offline: these stop Chromium from phoning home (and logging
# every refused connection) and from needing a sandbox or a GPU.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Generous for a loaded 2-core machine, short enough that a missing element
# fails in seconds instead of Playwright's default 30.
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    has_xdist = config.pluginmanager.hasplugin("xdist")
    for item in items:
        if _HERE not in item.path.parents:
            continue
        item.add_marker(pytest.mark.browser)
        if has_xdist:
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    # Let the page fixtures know, at teardown, whether the test failed.
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = os.environ.get("PEERPATH_CHROMIUM", DEFAULT_CHROMIUM)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(
            f"The browser tests need Chromium at {path}, which is missing. "
            "Run `make browser-deps` (or set PEERPATH_CHROMIUM to a Chromium binary).",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def browser(chromium_executable: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _browser_test_database(transactional_db: None, live_server: Any) -> None:
    """Every browser test talks to the live server, which must see committed data."""


@pytest.fixture
def new_page(
    request: pytest.FixtureRequest, browser: Browser, live_server: Any
) -> Iterator[Callable[..., Page]]:
    """Return a factory of pages, each in its own browser context (own cookies)."""
    opened: list[tuple[BrowserContext, Page, list[str]]] = []

    def open_page(*, viewport: dict[str, int] | None = None, **context_options: Any) -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport or DESKTOP,  # type: ignore[arg-type]
            locale="en-US",
            timezone_id="America/New_York",
            **context_options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
        # The Content-Security-Policy refuses inline scripts and styles; Chromium
        # reports each refusal as a console error.
        page.on(
            "console",
            lambda message: (
                problems.append(f"CSP violation: {message.text}")
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )
        page.on(
            "response",
            lambda response: (
                problems.append(f"{response.status} for {response.url}")
                if response.status >= 400 and "/static/" in response.url
                else None
            ),
        )
        opened.append((context, page, problems))
        return page

    yield open_page

    failed = request.node.stash.get(_FAILED, False)
    for index, (context, page, _problems) in enumerate(opened):
        if failed and not page.is_closed():
            name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("::", 1)[-1])
            (SCREENSHOT_DIR / "failures").mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT_DIR / "failures" / f"{name}-{index}.png"))
        context.close()
    problems = [problem for _context, _page, found in opened for problem in found]
    if problems and not failed:
        pytest.fail("The browser reported problems:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A page at 1280×800 on the live server."""
    return new_page(viewport=DESKTOP)


@pytest.fixture
def mobile_page(new_page: Callable[..., Page]) -> Page:
    """A page at 375×740 (a small phone) on the live server."""
    return new_page(viewport=MOBILE, is_mobile=True, has_touch=True)
