from payments.views import urlpatterns

app_name = "payments"

__all__ = ["app_name", "urlpatterns"]
