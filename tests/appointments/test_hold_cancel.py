"""Review of issue 9, point 5: the hold limit tells a patient to "pay for it or
cancel it", so the patient may cancel their own unpaid hold any time before
its start (nothing was paid, nothing to refund), even inside the 2-hour notice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments import services
from appointments.models import Appointment
from tests.factories import AppointmentFactory, bookable_doctor

pytestmark = pytest.mark.django_db
Status = Appointment.Status


@pytest.fixture
def hold_in_an_hour(db):
    now = timezone.now()
    return AppointmentFactory(
        doctor=bookable_doctor(),
        status=Status.PENDING_PAYMENT,
        start=now + timedelta(hours=1),
        end=now + timedelta(hours=1, minutes=30),
        hold_expires_at=now + timedelta(minutes=8),
    )


def test_patient_cancels_own_unpaid_hold_inside_the_notice_period(hold_in_an_hour):
    patient = hold_in_an_hour.patient

    assert "cancel" in services.available_actions(hold_in_an_hour, patient)
    services.appointment_cancel(appointment=hold_in_an_hour, actor=patient, reason="Booked the wrong day")

    assert Appointment.objects.get(pk=hold_in_an_hour.pk).status == Status.CANCELLED


def test_confirmed_visit_inside_the_notice_period_still_cannot_be_cancelled_by_the_patient(hold_in_an_hour):
    Appointment.objects.filter(pk=hold_in_an_hour.pk).update(status=Status.CONFIRMED, hold_expires_at=None)
    confirmed = Appointment.objects.get(pk=hold_in_an_hour.pk)

    with pytest.raises(services.BookingError, match="until 2 hours before"):
        services.appointment_cancel(appointment=confirmed, actor=confirmed.patient, reason="Busy")

    assert Appointment.objects.get(pk=confirmed.pk).status == Status.CONFIRMED
