from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HistoryConfig(AppConfig):
    """The history pages of every app's admin; independent of the apps (an import-linter
    contract): each app's admin opts in with HistoryAdmin."""

    name = "history"
    verbose_name = _("History")
