from django.apps import AppConfig


class TwinningConfig(AppConfig):
    name = "twinning"
    verbose_name = "Twinning"
