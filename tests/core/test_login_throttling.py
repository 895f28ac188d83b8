"""
Password guessing is throttled (django-axes): five failed logins for one
e-mail address from one IP address lock that pair out for the cool-off
period, with a clear message; nothing else offers a way round it.
"""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from factories import PASSWORD, make_organization, make_user

WRONG = "not-the-right-password-1"


@pytest.fixture
def user(db):
    return make_user(make_organization(), email="pat@north.test")


def attempt(client: Client, email: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=ip
    )


def fail(client: Client, email: str, times: int, ip: str = "10.0.0.1") -> None:
    for _ in range(times):
        response = attempt(client, email, WRONG, ip)
        # The form again with its error; the attempt that reaches the limit is refused.
        assert response.status_code in {200, 429}


def test_the_sixth_attempt_is_refused_even_with_the_right_password(user):
    client = Client()
    fail(client, user.email, 4)
    response = attempt(client, user.email, WRONG)
    assert response.status_code == 429
    response = attempt(client, user.email, PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert "wrong 5 times in a row" in page
    assert "Try again in 15 minutes" in page
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # still not logged in


def test_the_lock_holds_for_that_address_and_ip_only(user):
    other = make_user(user.organization, email="sam@north.test")
    fail(Client(), user.email, 5)
    assert attempt(Client(), user.email, PASSWORD, ip="10.0.0.2").status_code == 302
    assert attempt(Client(), other.email, PASSWORD).status_code == 302


def test_changing_the_case_of_the_address_does_not_reset_the_count(user):
    client = Client()
    fail(client, "PAT@north.test", 3)
    fail(client, " pat@NORTH.test", 2)
    assert attempt(client, user.email, PASSWORD).status_code == 429


def test_the_lock_ends_after_the_cool_off(user):
    client = Client()
    fail(client, user.email, 5)
    assert attempt(client, user.email, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    assert attempt(client, user.email, PASSWORD).status_code == 302


def test_a_successful_login_resets_the_count(user):
    client = Client()
    fail(client, user.email, 4)
    assert attempt(client, user.email, PASSWORD).status_code == 302
    fail(Client(), user.email, 4)
    assert attempt(Client(), user.email, PASSWORD).status_code == 302


def test_the_admin_login_is_throttled_too(user):
    client = Client()
    for _ in range(5):
        client.post(
            "/admin/login/", {"username": user.email, "password": WRONG}, REMOTE_ADDR="10.0.0.1"
        )
    response = client.post(
        "/admin/login/", {"username": user.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 429


def test_the_api_takes_no_password_so_it_cannot_be_used_to_guess_one(user):
    basic = base64.b64encode(f"{user.email}:{PASSWORD}".encode()).decode()
    response = Client().get("/api/v1/programs/", HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code == 401
