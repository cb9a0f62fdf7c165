"""Staff edits of a doctor in Django admin keep the derived data current (bug
1.4): the search document at once, the next free slot per mode after commit,
as the doctor's own edits through profiles.services do."""

from datetime import time

import pytest
from django.urls import reverse

from appointments.next_available import refresh_doctor
from profiles.models import Locality, Mode, Specialty
from tests.factories import AdminFactory, AvailabilityRuleFactory, verified_doctor

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctor():
    """Verified, offering video (09:00-13:00 every day) and clinic visits, its derived data current."""
    doctor = verified_doctor(full_name="Dr. Asha Rao")
    for weekday in range(7):
        AvailabilityRuleFactory(doctor=doctor, weekday=weekday, start=time(9), end=time(13), mode=Mode.ONLINE)
    refresh_doctor(doctor.pk)
    doctor.refresh_from_db()
    return doctor


def change_url(doctor):
    return reverse("admin:profiles_doctorprofile_change", args=[doctor.pk])


def admin_form(response, **changes):
    """The change page's form as the browser would post it, with `changes` (by field name)."""
    data = {}

    def add(bound):
        if getattr(bound.field.widget, "input_type", None) == "file":
            return
        value = bound.value()
        if isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        elif value is not None:
            data[bound.html_name] = str(value)

    form = response.context["adminform"].form
    for name in form.fields:
        add(form[name])
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            add(formset.management_form[name])
        for inline_form in formset.forms:
            for name in inline_form.fields:
                add(inline_form[name])
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def admin_save(client, doctor, callbacks, **changes):
    form = admin_form(client.get(change_url(doctor)), **changes)
    with callbacks(execute=True):
        response = client.post(change_url(doctor), form)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    doctor.refresh_from_db()
    return response


@pytest.fixture
def staff_client(client_for):
    return client_for(AdminFactory())


def test_admin_specialty_change_refreshes_search_text(
    staff_client, doctor, django_capture_on_commit_callbacks
):
    cardiologist = Specialty.objects.get(slug="cardiologist")
    assert "Cardiologist" not in doctor.search_text

    admin_save(staff_client, doctor, django_capture_on_commit_callbacks, specialties=[str(cardiologist.pk)])

    assert "Cardiologist" in doctor.search_text
    assert "Dermatologist" not in doctor.search_text


def test_admin_clinic_edit_refreshes_search_text(staff_client, doctor, django_capture_on_commit_callbacks):
    baner = Locality.objects.get(city__slug="pune", slug="baner")
    assert "Baner" not in doctor.search_text

    admin_save(
        staff_client,
        doctor,
        django_capture_on_commit_callbacks,
        **{
            "clinics-0-name": "Riverside Care",
            "clinics-0-city": str(baner.city_id),
            "clinics-0-locality": str(baner.pk),
        },
    )

    assert "Riverside Care\nBaner\nPune" in doctor.search_text


def test_admin_turning_off_video_clears_next_online(staff_client, doctor, django_capture_on_commit_callbacks):
    assert doctor.next_online_at is not None

    admin_save(staff_client, doctor, django_capture_on_commit_callbacks, offers_online=False)

    assert doctor.offers_online is False
    assert doctor.next_online_at is None


def test_admin_time_zone_change_moves_next_online(staff_client, doctor, django_capture_on_commit_callbacks):
    before = doctor.next_online_at

    admin_save(staff_client, doctor, django_capture_on_commit_callbacks, time_zone="America/New_York")

    # 09:00 in New York is never 09:00 in India: the first slot moved at once.
    assert doctor.time_zone == "America/New_York"
    assert doctor.next_online_at is not None
    assert doctor.next_online_at != before


def test_admin_offers_no_clinic_delete_box(staff_client, doctor):
    # Removing a clinic depends on its bookings; only the doctor's remove flow checks them.
    response = staff_client.get(change_url(doctor))

    assert response.status_code == 200
    assert 'name="clinics-0-name"' in response.content.decode()
    assert 'name="clinics-0-DELETE"' not in response.content.decode()
