"""
Sign-in records in the subject-access export and in erasure.

The well-connected person of ``privacy_testlib`` also logs in through the
login page (a success, then a failure, from a known IP address and browser),
has an authenticator app and ten backup codes, and a web session. Export: the
person gets the times, IP address and browser of their logins, their devices
and sessions, never a session key, TOTP key or backup code. Erasure: sessions,
devices and login attempts are gone and the e-mail address is nowhere.
"""

from __future__ import annotations

import json

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from privacy_testlib import PERSON_EMAIL, find_everywhere

from factories import PASSWORD, totp_code
from peerpath.core.models import UserSession
from peerpath.core.twofactor import totp_device_confirm, totp_device_pending
from peerpath.privacy.export import person_export
from peerpath.privacy.graph import (
    LOGIN_RECORDS,
    MODEL_SECRET_FIELDS,
    links_for,
    login_record_models,
)
from peerpath.privacy.services import person_erase

IP = "203.0.113.77"
BROWSER = "Mozilla/5.0 (Zephyrine's tablet) Firefox/140.0"
OTHER_EMAIL = "ottoline.brackenridge@birch-privacy.test"


@pytest.fixture
def signed_in(world, settings):
    """The person's sign-in records: a login, a failed login, a TOTP device, backup codes."""
    settings.AXES_DISABLE_ACCESS_LOG = False  # keep successful logins too (off in production)
    settings.AXES_ENABLE_ACCESS_FAILURE_LOG = True
    client = Client(REMOTE_ADDR=IP, HTTP_USER_AGENT=BROWSER)
    form = {"username": PERSON_EMAIL, "password": PASSWORD}
    assert client.post("/accounts/login/", form).status_code == 302
    wrong = {"username": PERSON_EMAIL.upper(), "password": "not-the-password-1"}
    assert Client(REMOTE_ADDR=IP, HTTP_USER_AGENT=BROWSER).post("/accounts/login/", wrong)
    # Someone else's failed login from the same address stays theirs.
    other = {"username": OTHER_EMAIL, "password": "not-the-password-1"}
    Client(REMOTE_ADDR=IP, HTTP_USER_AGENT=BROWSER).post("/accounts/login/", other)
    device = totp_device_pending(user=world.person)
    codes = totp_device_confirm(user=world.person, device=device, token=totp_code(device))
    assert codes is not None
    assert len(codes) == 10
    device.refresh_from_db()
    secrets = [device.key, *codes, *UserSession.objects.values_list("session_key", flat=True)]
    secrets += list(UserSession.objects.values_list("session_data", flat=True))
    return world, secrets


def test_every_sign_in_table_is_covered_by_the_walk_or_declared(db):
    # Sessions and two-step login devices link to the user: the graph walk finds them.
    assert links_for("core.usersession").owner_paths == ("user",)
    assert links_for("otp_totp.totpdevice").owner_paths == ("user",)
    assert links_for("otp_static.staticdevice").owner_paths == ("user",)
    assert links_for("otp_static.statictoken").owner_paths == ("device__user",)
    # django-axes keeps only the typed e-mail address: declared, and every one of its
    # tables that holds a username is in the declaration.
    axes_tables = {
        m._meta.label_lower
        for m in apps.get_app_config("axes").get_models()
        if any(f.name == "username" for f in m._meta.concrete_fields)
    }
    assert (
        axes_tables
        == set(LOGIN_RECORDS)
        == {"axes.accessattempt", "axes.accessfailurelog", "axes.accesslog"}
    )
    assert {m for m, _column in login_record_models()} == {
        AccessAttempt,
        AccessFailureLog,
        AccessLog,
    }
    for label, fields in MODEL_SECRET_FIELDS.items():
        model = apps.get_model(label)
        assert fields <= {f.name for f in model._meta.concrete_fields}, label


def test_export_holds_the_sign_in_history_without_any_secret(signed_in):
    world, secrets = signed_in
    document = person_export(world.person).document()
    records = document["records"]
    text = json.dumps(document, ensure_ascii=False)

    [login] = records["axes.accesslog"]
    assert (login["ip_address"], login["user_agent"]) == (IP, BROWSER)
    assert login["username"] == PERSON_EMAIL
    assert login["attempt_time"]
    assert "session_hash" not in login
    [failure] = records["axes.accessfailurelog"]
    assert (failure["ip_address"], failure["user_agent"]) == (IP, BROWSER)
    [attempt] = records["axes.accessattempt"]
    assert attempt["failures_since_start"] == 1
    assert "post_data" not in attempt
    assert "get_data" not in attempt
    # The other person's failed login from the same address is not here.
    assert OTHER_EMAIL not in text

    [app] = records["otp_totp.totpdevice"]
    assert app["name"] == "Authenticator app"
    assert app["confirmed"] is True
    assert "key" not in app
    [backup] = records["otp_static.staticdevice"]
    assert backup["name"] == "Backup codes"
    assert len(records["otp_static.statictoken"]) == 10
    assert all("token" not in row for row in records["otp_static.statictoken"])
    sessions = records["core.usersession"]
    assert sessions
    assert all(set(row) == {"user", "expire_date"} for row in sessions)

    for secret in secrets:
        assert secret not in text


def test_erasure_deletes_sessions_devices_and_login_attempts(signed_in):
    world, _secrets = signed_in
    person = world.person
    assert find_everywhere(PERSON_EMAIL, PERSON_EMAIL.upper())  # axes rows hold it before
    assert AccessAttempt.objects.filter(username=PERSON_EMAIL).exists()

    report = person_erase(actor=world.admin, person=person)

    assert find_everywhere(PERSON_EMAIL) == []
    assert not UserSession.objects.filter(user=person).exists()
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert not StaticDevice.objects.filter(user=person).exists()
    assert not StaticToken.objects.filter(device__user=person).exists()
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        assert not model.objects.filter(ip_address=IP, username__iexact=PERSON_EMAIL).exists()
    assert report.deleted["axes.accesslog"] == 1
    assert report.deleted["otp_totp.totpdevice"] == 1
    # The other person's attempt from the same address is kept (it drives their lockout).
    assert AccessAttempt.objects.filter(username=OTHER_EMAIL, ip_address=IP).exists()
