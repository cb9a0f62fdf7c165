import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from core.permissions_policy import DEFAULT_POLICY, allow_features


@pytest.mark.django_db
def test_permissions_policy_denies_camera_and_microphone_by_default(client):
    response = client.get("/")

    policy = response["Permissions-Policy"]
    assert "camera=()" in policy
    assert "microphone=()" in policy
    assert policy == DEFAULT_POLICY


def test_allow_features_lets_only_the_decorated_view_use_them():
    @allow_features("camera", "microphone")
    def view(request):
        return HttpResponse("ok")

    response = view(RequestFactory().get("/"))

    policy = response["Permissions-Policy"]
    assert "camera=(self)" in policy
    assert "microphone=(self)" in policy
    assert "geolocation=()" in policy


def test_allow_features_refuses_an_unknown_feature():
    with pytest.raises(ValueError, match="teleport"):
        allow_features("teleport")
