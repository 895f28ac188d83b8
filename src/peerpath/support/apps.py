from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "peerpath.support"
    label = "support"
    verbose_name = _("Monitoring, support and concerns")
    # Called by ``peerpath worker`` every minute or so (see matching's worker command).
    periodic_steps = ("peerpath.support.checkins.checkin_reminders_run",)
