import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_page_invites_patients_and_doctors(client, django_assert_num_queries):
    client.get(reverse("home"))  # fills the reference-data cache

    with django_assert_num_queries(0):
        response = client.get(reverse("home"))

    page = response.content.decode()
    assert response.status_code == 200
    assert '<form class="hero-search" action="/doctors/" method="get"' in page
    assert 'name="q"' in page
    assert reverse("accounts:signup") in page
    assert reverse("accounts:signup_doctor") in page


def test_pages_carry_security_headers_and_no_inline_script(client):
    response = client.get(reverse("home"))

    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    page = response.content.decode()
    assert "<script>" not in page
    assert " style=" not in page


def test_header_navigation_depends_on_role(client_for, patient, doctor):
    patient_page = client_for(patient).get(reverse("home")).content.decode()
    assert f'href="{reverse("patient_dashboard")}"' in patient_page
    assert reverse("appointments:patient_list") in patient_page
    assert 'name="q"' in patient_page

    doctor_page = client_for(doctor).get(reverse("home")).content.decode()
    assert f'href="{reverse("patient_dashboard")}"' not in doctor_page
    assert 'id="header-q"' not in doctor_page
    assert reverse("doctor_dashboard") in doctor_page
    assert reverse("appointments:doctor_list") in doctor_page


def test_unknown_page_is_a_styled_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "We couldn’t find that page" in response.content.decode()


def test_htmx_requests_send_csrf_token_in_header(client):
    page = client.get(reverse("home")).content.decode()

    assert 'hx-headers=\'{"X-CSRFToken": "' in page


def test_server_error_page_renders_without_a_request_context(client):
    from django.views.defaults import server_error

    response = server_error(client.get("/").wsgi_request)

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
