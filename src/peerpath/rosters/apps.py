from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RostersConfig(AppConfig):
    name = "peerpath.rosters"
    label = "rosters"
    verbose_name = _("Roster imports")
    # Called by ``peerpath worker`` every minute or so: discard unconfirmed uploads
    # after a day, fail runs whose worker died, delete orphaned upload folders.
    periodic_steps = ("peerpath.rosters.uploads.roster_uploads_tidy",)
