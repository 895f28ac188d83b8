"""Writes for organizations, schools, users and roles."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from peerpath.core.access import forget_scope
from peerpath.core.audit import audit_record, snapshot
from peerpath.core.deactivation import users_access_end
from peerpath.core.models import Organization, Role, RoleAssignment, School, User


@transaction.atomic
def organization_create(
    *, actor: User | None, name: str, slug: str = "", kind: str = Organization.Kind.DISTRICT
) -> Organization:
    organization = Organization(name=name, slug=slug or slugify(name)[:80], kind=kind)
    organization.full_clean()
    organization.save()
    audit_record(
        actor=actor,
        action="organization.create",
        target=organization,
        organization=organization,
        after=snapshot(organization, ["name", "slug", "kind"]),
    )
    return organization


@transaction.atomic
def school_create(
    *, actor: User | None, organization: Organization, name: str, slug: str = ""
) -> School:
    school = School(organization=organization, name=name, slug=slug or slugify(name)[:80])
    school.full_clean()
    school.save()
    audit_record(
        actor=actor,
        action="school.create",
        target=school,
        organization=organization,
        after=snapshot(school, ["organization", "name", "slug"]),
    )
    return school


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    email: str,
    given_name: str,
    family_name: str,
    organization: Organization | None,
    password: str | None = None,
    preferred_name: str = "",
) -> User:
    """
    Create a user who logs in with ``email`` (no password: cannot log in yet).

    A password must pass ``AUTH_PASSWORD_VALIDATORS`` (length, not a common
    password, not like the person's name or e-mail).
    """
    user = User(
        email=User.objects.normalize_email(email).lower(),
        given_name=given_name,
        family_name=family_name,
        preferred_name=preferred_name,
        organization=organization,
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from error
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(
        actor=actor,
        action="user.create",
        target=user,
        organization=organization,
        after=snapshot(user, ["email", "given_name", "family_name", "organization"]),
    )
    return user


@transaction.atomic
def role_grant(
    *, actor: User | None, user: User, role: str, organization: Organization, school: School | None
) -> RoleAssignment:
    """Give ``user`` a staff role; organization admins also get the admin site."""
    if role == Role.ORG_ADMIN:
        school = None
    elif school is None:
        raise ValueError("Roles other than organization admin are held in a school.")
    elif school.organization_id != organization.pk:
        raise ValueError("The school does not belong to the organization.")
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, organization=organization, school=school
    )
    if role == Role.ORG_ADMIN and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    if created:
        audit_record(
            actor=actor,
            action="role.grant",
            target=assignment,
            organization=organization,
            after=snapshot(assignment, ["user", "role", "organization", "school"]),
        )
    forget_scope(user)
    return assignment


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    """
    Remember the language ``user`` reads Peerpath in (a code of ``LANGUAGES``,
    or ``""`` to follow the browser); e-mails to them use it too.
    """
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose a language Peerpath offers.")})
    if user.preferred_language == language:
        return user
    before = snapshot(user, ["preferred_language"])
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])
    audit_record(
        actor=user,
        action="user.set_language",
        target=user,
        organization=user.organization,
        before=before,
        after=snapshot(user, ["preferred_language"]),
    )
    return user


@transaction.atomic
def user_deactivate(*, actor: User | None, user: User) -> User:
    """
    Stop ``user`` logging in, and end their access at once: every session,
    every API token and calendar feed link (``users_access_end``).

    Deactivating someone already inactive still ends whatever access is left.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    was_active = user.is_active
    if was_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    ended = users_access_end(actor=actor, user_ids=[user.pk])
    if was_active or any(ended.values()):
        audit_record(
            actor=actor,
            action="user.deactivate",
            target=user,
            organization=user.organization,
            before={"is_active": was_active},
            after={"is_active": False, **{f"ended_{k}": v for k, v in ended.items()}},
        )
    forget_scope(user)
    return user
