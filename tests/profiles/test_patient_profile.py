import pytest
from django.urls import reverse

from tests.factories import CityFactory, PatientProfileFactory

pytestmark = pytest.mark.django_db


def test_patient_edits_details_from_dashboard(client_for):
    profile = PatientProfileFactory(full_name="Priya Nair")
    pune = CityFactory(name="Pune")
    client = client_for(profile.user)

    assert reverse("profiles:patient_profile") in client.get(reverse("patient_dashboard")).content.decode()
    response = client.post(
        reverse("profiles:patient_profile"),
        {
            "full_name": "Priya S. Nair",
            "date_of_birth": "1992-03-14",
            "gender": "FEMALE",
            "phone": "+91 98220 00000",
            "city": pune.pk,
            "time_zone": "Asia/Kolkata",
            "blood_group": "O+",
            "allergies": "Penicillin",
            "chronic_conditions": "Asthma",
            "emergency_contact_name": "Anil Nair",
            "emergency_contact_phone": "+91 98220 11111",
        },
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.full_name, profile.blood_group, profile.allergies, profile.city) == (
        "Priya S. Nair",
        "O+",
        "Penicillin",
        pune,
    )
    profile.user.refresh_from_db()
    assert profile.user.full_name == "Priya S. Nair"


def test_patient_details_errors_inline_and_nothing_saved(client_for):
    profile = PatientProfileFactory(full_name="Priya Nair")

    response = client_for(profile.user).post(
        reverse("profiles:patient_profile"),
        {"full_name": "", "date_of_birth": "2999-01-01", "time_zone": "Mars/Olympus", "blood_group": "Z"},
    )

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"full_name", "date_of_birth", "time_zone", "blood_group"}
    profile.refresh_from_db()
    assert profile.full_name == "Priya Nair"


def test_patient_profile_is_created_when_missing(client_for, patient):
    response = client_for(patient).get(reverse("profiles:patient_profile"))

    assert response.status_code == 200
    assert patient.patient_profile.full_name == patient.full_name


@pytest.mark.parametrize("persona", ["doctor", "staff"])
def test_patient_profile_page_is_for_patients(client_for, request, persona):
    response = client_for(request.getfixturevalue(persona)).get(reverse("profiles:patient_profile"))

    assert response.status_code == 403


@pytest.mark.parametrize("url_name", ["profiles:doctor_profile"])
@pytest.mark.parametrize("persona", ["patient", "staff"])
def test_doctor_onboarding_is_for_doctors(client_for, request, persona, url_name):
    response = client_for(request.getfixturevalue(persona)).get(reverse(url_name))

    assert response.status_code == 403
