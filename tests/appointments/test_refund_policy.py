"""refund_due: the whole fee, half of it, or nothing, at the boundaries the settings draw."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import Appointment
from appointments.refund_policy import policy_lines, refund_due
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db
START = timezone.now().replace(microsecond=0) + timedelta(days=2)


@pytest.fixture
def paid(db):
    return AppointmentFactory(start=START, fee=50001, payment_state=Appointment.PaymentState.PAID)


@pytest.mark.parametrize(
    ("before_start", "expected"),
    [
        (timedelta(hours=30), 50001),
        (timedelta(hours=4), 50001),
        (timedelta(hours=4) - timedelta(seconds=1), 25000),
        (timedelta(hours=2), 25000),
        (timedelta(hours=2) - timedelta(seconds=1), 0),
        (timedelta(minutes=5), 0),
    ],
)
def test_refund_due_when_the_patient_cancels_follows_the_hours(paid, before_start, expected):
    assert refund_due(paid, actor=paid.patient, at=START - before_start) == expected


def test_refund_due_when_the_doctor_cancels_late_is_the_whole_fee(paid):
    assert refund_due(paid, actor=paid.doctor.user, at=START - timedelta(minutes=1)) == 50001


def test_refund_due_when_staff_or_the_system_cancels_is_the_whole_fee(paid, staff):
    assert refund_due(paid, actor=staff, at=START - timedelta(minutes=1)) == 50001
    assert refund_due(paid, actor=None, at=START - timedelta(minutes=1)) == 50001


def test_refund_due_for_an_unpaid_appointment_is_nothing(paid):
    paid.payment_state = Appointment.PaymentState.UNPAID

    assert refund_due(paid, actor=paid.doctor.user, at=START - timedelta(days=1)) == 0


def test_refund_due_and_the_policy_text_follow_the_settings(paid, settings):
    settings.REFUND_FULL_BEFORE_HOURS = 24
    settings.REFUND_PARTIAL_BEFORE_HOURS = 6
    settings.REFUND_PARTIAL_PERCENT = 25

    assert refund_due(paid, actor=paid.patient, at=START - timedelta(hours=12)) == 12500
    assert refund_due(paid, actor=paid.patient, at=START - timedelta(hours=5)) == 0
    assert policy_lines()[0].startswith("Cancel up to 24 hours before the start for a full refund; 25%")
