"""
Tenancy, accounts, roles, the audit log and the e-mail outbox.

An :class:`Organization` (a district or a university) holds one or more
:class:`School` objects. Every person logs in by e-mail as a :class:`User`;
what they may do comes from :class:`RoleAssignment` rows (staff roles, scoped
to an organization or a school) and from being a student or a guardian
(see ``peerpath.people``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class Organization(TimeStampedModel):
    """A district, a university or a network that runs programs in its schools."""

    class Kind(models.TextChoices):
        DISTRICT = "district", _("School district")
        UNIVERSITY = "university", _("University")
        NETWORK = "network", _("Network")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DISTRICT)
    sourced_id = models.CharField(_("roster id"), max_length=255, blank=True, default="")

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name


class School(TimeStampedModel):
    """A school or campus inside an organization."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="schools",
        verbose_name=_("organization"),
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80)
    sourced_id = models.CharField(_("roster id"), max_length=255, blank=True, default="")
    time_zone = models.CharField(_("time zone"), max_length=64, default="America/New_York")

    class Meta:
        ordering = ["name"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "slug"], name="school_slug_unique_in_org"
            )
        ]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("Users must have an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        """Log in by e-mail address, whatever its case."""
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who logs in: student, guardian, coordinator, staff or admin."""

    email = models.EmailField(_("e-mail address"), unique=True)
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    preferred_name = models.CharField(_("preferred name"), max_length=100, blank=True, default="")
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        verbose_name=_("organization"),
    )
    preferred_language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )
    sourced_id = models.CharField(_("roster id"), max_length=255, blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("admin site access"),
        default=False,
        help_text=_("Organization admins and platform operators may use the admin site."),
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["given_name", "family_name"]

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["organization", "family_name", "given_name"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return f"{self.preferred_name or self.given_name} {self.family_name}".strip()

    def get_full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def get_short_name(self) -> str:
        return self.preferred_name or self.given_name


class Role(models.TextChoices):
    ORG_ADMIN = "org_admin", _("Organization admin")
    COORDINATOR = "coordinator", _("Coordinator")
    STAFF = "staff", _("Staff (teacher or counselor)")
    SAFEGUARDING_LEAD = "safeguarding_lead", _("Safeguarding lead")


class RoleAssignment(TimeStampedModel):
    """
    A staff role held by a user.

    Organization admins hold their role for the whole organization
    (``school`` is empty); every other role is held in one school.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="role_assignments", null=True, blank=True
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "organization", "school"], name="role_assignment_unique"
            ),
            models.CheckConstraint(
                condition=Q(role="org_admin", school__isnull=True)
                | (~Q(role="org_admin") & Q(school__isnull=False)),
                name="role_assignment_scope",
            ),
        ]

    def __str__(self) -> str:
        where = self.school or self.organization
        return f"{self.user} — {self.get_role_display()} @ {where}"


class AuditEntry(models.Model):
    """One write made through a service: who did what, when, before and after."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=64)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_type}#{self.target_id}"


class UserSession(AbstractBaseSession):
    """
    A login session that knows whose it is, so that all of a person's
    sessions can be ended at once (``peerpath.core.sessions``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
        db_index=True,
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    @classmethod
    def get_session_store_class(cls) -> type[SessionBase]:
        from peerpath.core.sessions import SessionStore

        return SessionStore


class OutboundEmail(models.Model):
    """
    One e-mail of the outbox: stored with the change it announces, then sent.

    :func:`peerpath.core.emails.email_on_commit` renders the message and
    saves the row in the caller's transaction; after the commit the same
    process claims and sends it, and ``peerpath worker`` sends what that
    process did not (see ``peerpath.core.emails``). The row holds what was
    rendered, never the context: no link to a user, and the bodies are
    blanked once the message is sent.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    template = models.CharField(_("template"), max_length=100)
    language = models.CharField(_("language"), max_length=10, blank=True, default="")
    recipients = models.JSONField(_("recipients"), default=list)
    subject = models.TextField(_("subject"))
    body_text = models.TextField(_("text"), blank=True, default="")
    body_html = models.TextField(_("HTML"), blank=True, default="")
    #: The ``Message-ID`` header, the same on every attempt: a repeat after a
    #: crash is one message to the recipient's mail system.
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    #: When a pending row may next be claimed: the end of the current claim's
    #: lease, or of the wait after a failed attempt.
    next_attempt_at = models.DateTimeField(_("next attempt"))
    claimed_by = models.CharField(_("claimed by"), max_length=64, blank=True, default="")
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="")

    class Meta:
        verbose_name = _("outbound e-mail")
        verbose_name_plural = _("outbound e-mails")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="core_outbox_pending_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.template} ({self.get_status_display()}) {self.message_id}"
