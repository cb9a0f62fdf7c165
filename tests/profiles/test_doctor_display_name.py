"""One display-name rule for doctors (issue 10, point 8): stored without "Dr.",
shown as "Dr. " + name everywhere (cards, the doctor's page, dashboards, lists,
notices, admin), never "Dr. Dr." and never a bare name."""

import importlib

import pytest
from django.apps import apps
from django.core.cache import cache
from django.urls import reverse

from accounts.models import User, doctor_display_name, without_doctor_title
from profiles import services
from profiles.models import DoctorProfile, Specialty
from tests.factories import (
    AdminFactory,
    AppointmentFactory,
    ClinicFactory,
    DoctorProfileFactory,
    PatientFactory,
    verified_doctor,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("Meera Journey", "Dr. Meera Journey"),
        ("Dr. Aditi Shetty", "Dr. Aditi Shetty"),
        ("Dr Aditi Shetty", "Dr. Aditi Shetty"),
        ("DR. Dr. Aditi Shetty", "Dr. Aditi Shetty"),
        ("Drishti Rao", "Dr. Drishti Rao"),
        ("", ""),
    ],
)
def test_doctor_display_name_adds_the_title_once(typed, shown):
    assert doctor_display_name(typed) == shown


def test_doctor_signed_up_without_title_is_shown_with_it(client, django_capture_on_commit_callbacks):
    form = {"full_name": "Meera Journey", "email": "meera@example.com", "password": "monsoon-tea-garden-7"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup_doctor"), form)

    user = User.objects.get(email="meera@example.com")
    assert user.doctor_profile.full_name == "Meera Journey"
    assert user.doctor_profile.display_name == "Dr. Meera Journey"
    assert str(user.doctor_profile) == "Dr. Meera Journey"
    assert user.get_full_name() == "Dr. Meera Journey"
    assert user.get_short_name() == "Dr. Meera Journey"


def test_doctor_signed_up_with_title_is_stored_without_it(client, django_capture_on_commit_callbacks):
    form = {"full_name": "Dr. Asha Rao", "email": "asha@example.com", "password": "monsoon-tea-garden-7"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup_doctor"), form)

    user = User.objects.get(email="asha@example.com")
    assert user.full_name == "Asha Rao"
    assert user.doctor_profile.full_name == "Asha Rao"
    assert user.get_full_name() == "Dr. Asha Rao"


def test_profile_form_strips_a_typed_title_without_reopening_verification(client_for):
    profile = verified_doctor(full_name="Asha Rao")
    data = {
        "full_name": "Dr. Asha Rao",
        "registration_number": profile.registration_number,
        "registration_council": profile.registration_council,
        "practising_since": profile.practising_since,
        "specialties": [s.pk for s in profile.specialties.all()],
        "languages": [lang.pk for lang in profile.languages.all()],
        "offers_online": "on",
        "fee_online": "500",
        "offers_in_person": "on",
        "fee_in_person": "700",
        "time_zone": "Asia/Kolkata",
    }

    response = client_for(profile.user).post(reverse("profiles:doctor_profile"), data)

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.full_name == "Asha Rao"
    assert profile.status == DoctorProfile.Status.VERIFIED  # the name did not change


def test_profile_form_refuses_a_title_without_a_name(client_for):
    profile = DoctorProfileFactory(full_name="Asha Rao")

    response = client_for(profile.user).post(
        reverse("profiles:doctor_profile"), {"full_name": "Dr.", "time_zone": "Asia/Kolkata"}
    )

    assert response.status_code == 400
    assert "Please enter your name as on your medical registration." in response.content.decode()
    profile.refresh_from_db()
    assert profile.full_name == "Asha Rao"


def test_signed_up_doctor_is_dr_on_page_card_and_search_by_dr_name(client):
    doctor = verified_doctor(full_name="Meera Journey")
    ClinicFactory(doctor=doctor)
    services.doctor_search_text_refresh(profile=doctor)

    page = client.get(reverse("profiles:doctor_page", args=[doctor.slug])).content.decode()
    results = client.get("/doctors/", {"q": "dr meera journey"})

    assert '<h1 id="doctor-name">Dr. Meera Journey ' in page
    assert "<title>Dr. Meera Journey" in page
    assert [card.name for card in results.context["results"].cards] == ["Dr. Meera Journey"]
    assert "Dr. Dr." not in results.content.decode()


def test_patient_lists_and_appointment_page_say_dr(client_for):
    doctor = verified_doctor(full_name="Meera Journey")
    appointment = AppointmentFactory(doctor=doctor, patient=PatientFactory())
    client = client_for(appointment.patient)

    listing = client.get(reverse("appointments:patient_list")).content.decode()
    detail = client.get(reverse("appointments:detail", args=[appointment.pk])).content.decode()

    assert "Dr. Meera Journey" in listing
    assert "Dr. Meera Journey" in detail
    assert "Dr. Dr." not in listing + detail


def test_doctor_dashboard_welcomes_with_title(client_for):
    doctor = DoctorProfileFactory(full_name="Meera Journey", user__full_name="Meera Journey")

    page = client_for(doctor.user).get(reverse("doctor_dashboard")).content.decode()

    assert "Welcome, Dr. Meera Journey" in page


def test_admin_lists_doctors_with_title(client_for):
    DoctorProfileFactory(full_name="Meera Journey", status=DoctorProfile.Status.PENDING)

    page = client_for(AdminFactory()).get("/admin/profiles/doctorprofile/").content.decode()

    assert "Dr. Meera Journey" in page
    assert "Dr. Dr." not in page


def test_migration_strips_stored_titles_and_the_search_documents_name_line():
    doctor = DoctorProfileFactory()
    specialty = Specialty.objects.first()
    DoctorProfile.objects.filter(pk=doctor.pk).update(
        full_name="Dr. Aditi Shetty", search_text=f"Dr. Aditi Shetty\n{specialty.name}"
    )
    User.objects.filter(pk=doctor.user_id).update(full_name="Dr. Aditi Shetty")
    drishti = DoctorProfileFactory(full_name="Drishti Rao")
    migration = importlib.import_module("profiles.migrations.0010_doctor_names_without_title")

    migration.strip_titles(apps, None)

    doctor.refresh_from_db()
    drishti.refresh_from_db()
    assert doctor.full_name == "Aditi Shetty"
    assert doctor.search_text == f"Aditi Shetty\n{specialty.name}"
    assert User.objects.get(pk=doctor.user_id).full_name == "Aditi Shetty"
    assert drishti.full_name == "Drishti Rao"
    assert without_doctor_title("Dr. Aditi Shetty") == "Aditi Shetty"


def test_patient_notice_email_and_calendar_name_the_doctor_with_title(django_capture_on_commit_callbacks):
    from django.core import mail

    from appointments.notices import notify_accepted
    from core.models import Notification

    appointment = AppointmentFactory(doctor=verified_doctor(full_name="Meera Journey"))

    with django_capture_on_commit_callbacks(execute=True):
        notify_accepted(appointment)

    notice = Notification.objects.get(user=appointment.patient, kind="appointment.confirmed")
    assert notice.title == "Dr. Meera Journey accepted your booking"
    [email] = mail.outbox
    assert "Dr. Meera Journey accepted your booking" in email.subject + email.body
    [(_, ics, _)] = email.attachments
    assert "with Dr. Meera Journey" in (ics if isinstance(ics, str) else ics.decode())
    assert "Dr. Dr." not in email.body
