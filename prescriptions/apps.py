from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PrescriptionsConfig(AppConfig):
    name = "prescriptions"
    verbose_name = "Prescriptions"

    def ready(self):
        from prescriptions.catalogue import load_after_migrate

        # After migrate and after every flush (tests): the catalogue is reference data.
        post_migrate.connect(load_after_migrate, sender=self, dispatch_uid="prescriptions_catalogue")
