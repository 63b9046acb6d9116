from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared helpers that import no other app of the project (an import-linter contract)."""

    name = "core"
    verbose_name = _("Core")

    def ready(self):
        # Celery's autodiscovery imports each app's `tasks` module only; core's e-mail task
        # lives beside its helper.
        from . import mail  # noqa: F401
