from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from accounts.sessions import record_login

        user_logged_in.connect(record_login, dispatch_uid="accounts.sessions.record_login")
