from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "peerpath.matching"
    label = "matching"
    verbose_name = _("Matching, matches and closure")
    periodic_steps = ("peerpath.matching.buddies.buddy_overdue_flag",)
