from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from peerpath.core.access import scope_for
from peerpath.core.models import AuditEntry, Role, RoleAssignment, User
from peerpath.core.services import organization_create, role_grant, school_create, user_create

PASSWORD = "correct-horse-battery-42"


@pytest.fixture
def district(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org = organization_create(actor=None, name="North District")
    other_org = organization_create(actor=None, name="South District")
    school = school_create(actor=None, organization=org, name="North High")
    other = school_create(actor=None, organization=other_org, name="South High")
    return org, other_org, school, other


def make_user(org, email):
    return user_create(
        actor=None,
        email=email,
        given_name="Pat",
        family_name="Example",
        organization=org,
        password=PASSWORD,
    )


def test_user_email_is_normalised_and_unique(district):
    org, *_ = district
    user = make_user(org, "Pat.Example@North.TEST")
    assert user.email == "pat.example@north.test"
    assert user.display_name == "Pat Example"
    with pytest.raises(ValidationError), transaction.atomic():
        make_user(org, "pat.example@north.test")


def test_user_without_password_cannot_log_in(district):
    org, *_ = district
    user = user_create(
        actor=None, email="np@north.test", given_name="No", family_name="Pw", organization=org
    )
    assert not user.has_usable_password()
    assert not Client().login(username="np@north.test", password="")


def test_role_grant_scopes_and_audit(district):
    org, _other_org, school, other = district
    user = make_user(org, "c@north.test")
    role_grant(actor=None, user=user, role=Role.COORDINATOR, organization=org, school=school)
    scope = scope_for(user)
    assert scope.can_manage_school(school)
    assert not scope.can_manage_school(other)
    assert scope.schools_with(Role.COORDINATOR) == frozenset({school.pk})
    assert AuditEntry.objects.filter(action="role.grant").count() == 1
    # Granting the same role again changes nothing.
    role_grant(actor=None, user=user, role=Role.COORDINATOR, organization=org, school=school)
    assert RoleAssignment.objects.filter(user=user).count() == 1
    assert AuditEntry.objects.filter(action="role.grant").count() == 1


def test_role_grant_refuses_a_school_of_another_organization(district):
    org, _other_org, _school, other = district
    user = make_user(org, "c@north.test")
    with pytest.raises(ValueError, match="does not belong"):
        role_grant(actor=None, user=user, role=Role.COORDINATOR, organization=org, school=other)
    with pytest.raises(ValueError, match="held in a school"):
        role_grant(actor=None, user=user, role=Role.STAFF, organization=org, school=None)
    assert not RoleAssignment.objects.exists()


def test_org_admin_role_is_org_wide_and_opens_the_admin_site(district):
    org, other_org, school, other = district
    user = make_user(org, "a@north.test")
    role_grant(actor=None, user=user, role=Role.ORG_ADMIN, organization=org, school=school)
    assignment = RoleAssignment.objects.get(user=user)
    assert assignment.school is None
    user.refresh_from_db()
    assert user.is_staff
    scope = scope_for(User.objects.get(pk=user.pk))
    assert scope.is_org_admin(org.pk)
    assert not scope.is_org_admin(other_org.pk)
    assert scope.can_manage_school(school)
    assert not scope.can_manage_school(other)


def test_database_refuses_a_school_role_without_a_school(district):
    org, *_ = district
    user = make_user(org, "x@north.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=user, role=Role.COORDINATOR, organization=org)


def test_admin_site_is_scoped_to_the_admins_organization(district):
    org, _other_org, school, other = district
    admin = make_user(org, "a@north.test")
    role_grant(actor=None, user=admin, role=Role.ORG_ADMIN, organization=org, school=None)
    coordinator = make_user(org, "c@north.test")
    role_grant(actor=None, user=coordinator, role=Role.COORDINATOR, organization=org, school=school)

    client = Client()
    client.login(username="a@north.test", password=PASSWORD)
    response = client.get("/admin/core/school/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "North High" in body
    assert "South High" not in body
    assert client.get(f"/admin/core/school/{other.pk}/change/").status_code == 302  # not found
    users = client.get("/admin/core/user/").content.decode()
    assert "c@north.test" in users

    client = Client()
    client.login(username="c@north.test", password=PASSWORD)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
