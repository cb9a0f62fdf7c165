"""Review of issue 9, point 9: seed_demo run again after a demo doctor removed
(archived) a clinic keeps it removed: no duplicate clinic, no hours back at it."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from appointments.models import AvailabilityRule
from medconsult.management.commands.seed_demo import DEMO_DOCTOR
from profiles.models import Clinic, Mode

pytestmark = pytest.mark.django_db


def test_second_seed_keeps_an_archived_demo_clinic_archived_and_single(settings):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    clinic = Clinic.objects.filter(doctor__user__email=DEMO_DOCTOR).order_by("name").last()
    # As clinic_remove leaves a clinic with past bookings: archived, its hours gone.
    AvailabilityRule.objects.filter(clinic=clinic).delete()
    Clinic.objects.filter(pk=clinic.pk).update(archived_at=timezone.now())

    call_command("seed_demo", verbosity=0, stdout=io.StringIO())

    same_name = Clinic._base_manager.filter(doctor=clinic.doctor, name=clinic.name)
    assert [c.pk for c in same_name] == [clinic.pk]
    assert same_name.get().archived_at is not None
    assert not Clinic.objects.filter(pk=clinic.pk).exists()
    assert not AvailabilityRule.objects.filter(clinic=clinic).exists()
    assert not AvailabilityRule.objects.filter(
        doctor=clinic.doctor, mode=Mode.IN_PERSON, clinic__isnull=True
    ).exists()
