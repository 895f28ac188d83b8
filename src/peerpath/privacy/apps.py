from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "peerpath.privacy"
    label = "privacy"
    verbose_name = _("Privacy rights, retention and backups")
    # Called by ``peerpath worker`` (see matching's worker command): deletes
    # what has outlived its retention period (docs/privacy.md).
    periodic_steps = ("peerpath.privacy.retention.retention_purge_step",)
