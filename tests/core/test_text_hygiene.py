"""Control and bidi characters in typed text (core.text, core.forms.CleanTextMixin), and emails
that still go out when a stored name holds a line break."""

import inspect
from urllib.parse import urlencode

import pytest
from django import forms
from django.core import mail
from django.urls import reverse

from accounts import forms as accounts_forms
from accounts.forms import SignupForm
from appointments import availability_forms
from appointments import forms as appointments_forms
from appointments.models import Appointment
from core.forms import CleanTextMixin
from core.models import Notification
from core.notifications import deliver_email, notify
from core.text import clean_multiline, one_line, strip_bidi
from profiles import forms as profiles_forms
from profiles.forms import ClinicForm
from profiles.models import Mode
from tests.appointments.conftest import next_slot
from tests.factories import CityFactory, LocalityFactory, PatientProfileFactory, bookable_doctor

pytestmark = pytest.mark.django_db

RLO, LRI, PDI = "\u202e", "\u2066", "\u2069"
CONTROL_ERROR = "Please use plain text on one line: line breaks and other control characters are not allowed."
PATIENT_DETAILS = {
    "full_name": "Priya Nair",
    "gender": "FEMALE",
    "time_zone": "Asia/Kolkata",
    "blood_group": "O+",
    "allergies": "",
    "chronic_conditions": "",
    "emergency_contact_name": "Anil Nair",
}


# --- the helpers -------------------------------------------------------------------------------


def test_strip_bidi_removes_overrides_and_isolates_only():
    assert strip_bidi(f"Dr. {RLO}Asha{LRI} Rao{PDI} \u200f") == "Dr. Asha Rao \u200f"


def test_clean_multiline_keeps_newlines_and_drops_other_controls():
    assert clean_multiline(f"Rash\r\non both\tarms\x07{RLO}\x1b[31m") == "Rash\r\non both\tarms[31m"


def test_one_line_folds_line_breaks_into_spaces():
    assert one_line(f"Booked:\r\nBcc: someone@example.com\u2028 {RLO}") == "Booked: Bcc: someone@example.com"


# --- forms -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["Priya\r\nBcc: evil@example.com", "Priya\nNair", "Priya\tNair", "Priya\x1bNair"]
)
def test_patient_details_refuse_control_characters_in_a_name(client_for, name):
    profile = PatientProfileFactory(full_name="Priya Nair")

    response = client_for(profile.user).post(
        reverse("profiles:patient_profile"), {**PATIENT_DETAILS, "full_name": name}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["full_name"] == [CONTROL_ERROR]
    assert CONTROL_ERROR in response.content.decode()
    profile.refresh_from_db()
    assert profile.full_name == "Priya Nair"


def test_patient_details_strip_bidi_characters_and_keep_newlines_in_text_areas(client_for):
    profile = PatientProfileFactory(full_name="Priya Nair")

    response = client_for(profile.user).post(
        reverse("profiles:patient_profile"),
        {**PATIENT_DETAILS, "full_name": f"Priya {RLO}Nair", "allergies": f"Penicillin\r\nPeanuts{LRI}\x07"},
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.full_name, profile.allergies) == ("Priya Nair", "Penicillin\r\nPeanuts")


def test_a_name_of_nothing_but_bidi_characters_is_missing():
    form = SignupForm(
        {"full_name": f"{RLO}{LRI}", "email": "new@example.com", "password": "tiger-lily-harbour-42"}
    )

    assert not form.is_valid()
    assert form.errors["full_name"] == ["This field is required."]


def test_signup_refuses_a_line_break_in_the_name():
    form = SignupForm(
        {"full_name": "Priya\r\nNair", "email": "new@example.com", "password": "tiger-lily-harbour-42"}
    )

    assert not form.is_valid()
    assert form.errors["full_name"] == [CONTROL_ERROR]


def test_clinic_name_and_address_refuse_control_characters_and_lose_bidi_characters():
    pune = CityFactory(name="Pune")
    baner = LocalityFactory(name="Baner", city=pune)
    data = {"name": "Skin\nClinic", "address": f"12 {RLO}Baner Road", "city": pune.pk, "locality": baner.pk}

    refused, cleaned = ClinicForm(data), ClinicForm({**data, "name": "Skin Clinic"})

    assert not refused.is_valid()
    assert refused.errors["name"] == [CONTROL_ERROR]
    assert cleaned.is_valid(), cleaned.errors
    assert cleaned.cleaned_data["address"] == "12 Baner Road"


def test_booking_reason_keeps_its_lines_and_loses_bidi_and_control_characters(client_for, patient):
    doctor = bookable_doctor(full_name="Dr. Asha Rao")
    slot = next_slot(doctor, Mode.IN_PERSON)
    query = {"start": slot.start.isoformat(), "mode": Mode.IN_PERSON}
    url = f"{reverse('appointments:book', args=[doctor.slug])}?{urlencode(query)}"

    response = client_for(patient).post(
        url, {**query, "reason": f"Rash{RLO} on both arms\r\nsince Monday\x07"}
    )

    assert response.status_code == 302
    assert Appointment.objects.get().reason == "Rash on both arms\r\nsince Monday"


# Credentials are checked, never stored or shown; search terms are never stored.
NOT_STORED = {accounts_forms.LoginForm, accounts_forms.ResetForm}


@pytest.mark.parametrize("module", [accounts_forms, profiles_forms, appointments_forms, availability_forms])
def test_every_form_with_typed_text_cleans_it(module):
    def has_typed_text(form_class):
        return any(
            isinstance(field, forms.CharField)
            and not isinstance(field.widget, forms.PasswordInput | forms.HiddenInput)
            for field in form_class.base_fields.values()
        )

    form_classes = [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__ and cls not in NOT_STORED
    ]

    assert [cls for cls in form_classes if has_typed_text(cls) and not issubclass(cls, CleanTextMixin)] == []


# --- email -------------------------------------------------------------------------------------


def test_a_stored_subject_with_a_line_break_is_still_emailed_on_one_line(patient):
    notification = notify(user=patient, kind="test", title="Appointment booked")
    Notification.objects.filter(pk=notification.pk).update(
        email_subject="Appointment booked with Priya\r\nBcc: someone@example.com"
    )

    sent = deliver_email(notification.pk)

    assert sent is True
    assert [m.subject for m in mail.outbox] == ["Appointment booked with Priya Bcc: someone@example.com"]
    assert mail.outbox[0].bcc == []
    assert Notification.objects.get(pk=notification.pk).email_status == Notification.EmailStatus.SENT


def test_notify_stores_a_one_line_subject(patient):
    notification = notify(user=patient, kind="test", title="Booked by Priya\nNair")

    assert notification.email_subject == "Booked by Priya Nair"
    assert notification.title == "Booked by Priya\nNair"  # the in-app text is escaped HTML, not a header
