from django.apps import AppConfig


class TwinningConfig(AppConfig):
    """The project: settings, root URLs, the home page. The apps register their own models
    with the shared helpers (the page cache, the text checks) in their AppConfig.ready()."""

    name = "twinning"
    verbose_name = "Twinning"

    def ready(self):
        from core.roles import register_setup

        from .roles import setup_roles

        register_setup(setup_roles)
