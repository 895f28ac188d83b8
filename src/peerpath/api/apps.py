from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "peerpath.api"
    label = "api"
    verbose_name = _("REST API")

    def ready(self) -> None:
        from peerpath.api.services import api_tokens_revoke_for_users
        from peerpath.core.deactivation import register_access_revoker

        register_access_revoker("api_tokens", api_tokens_revoke_for_users)
