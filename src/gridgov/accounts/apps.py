from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "gridgov.accounts"
    label = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from gridgov.accounts.middleware import stamp_sign_in

        # Session plumbing, not business logic: a new session starts with its "last seen".
        user_logged_in.connect(stamp_sign_in, dispatch_uid="gridgov_idle_stamp")
