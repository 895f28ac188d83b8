"""API tokens: issued once and stored hashed, sent as Bearer, revoked at once; session auth."""

from __future__ import annotations

import hashlib
import io

import pytest
from api_testlib import World, key_for
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from factories import PASSWORD
from peerpath.api.models import ApiToken
from peerpath.api.services import api_token_create, api_token_revoke
from peerpath.core.models import AuditEntry

PROGRAMS = "/api/v1/programs/"


def bearer(key: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"})


def test_a_token_is_shown_once_and_only_its_hash_is_stored(world: World) -> None:
    issued = api_token_create(actor=world.coordinator, user=world.coordinator, name="SIS sync")

    keyword, prefix, secret = issued.key.split("_", 2)
    token = ApiToken.objects.get()
    assert (keyword, prefix) == ("pp", token.prefix)
    assert len(prefix) == 8
    assert len(secret) == 43
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in token.secret_hash
    assert (token.name, token.user, token.last_used_at, token.revoked_at) == (
        "SIS sync",
        world.coordinator,
        None,
        None,
    )
    entry = AuditEntry.objects.get(action="api.token.create")
    assert entry.after == {"user": world.coordinator.pk, "name": "SIS sync", "prefix": prefix}
    assert secret not in str(entry.after)


def test_a_token_authenticates_and_records_when_it_was_used(world: World) -> None:
    key = key_for(world.coordinator)

    response = bearer(key).get(PROGRAMS)

    assert response.status_code == 200
    assert [p["name"] for p in response.json()["results"]] == ["Birch Tutoring"]
    assert ApiToken.objects.get().last_used_at is not None
    # DRF's usual keyword works too.
    assert Client(headers={"Authorization": f"Token {key}"}).get(PROGRAMS).status_code == 200


def test_a_revoked_token_is_refused_with_401(world: World) -> None:
    key = key_for(world.coordinator)
    token = ApiToken.objects.get()

    api_token_revoke(actor=world.coordinator, token=token)
    response = bearer(key).get(PROGRAMS)

    assert response.status_code == 401
    assert response.json() == {"detail": "This token was revoked."}
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert AuditEntry.objects.filter(action="api.token.revoke").count() == 1
    api_token_revoke(actor=world.coordinator, token=token)  # twice changes nothing
    assert AuditEntry.objects.filter(action="api.token.revoke").count() == 1


@pytest.mark.parametrize(
    "header",
    [
        "Bearer pp_00000000_wrong",
        "Bearer not-a-token",
        "Bearer pp_ZZZZZZZZ_x",
        "Bearer",
        "Bearer a b",
    ],
)
def test_a_bad_token_is_refused_with_401(world: World, header: str) -> None:
    key_for(world.coordinator)
    response = Client(headers={"Authorization": header}).get(PROGRAMS)
    assert response.status_code == 401


def test_a_wrong_secret_for_a_real_prefix_is_refused(world: World) -> None:
    key = key_for(world.coordinator)
    assert bearer(key[:-4] + "AAAA").get(PROGRAMS).status_code == 401


def test_no_credentials_is_401_and_a_disabled_account_is_refused(world: World) -> None:
    response = Client().get(PROGRAMS)
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}

    key = key_for(world.coordinator)
    world.coordinator.is_active = False
    world.coordinator.save(update_fields=["is_active"])
    assert bearer(key).get(PROGRAMS).status_code == 401


def test_students_and_guardians_cannot_hold_tokens(world: World) -> None:
    with pytest.raises(ValidationError):
        api_token_create(actor=None, user=world.student, name="mine")
    assert not ApiToken.objects.exists()


def test_nobody_revokes_someone_elses_token(world: World) -> None:
    key_for(world.coordinator)
    token = ApiToken.objects.get()
    with pytest.raises(Exception, match="own tokens"):
        api_token_revoke(actor=world.teacher, token=token)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_command_creates_lists_and_revokes(world: World) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "api_token",
        "create",
        "COORD@birch.test",
        "--name",
        "Nightly export",
        stdout=out,
        stderr=err,
    )
    key = out.getvalue().strip()
    assert key.startswith("pp_")
    assert "copy it now" in err.getvalue()
    assert bearer(key).get(PROGRAMS).status_code == 200

    out = io.StringIO()
    call_command("api_token", "list", "coord@birch.test", stdout=out)
    prefix = key.split("_")[1]
    assert f"pp_{prefix}_…\tNightly export" in out.getvalue()
    assert key.split("_", 2)[2] not in out.getvalue()

    out = io.StringIO()
    call_command("api_token", "revoke", "coord@birch.test", prefix, stdout=out)
    assert out.getvalue().strip() == f"Revoked “Nightly export” (pp_{prefix}_…)."
    assert bearer(key).get(PROGRAMS).status_code == 401


def test_the_command_refuses_unknown_people_and_students(world: World) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user"):
        call_command("api_token", "create", "nobody@birch.test", "--name", "x")
    with pytest.raises(CommandError, match="Only staff members"):
        call_command("api_token", "create", "student@birch.test", "--name", "x")
    with pytest.raises(CommandError, match="has no token"):
        call_command("api_token", "revoke", "coord@birch.test", "abcdef12")


def test_the_token_page_creates_shows_once_and_revokes(world: World) -> None:
    client = Client()
    client.force_login(world.coordinator)

    page = client.post("/api/tokens/", {"name": "Reports"})
    assert page.status_code == 200
    key = page.context["new_key"]
    assert key in page.content.decode()
    assert page.headers["Cache-Control"] == "no-store"
    again = client.get("/api/tokens/")
    assert key not in again.content.decode()
    assert "Reports" in again.content.decode()

    token = ApiToken.objects.get()
    response = client.post(f"/api/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(key).get(PROGRAMS).status_code == 401


def test_the_token_page_hides_other_peoples_tokens(world: World) -> None:
    key_for(world.elm_coordinator)
    token = ApiToken.objects.get()
    client = Client()
    client.force_login(world.coordinator)

    assert "tests" not in client.get("/api/tokens/").content.decode().split("<table")[-1]
    assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_token_page_is_for_staff_only(world: World) -> None:
    client = Client()
    assert client.get("/api/tokens/").status_code == 302  # to the login page
    client.login(username="student@birch.test", password=PASSWORD)
    assert client.get("/api/tokens/").status_code == 403


def test_the_session_works_for_the_browsable_api_and_csrf_applies(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.coordinator)

    assert client.get(PROGRAMS).status_code == 200
    page = client.get(PROGRAMS, headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert b"Birch Tutoring" in page.content
    response = client.patch(
        f"{PROGRAMS}{world.program.pk}/", {"name": "Renamed"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    world.program.refresh_from_db()
    assert world.program.name == "Birch Tutoring"
