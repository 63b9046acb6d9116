from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared helpers that import no other app of the project (an import-linter contract)."""

    name = "core"
    verbose_name = "Core"
