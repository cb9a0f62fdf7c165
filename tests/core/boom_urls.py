"""The project's URLs plus one view that fails, for the 5xx log tests."""

from django.contrib.auth.decorators import login_required
from django.urls import path

from medconsult.urls import urlpatterns as project_urlpatterns


@login_required
def boom(request):
    raise RuntimeError("the view failed")


urlpatterns = [path("boom/", boom), *project_urlpatterns]
