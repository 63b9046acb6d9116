from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Staff accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .twofactor import on_sign_in

        user_logged_in.connect(on_sign_in, dispatch_uid="accounts.twofactor.on_sign_in")
