from django.contrib.admin.apps import AdminConfig


class MedConsultAdminConfig(AdminConfig):
    """Django admin with MedConsult's own site (medconsult.admin.site)."""

    default_site = "medconsult.admin.site.MedConsultAdminSite"
