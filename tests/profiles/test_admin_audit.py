"""Every staff change to a doctor in admin is in the audit log."""

import pytest
from django.contrib import admin
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from core.models import AuditLog
from profiles.models import DoctorProfile
from tests.factories import verified_doctor

pytestmark = pytest.mark.django_db


def test_staff_editing_a_doctor_in_admin_is_audited_with_the_fields_changed(staff):
    profile = verified_doctor(full_name="Dr. Asha Rao")
    model_admin = admin.site._registry[DoctorProfile]
    request = RequestFactory().post("/")
    request.user = staff
    request.session = {}
    request._messages = FallbackStorage(request)
    form_class = model_admin.get_form(request, profile, change=True)
    data = {**form_class(instance=profile).initial, "bio": "New bio", "fee_online": 60000}
    data["specialties"] = [s.pk for s in profile.specialties.all()]
    data["languages"] = [lang.pk for lang in profile.languages.all()]
    form = form_class({k: v for k, v in data.items() if v is not None}, instance=profile)
    assert form.is_valid(), form.errors

    model_admin.save_model(request, form.save(commit=False), form, change=True)

    entry = AuditLog.objects.get(action="doctor.edited_by_staff")
    assert (entry.actor, entry.subject, entry.target_id) == (staff, profile.user, str(profile.pk))
    assert entry.detail == "Changed: bio, fee_online"
