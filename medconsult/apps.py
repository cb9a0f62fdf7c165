from django.apps import AppConfig


class MedconsultConfig(AppConfig):
    name = "medconsult"
    verbose_name = "MedConsult"
