from prescriptions.views import urlpatterns

app_name = "prescriptions"

__all__ = ["app_name", "urlpatterns"]
