from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "peerpath.training"
    label = "training"
    verbose_name = _("Training")

    def ready(self) -> None:
        from peerpath.programs.lifecycle import register_readiness_check
        from peerpath.training.selectors import training_missing

        register_readiness_check("training", training_missing)
