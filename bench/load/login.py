"""
Log the load test's browser users in through the real login form, before the timed run.

    python bench/load/login.py http://127.0.0.1:8765 var/load/fixture.json

Logging in costs an Argon2 password check (about 0.1 s of a core on an idle
machine, by design); doing it for every user inside the timed run would
measure the login queue rather than the pages. So each account (the
coordinator, and every mentor of the fixture) logs in once here, four at a
time, and the session cookies are added to the fixture for the Locust users.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """Return the CSRF token of the first form on the page."""
    found = CSRF_INPUT.search(html)
    if found is None:
        raise ValueError("The page has no CSRF token.")
    return found.group(1)


def login(base: str, email: str, password: str) -> tuple[dict[str, str], float]:
    """Log in through the form; return the session's cookies and the POST's seconds."""
    client = requests.Session()
    page = client.get(f"{base}/accounts/login/", timeout=120)
    page.raise_for_status()
    started = time.perf_counter()
    response = client.post(
        f"{base}/accounts/login/",
        data={
            "username": email,
            "password": password,
            "csrfmiddlewaretoken": csrf_token(page.text),
        },
        allow_redirects=False,
        timeout=120,
    )
    elapsed = time.perf_counter() - started
    if response.status_code != 302 or "/accounts/login/" in response.headers.get("Location", ""):
        raise SystemExit(f"Logging in as {email} failed (status {response.status_code}).")
    return client.cookies.get_dict(), elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="the server, e.g. http://127.0.0.1:8765")
    parser.add_argument("fixture", type=Path, help="the fixture written by prepare.py")
    args = parser.parse_args()
    fixture = json.loads(args.fixture.read_text())
    emails = [fixture["coordinator"], *(m["email"] for m in fixture["mentors"])]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda email: login(args.base, email, fixture["password"]), emails))
    took = time.perf_counter() - started
    fixture["cookies"] = {
        email: cookies for email, (cookies, _) in zip(emails, results, strict=True)
    }
    args.fixture.write_text(json.dumps(fixture, indent=2))
    times = sorted(seconds for _, seconds in results)
    print(
        f"   {len(emails)} logins through the form in {took:.1f} s "
        f"(each POST: median {statistics.median(times):.2f} s, slowest {times[-1]:.2f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
