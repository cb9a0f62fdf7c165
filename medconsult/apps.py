from django.apps import AppConfig


class MedconsultConfig(AppConfig):
    name = "medconsult"
    verbose_name = "MedConsult"

    def ready(self):
        from medconsult.admin import rollup

        rollup.connect()
