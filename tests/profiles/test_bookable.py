"""The bookable-doctor rule (DoctorProfile.objects.bookable()) and the doctor's
offer by mode (offers / fee), each written once on the model."""

import pytest

from profiles.models import DoctorProfile, Mode
from tests.factories import DoctorProfileFactory, verified_doctor

pytestmark = pytest.mark.django_db


def test_bookable_includes_only_verified_doctors_with_an_active_account():
    bookable = verified_doctor(full_name="Dr. Bookable")
    verified_doctor(full_name="Dr. Deactivated", user__is_active=False)
    DoctorProfileFactory(full_name="Dr. Draft")
    DoctorProfileFactory(full_name="Dr. Pending", status=DoctorProfile.Status.PENDING)

    found = list(DoctorProfile.objects.bookable().values_list("full_name", flat=True))

    assert found == [bookable.full_name]


def test_with_bookable_annotates_every_doctor_by_the_same_rule():
    verified_doctor(full_name="Dr. Bookable")
    verified_doctor(full_name="Dr. Deactivated", user__is_active=False)
    DoctorProfileFactory(full_name="Dr. Draft")

    flags = dict(DoctorProfile.objects.with_bookable().values_list("full_name", "is_bookable"))

    # Names are stored without "Dr." (added on display).
    assert flags == {"Bookable": True, "Deactivated": False, "Draft": False}


def test_offers_and_fee_follow_the_doctor_offer_per_mode():
    doctor = DoctorProfileFactory.build(
        offers_online=True, fee_online=50000, offers_in_person=False, fee_in_person=None
    )

    assert (doctor.offers(Mode.ONLINE), doctor.offers(Mode.IN_PERSON)) == (True, False)
    assert (doctor.fee(Mode.ONLINE), doctor.fee(Mode.IN_PERSON)) == (50000, 0)
    assert doctor.modes == [Mode.ONLINE]


def test_offers_accepts_the_stored_value_of_a_mode():
    doctor = DoctorProfileFactory.build(offers_in_person=True, fee_in_person=70000)

    assert doctor.offers("IN_PERSON") is True
    assert doctor.fee("IN_PERSON") == 70000
