from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = "Profiles"

    def ready(self):
        from accounts.signals import user_registered
        from profiles.services import on_user_registered

        user_registered.connect(on_user_registered, dispatch_uid="profiles.create_profile")
