"""
Strong passwords: at least 12 characters, not a common password, hashed with
Argon2 — in every flow that sets one (password reset, the admin site's new
user and password change, the ``user_create`` service).
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from factories import PASSWORD, make_organization, make_user
from peerpath.core.models import User
from peerpath.core.services import user_create

SHORT = "Xk7#pq2!mz"  # 10 characters, otherwise strong
COMMON = "password1234"  # 12 characters, on Django's list of common passwords
STRONG = "plum-orbit-canvas-1987"


def reset_link(client: Client, email: str) -> str:
    client.post("/accounts/password-reset/", {"email": email})
    match = re.search(r"http://[^/]+(/accounts/reset/\S+/)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    response = client.get(match.group(1))  # redirects to the set-password form
    assert response.status_code == 302
    return response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "message"),
    [
        (SHORT, "at least 12 characters"),
        (COMMON, "too common"),
        ("12345678901234", "entirely numeric"),
    ],
)
def test_password_reset_refuses_weak_passwords_and_keeps_the_old_one(password, message):
    user = make_user(make_organization(), email="pat@north.test")
    client = Client()
    form_url = reset_link(client, user.email)
    response = client.post(form_url, {"new_password1": password, "new_password2": password})
    assert response.status_code == 200
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not user.check_password(password)


@pytest.mark.django_db
def test_password_reset_accepts_a_strong_password():
    user = make_user(make_organization(), email="pat@north.test")
    client = Client()
    form_url = reset_link(client, user.email)
    response = client.post(form_url, {"new_password1": STRONG, "new_password2": STRONG})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(STRONG)


@pytest.mark.django_db
@pytest.mark.parametrize("password", [SHORT, COMMON, "Pat.Example.North"])
def test_user_create_refuses_weak_passwords(password):
    organization = make_organization()
    with pytest.raises(ValidationError) as error:
        user_create(
            actor=None,
            email="pat.example@north.test",
            given_name="Pat",
            family_name="Example",
            organization=organization,
            password=password,
        )
    assert "password" in error.value.message_dict
    assert not User.objects.filter(email="pat.example@north.test").exists()


@pytest.mark.django_db
def test_admin_site_refuses_a_short_password_for_a_new_user():
    admin = User.objects.create_superuser(
        "root@north.test", STRONG, given_name="R", family_name="T"
    )
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/admin/core/user/add/",
        {
            "email": "new@north.test",
            "given_name": "New",
            "family_name": "Person",
            "password1": SHORT,
            "password2": SHORT,
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    assert not User.objects.filter(email="new@north.test").exists()


def test_passwords_are_hashed_with_argon2(db, settings):
    from peerpath.config import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    user = make_user(make_organization())
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password(PASSWORD)
