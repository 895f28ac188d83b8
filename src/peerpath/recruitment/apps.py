from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecruitmentConfig(AppConfig):
    name = "peerpath.recruitment"
    label = "recruitment"
    verbose_name = _("Recruitment and screening")

    def ready(self) -> None:
        from peerpath.programs.lifecycle import (
            register_readiness_check,
            register_readiness_listener,
        )
        from peerpath.recruitment.readiness import consent_missing, screening_missing
        from peerpath.recruitment.services import promote_when_ready

        register_readiness_check("consent", consent_missing)
        register_readiness_check("screening", screening_missing)
        register_readiness_listener("promote", promote_when_ready)
