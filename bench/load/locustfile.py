"""
The Locust users of ``make load``: coordinators, mentors, API clients, and a bare client.

    LOAD_FIXTURE=var/load/fixture.json locust -f bench/load/locustfile.py \
        --headless -u 50 -r 10 -t 60s --host http://127.0.0.1:8765 \
        CoordinatorUser MentorUser ApiUser

``bench/load/prepare.py`` writes the fixture (logins, program ids, the mentors'
sessions, an API token) and ``bench/load/login.py`` adds the session cookies
of logins made through the real login form before the timed run. Each user
waits 0.5 to 2 s between requests, as a person clicking through pages would.
Mentors post the real session log form with its CSRF token. A response is a
failure unless its status is exactly the expected one, so a redirect to the
login page or a form shown again with errors counts as one.
``BareUser`` asks for ``/_load/ok`` (see ``load.urls``) with the same pacing,
for comparison.
"""

from __future__ import annotations

import json
import os
import random
from functools import cache
from typing import Any

from locust import HttpUser, between, task

from load.login import csrf_token

TOPICS = ["Linear equations", "Essay structure", "Lab report", "Fractions and ratios"]


@cache
def fixture() -> dict[str, Any]:
    return json.loads(open(os.environ["LOAD_FIXTURE"], encoding="utf-8").read())


class BrowserUser(HttpUser):
    """Someone using the web app in a browser, logged in with a session cookie."""

    abstract = True
    wait_time = between(0.5, 2.0)

    def log_in_as(self, email: str) -> None:
        """Use the session of ``email``'s login through the form (``login.py``)."""
        for name, value in fixture()["cookies"][email].items():
            self.client.cookies.set(name, value)

    def get_page(self, url: str, name: str) -> str:
        with self.client.get(
            url, allow_redirects=False, catch_response=True, name=name
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            return response.text


class CoordinatorUser(BrowserUser):
    """The coordinator: the program dashboard and the participant list."""

    weight = 1

    def on_start(self) -> None:
        self.log_in_as(fixture()["coordinator"])

    @task
    def dashboard(self) -> None:
        program = random.choice(fixture()["programs"])
        self.get_page(f"/programs/{program}/insights/", "GET /programs/[pk]/insights/")

    @task(2)
    def participants(self) -> None:
        program = random.choice(fixture()["programs"])
        page = random.randint(1, 20)
        self.get_page(
            f"/programs/{program}/participants/?page={page}",
            "GET /programs/[pk]/participants/",
        )


class MentorUser(BrowserUser):
    """A mentor opening one of their sessions and saving its log through the form."""

    weight = 3
    _next_mentor = 0

    def on_start(self) -> None:
        mentors = fixture()["mentors"]
        # Each mentor user is a different student while there are enough of them.
        mentor = mentors[MentorUser._next_mentor % len(mentors)]
        MentorUser._next_mentor += 1
        self.sessions: list[int] = mentor["sessions"]
        self.log_in_as(mentor["email"])

    @task
    def log_session(self) -> None:
        session = random.choice(self.sessions)
        html = self.get_page(f"/sessions/{session}/", "GET /sessions/[pk]/")
        try:
            token = csrf_token(html)
        except ValueError:
            return  # counted as a failure by get_page
        with self.client.post(
            f"/sessions/{session}/log/",
            data={
                "csrfmiddlewaretoken": token,
                "duration_minutes": random.choice([30, 45, 60]),
                "topics": random.choice(TOPICS),
                "went_well": "Worked through the examples together.",
                "next_steps": "Practice sheet before next week.",
            },
            allow_redirects=False,
            catch_response=True,
            name="POST /sessions/[pk]/log/",
        ) as response:
            if response.status_code != 302:
                response.failure(f"log not saved (status {response.status_code})")


class ApiUser(HttpUser):
    """A school system reading the REST API with the coordinator's Bearer token."""

    weight = 1
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {fixture()['api_token']}"
        # A page past the last is a 404 in the API: learn how many pages each list has.
        self.pages: dict[int, int] = {}
        for program in fixture()["programs"]:
            url = f"/api/v1/programs/{program}/participants/"
            body = self.client.get(url, name="GET /api/v1/programs/[pk]/participants/").json()
            self.pages[program] = max(1, -(-body["count"] // max(1, len(body["results"]))))

    def get_json(self, url: str, name: str) -> None:
        with self.client.get(url, catch_response=True, name=name) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    @task(2)
    def participants(self) -> None:
        program = random.choice(fixture()["programs"])
        page = random.randint(1, min(20, self.pages[program]))
        self.get_json(
            f"/api/v1/programs/{program}/participants/?page={page}",
            "GET /api/v1/programs/[pk]/participants/",
        )

    @task
    def matches(self) -> None:
        program = random.choice(fixture()["programs"])
        self.get_json(f"/api/v1/programs/{program}/matches/", "GET /api/v1/programs/[pk]/matches/")


class BareUser(HttpUser):
    """The comparison: a view that touches no database, at the same pace."""

    wait_time = between(0.5, 2.0)

    @task
    def ok(self) -> None:
        with self.client.get("/_load/ok", catch_response=True, name="GET /_load/ok") as response:
            if response.status_code != 200 or response.text != "ok":
                response.failure(f"status {response.status_code}")
