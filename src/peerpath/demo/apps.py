"""App configuration for the demo school."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "peerpath.demo"
    label = "demo"
    verbose_name = _("Demo school")
