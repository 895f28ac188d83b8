"""
Two-step login (TOTP): organization admins, coordinators (of a school or a
program), safeguarding leads and operators give a code from an authenticator
app after their password, and set one up at their first login; everyone else
logs in with the password alone. All through the real login page.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from factories import (
    PASSWORD,
    make_coordinator,
    make_organization,
    make_program,
    make_school,
    make_staff,
    make_student,
    make_user,
    totp_code,
    totp_device,
)
from peerpath.core.models import AuditEntry, Role, User
from peerpath.core.services import role_grant
from peerpath.core.twofactor import two_factor_required, two_factor_reset

SETUP = "/accounts/two-factor/setup/"
VERIFY = "/accounts/two-factor/"


def password_login(user: User, next_url: str = "/") -> tuple[Client, str]:
    """Log in on the login page; return the client and where it was sent after ``next_url``."""
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": user.email, "password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    response = client.get(response["Location"])
    return client, response.get("Location", "") if response.status_code == 302 else ""


@pytest.fixture
def school(db):
    return make_school()


def test_a_coordinator_without_an_app_sets_one_up_at_first_login(school):
    coordinator = make_coordinator(school)
    client, sent_to = password_login(coordinator, "/programs/")
    assert sent_to == f"{SETUP}?next=%2Fprograms%2F"
    assert client.get("/programs/").status_code == 302  # every page waits for the app
    page = client.get(sent_to)
    html = page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert '<svg role="img"' in html
    assert 'href="/programs/"' not in html  # no menu of pages that would send them back here
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', html).group(1)
    assert len(secret) == 32  # 20 random bytes in base32

    wrong = client.post(SETUP, {"code": "000000", "next": "/programs/"})
    assert "That code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=coordinator, confirmed=True).exists()
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code makes the next one wait a little

    done = client.post(SETUP, {"code": totp_code(device), "next": "/programs/"})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{10})</code></li>", done.content.decode())
    assert len(codes) == 10
    assert StaticToken.objects.filter(device__user=coordinator).count() == 10
    assert client.get("/programs/").status_code == 200
    assert AuditEntry.objects.filter(action="user.two_factor.enable", target_id=coordinator.pk)


def test_with_an_app_the_code_is_asked_after_the_password(school):
    coordinator = make_coordinator(school)
    device = totp_device(coordinator)
    client, sent_to = password_login(coordinator)
    assert sent_to == f"{VERIFY}?next=%2F"
    assert client.get("/programs/").status_code == 302
    wrong = client.post(VERIFY, {"code": "123456", "next": "/"})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code makes the next one wait (below)
    response = client.post(VERIFY, {"code": totp_code(device), "next": "/programs/"})
    assert response.status_code == 302
    assert response["Location"] == "/programs/"
    assert client.get("/programs/").status_code == 200


def test_wrong_codes_are_throttled(school):
    coordinator = make_coordinator(school)
    device = totp_device(coordinator)
    client, _sent_to = password_login(coordinator)
    client.post(VERIFY, {"code": "111111"})
    response = client.post(VERIFY, {"code": totp_code(device)})
    assert response.status_code == 200  # the right code too is refused for a moment
    assert client.get("/").status_code == 302


def test_a_backup_code_works_once(school):
    coordinator = make_coordinator(school)
    setup_client, sent_to = password_login(coordinator)
    setup_client.get(sent_to)
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    page = setup_client.post(SETUP, {"code": totp_code(device)})
    code = re.findall(r"<li><code>([0-9a-f]{10})</code></li>", page.content.decode())[0]

    client, _ = password_login(coordinator)
    assert client.post(VERIFY, {"code": code.upper()}).status_code == 302
    assert client.get("/").status_code == 200
    again, _ = password_login(coordinator)
    assert again.post(VERIFY, {"code": code}).status_code == 200
    assert StaticToken.objects.filter(device__user=coordinator).count() == 9


@pytest.mark.parametrize(
    ("who", "required"),
    [
        ("coordinator", True),
        ("safeguarding_lead", True),
        ("org_admin", True),
        ("superuser", True),
        ("program_coordinator", True),
        ("teacher", False),
        ("student", False),
        ("guardian", False),
    ],
)
def test_who_needs_a_second_factor(school, who, required):
    if who in {"coordinator", "safeguarding_lead", "teacher"}:
        role = {"coordinator": Role.COORDINATOR, "teacher": Role.STAFF}.get(who, who)
        user = make_staff(school, role)
    elif who == "org_admin":
        user = make_user(school.organization)
        role_grant(
            actor=None,
            user=user,
            role=Role.ORG_ADMIN,
            organization=school.organization,
            school=None,
        )
    elif who == "superuser":
        user = User.objects.create_superuser(
            "root@north.test", PASSWORD, given_name="Root", family_name="Operator"
        )
    elif who == "program_coordinator":
        user = make_staff(school, Role.STAFF)
        program = make_program(school, make_coordinator(school))
        program.coordinators.add(user)
    elif who == "student":
        user = make_student(school, 10, password=PASSWORD).user
    else:
        user = make_user(school.organization)
    assert two_factor_required(User.objects.get(pk=user.pk)) is required
    client, sent_to = password_login(user)
    assert (sent_to.startswith(SETUP)) is required
    assert (client.get("/").status_code == 200) is not required


def test_the_requirement_can_be_turned_off(school, settings):
    settings.PEERPATH_REQUIRE_2FA = False
    coordinator = make_coordinator(school)
    client, sent_to = password_login(coordinator)
    assert sent_to == ""
    assert client.get("/programs/").status_code == 200


def test_the_session_api_waits_for_the_code_but_tokens_do_not(school):
    from peerpath.api.services import api_token_create

    coordinator = make_coordinator(school)
    totp_device(coordinator)
    client, _ = password_login(coordinator)
    assert client.get("/api/v1/programs/").status_code == 302
    key = api_token_create(actor=None, user=coordinator, name="script").key
    api = Client(headers={"Authorization": f"Bearer {key}"})
    assert api.get("/api/v1/programs/").status_code == 200


def test_the_admin_site_waits_for_the_code(school):
    admin = User.objects.create_superuser(
        "root@north.test", PASSWORD, given_name="Root", family_name="Operator"
    )
    client = Client()
    response = client.post("/admin/login/", {"username": admin.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/")["Location"].startswith(SETUP)


def test_next_must_stay_on_this_site(school):
    coordinator = make_coordinator(school)
    device = totp_device(coordinator)
    client, _ = password_login(coordinator)
    response = client.post(VERIFY, {"code": totp_code(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_pages_need_a_login_first(db):
    for url in (SETUP, VERIFY):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_an_admin_reset_removes_the_devices_and_setup_starts_again(school):
    coordinator = make_coordinator(school)
    totp_device(coordinator)
    assert two_factor_reset(actor=None, user=coordinator) == 1
    _client, sent_to = password_login(coordinator)
    assert sent_to.startswith(SETUP)


def test_test_client_logins_come_verified(school):
    """The shared test helpers: ``force_login`` of a coordinator gives a verified session."""
    coordinator = make_coordinator(school)
    client = Client()
    client.force_login(coordinator)
    assert client.get("/programs/").status_code == 200
    assert client.login(username=coordinator.email, password=PASSWORD)
    assert client.get("/programs/").status_code == 200
    assert make_organization()  # other users are untouched


def test_an_org_admin_resets_two_step_login_in_their_organization_only(school):
    coordinator = make_coordinator(school)
    outsider = make_coordinator(make_school())
    totp_device(coordinator)
    totp_device(outsider)
    admin = make_user(school.organization)
    role_grant(
        actor=None, user=admin, role=Role.ORG_ADMIN, organization=school.organization, school=None
    )
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/admin/core/user/",
        {"action": "reset_two_factor", "_selected_action": [coordinator.pk, outsider.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    assert TOTPDevice.objects.filter(user=outsider).exists()  # another organization's: untouched
    entry = AuditEntry.objects.get(action="user.two_factor.reset")
    assert (entry.actor, entry.target_id) == (admin, str(coordinator.pk))


@pytest.mark.parametrize("drift", [-1, 0, 2])
def test_the_test_code_helper_types_a_code_the_device_accepts_whatever_its_drift(school, drift):
    """
    django-otp moves a device's drift when a code one step off is accepted
    (a login that crossed a 30-second boundary), and counts time steps with
    that drift. ``totp_code`` must still type a code the device takes, twice
    in a row: the browser tests log the same person in on a second device.
    """
    device = totp_device(make_coordinator(school))
    device.drift = drift
    device.save()
    for _ in range(3):
        assert device.verify_token(totp_code(device))
        device.refresh_from_db()
