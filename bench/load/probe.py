"""
Time each load-test endpoint alone, one request at a time, before the timed run.

    python bench/load/probe.py http://127.0.0.1:8765 var/load/fixture.json var/load/alone.json

Under load a request's latency is its own work plus its wait for a free
worker; this measures the work alone (the median of five requests after one
warm-up, no other request of ours in flight), so the report can tell the two
apart. The names match the Locust rows.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from load.login import csrf_token

REPEAT = 5


def _timed(call: Callable[[], requests.Response]) -> float:
    started = time.perf_counter()
    response = call()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code not in (200, 302):
        raise SystemExit(f"{response.request.method} {response.url}: {response.status_code}")
    return elapsed


def probe(base: str, fixture: dict[str, Any]) -> dict[str, float]:
    """Return the median milliseconds of each endpoint asked alone."""
    coordinator = requests.Session()
    coordinator.cookies.update(fixture["cookies"][fixture["coordinator"]])
    mentor_fixture = fixture["mentors"][0]
    mentor = requests.Session()
    mentor.cookies.update(fixture["cookies"][mentor_fixture["email"]])
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {fixture['api_token']}"
    program = fixture["programs"][0]
    session = mentor_fixture["sessions"][0]

    # One form's CSRF token serves every POST of this session (the cookie stays).
    token = csrf_token(mentor.get(f"{base}/sessions/{session}/").text)

    def log_post() -> requests.Response:
        data = {"csrfmiddlewaretoken": token, "duration_minutes": 45, "topics": "Probe"}
        return mentor.post(f"{base}/sessions/{session}/log/", data=data, allow_redirects=False)

    calls: dict[str, Callable[[], requests.Response]] = {
        "GET /programs/[pk]/insights/": lambda: coordinator.get(
            f"{base}/programs/{program}/insights/", allow_redirects=False
        ),
        "GET /programs/[pk]/participants/": lambda: coordinator.get(
            f"{base}/programs/{program}/participants/?page=2", allow_redirects=False
        ),
        "GET /sessions/[pk]/": lambda: mentor.get(
            f"{base}/sessions/{session}/", allow_redirects=False
        ),
        "POST /sessions/[pk]/log/": log_post,
        "GET /api/v1/programs/[pk]/participants/": lambda: api.get(
            f"{base}/api/v1/programs/{program}/participants/?page=2"
        ),
        "GET /api/v1/programs/[pk]/matches/": lambda: api.get(
            f"{base}/api/v1/programs/{program}/matches/"
        ),
        "GET /_load/ok": lambda: requests.get(f"{base}/_load/ok"),
    }
    medians = {}
    for name, call in calls.items():
        _timed(call)  # warm-up
        medians[name] = statistics.median(_timed(call) for _ in range(REPEAT))
    return medians


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="the server, e.g. http://127.0.0.1:8765")
    parser.add_argument("fixture", type=Path, help="the fixture, with login.py's cookies")
    parser.add_argument("out", type=Path, help="where to write the medians (JSON)")
    args = parser.parse_args()
    medians = probe(args.base, json.loads(args.fixture.read_text()))
    args.out.write_text(json.dumps(medians, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
