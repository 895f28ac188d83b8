"""Per-user API tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """
    A secret that lets a program call the API as one user.

    The full token (``pp_<prefix>_<secret>``) is shown once, when it is made;
    only the public ``prefix`` (to find the row) and a SHA-256 hash of the
    secret are stored. The secret is 256 random bits, so a fast hash is
    enough: there is nothing to brute-force that a slow hash would protect.
    A revoked token is kept, for the audit trail, and never accepted again.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} (pp_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
