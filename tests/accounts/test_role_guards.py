import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

# Every role-specific page and the only role allowed on it.
GUARDED = [("patient_dashboard", "patient"), ("doctor_dashboard", "doctor")]
PERSONAS = ["patient", "other_patient", "doctor", "other_doctor", "staff"]


@pytest.mark.parametrize(("url_name", "_role"), GUARDED)
def test_role_pages_send_anonymous_users_to_login(client, url_name, _role):
    url = reverse(url_name)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize(("url_name", "role"), GUARDED)
@pytest.mark.parametrize("persona", PERSONAS)
def test_role_pages_forbid_other_roles(client_for, request, url_name, role, persona):
    user = request.getfixturevalue(persona)

    response = client_for(user).get(reverse(url_name))

    if user.role.lower() == role:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "You can’t open this page" in response.content.decode()
