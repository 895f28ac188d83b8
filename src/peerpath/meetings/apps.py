from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "peerpath.meetings"
    label = "meetings"
    verbose_name = _("Sessions, goals and calendars")
    # Called by ``peerpath worker`` every minute or so (see matching's worker command).
    periodic_steps = ("peerpath.meetings.reminders.reminders_enqueue_due",)

    def ready(self) -> None:
        from peerpath.core.deactivation import register_access_revoker
        from peerpath.meetings.services import calendar_feeds_revoke_for_users

        register_access_revoker("calendar_feeds", calendar_feeds_revoke_for_users)
