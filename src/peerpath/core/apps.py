from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "peerpath.core"
    label = "core"
    verbose_name = _("Organizations and accounts")
    #: Called by ``peerpath worker`` (peerpath.matching.management.commands.worker).
    periodic_steps = ("peerpath.core.emails.outbox_send_due",)
