"""appointment_confirm_payment: the one transition payments makes, and how it refuses."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments import lifecycle, services, signals
from appointments.models import Appointment
from core.models import Notification
from profiles.models import Mode
from tests.appointments.conftest import next_slot
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db
Status = Appointment.Status


@pytest.fixture
def held(clinic_doctor, booker):
    slot = next_slot(clinic_doctor, Mode.ONLINE)
    return services.appointment_book(
        patient=booker, doctor=clinic_doctor, start=slot.start, mode=slot.mode, reason="Rash"
    )


def lapse(appointment):
    Appointment.objects.filter(pk=appointment.pk).update(
        hold_expires_at=timezone.now() - timedelta(minutes=1)
    )
    appointment.refresh_from_db()
    return appointment


def test_confirm_payment_confirms_a_held_slot_like_an_in_person_booking(
    held, booker, clinic_doctor, django_capture_on_commit_callbacks
):
    confirmed = []

    def receiver(appointment, **kwargs):
        confirmed.append(appointment.pk)

    signals.appointment_confirmed.connect(receiver, dispatch_uid="test-confirm-payment")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.appointment_confirm_payment(appointment=held, payment_ref="pay_1")
    finally:
        signals.appointment_confirmed.disconnect(dispatch_uid="test-confirm-payment")

    held.refresh_from_db()
    assert (held.status, held.payment_state, held.payment_ref) == (Status.CONFIRMED, "PAID", "pay_1")
    event = held.events.order_by("-id").first()
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        Status.PENDING_PAYMENT,
        Status.CONFIRMED,
        None,
        "Payment received",
    )
    patient_note = Notification.objects.get(user=booker, kind="appointment.confirmed")
    doctor_note = Notification.objects.get(user=clinic_doctor.user, kind="appointment.booked")
    assert patient_note.email_attachment_name == doctor_note.email_attachment_name == "appointment.ics"
    assert Notification.objects.filter(user=booker, kind__startswith="appointment.reminder.").count() == 2
    assert confirmed == [held.pk]


def test_confirm_payment_twice_with_the_same_ref_changes_nothing_more(held, booker):
    services.appointment_confirm_payment(appointment=held, payment_ref="pay_1")

    services.appointment_confirm_payment(appointment=held, payment_ref="pay_1")

    assert held.events.filter(to_status=Status.CONFIRMED).count() == 1
    assert Notification.objects.filter(user=booker, kind="appointment.confirmed").count() == 1


def test_confirm_payment_with_another_ref_on_a_confirmed_appointment_is_refused(held):
    services.appointment_confirm_payment(appointment=held, payment_ref="pay_1")

    with pytest.raises(services.PaymentNotApplied, match="already paid"):
        services.appointment_confirm_payment(appointment=held, payment_ref="pay_2")

    held.refresh_from_db()
    assert held.payment_ref == "pay_1"


def test_confirm_payment_after_expiry_with_the_slot_free_confirms(held):
    lapse(held)
    services.expire_lapsed()
    held.refresh_from_db()
    assert held.status == Status.EXPIRED

    services.appointment_confirm_payment(appointment=held, payment_ref="pay_late")

    held.refresh_from_db()
    assert (held.status, held.payment_state) == (Status.CONFIRMED, "PAID")


def test_confirm_payment_after_expiry_with_the_slot_taken_is_refused(held, clinic_doctor):
    lapse(held)
    services.appointment_book(
        patient=PatientFactory(), doctor=clinic_doctor, start=held.start, mode=Mode.ONLINE, reason="Fever"
    )
    held.refresh_from_db()
    assert held.status == Status.EXPIRED

    with pytest.raises(services.PaymentNotApplied, match="booked by someone else"):
        services.appointment_confirm_payment(appointment=held, payment_ref="pay_late")

    held.refresh_from_db()
    assert (held.status, held.payment_state) == (Status.EXPIRED, "UNPAID")


def test_confirm_payment_after_the_start_is_refused(held):
    Appointment.objects.filter(pk=held.pk).update(
        start=timezone.now() - timedelta(minutes=1), end=timezone.now() + timedelta(minutes=29)
    )

    with pytest.raises(services.PaymentNotApplied, match="after the appointment's start"):
        services.appointment_confirm_payment(appointment=held, payment_ref="pay_1")

    held.refresh_from_db()
    assert held.status == Status.PENDING_PAYMENT


def test_confirm_payment_for_a_cancelled_appointment_is_refused(held, booker):
    services.appointment_cancel(appointment=held, actor=booker, reason="Changed my mind")

    with pytest.raises(services.PaymentNotApplied, match="cancelled"):
        services.appointment_confirm_payment(appointment=held, payment_ref="pay_1")

    held.refresh_from_db()
    assert (held.status, held.payment_state) == (Status.CANCELLED, "UNPAID")


def test_confirm_payment_is_the_systems_move_only(held, booker):
    with pytest.raises(lifecycle.Refused) as refused:
        lifecycle.check(held, action="confirm_payment", actor=booker, now=timezone.now())

    assert refused.value.kind == "party"
    assert "confirm_payment" not in services.available_actions(held, booker)


def test_set_payment_state_records_what_payments_says(held):
    services.appointment_set_payment_state(appointment=held, state="REFUND_PENDING")

    held.refresh_from_db()
    assert held.payment_state == Appointment.PaymentState.REFUND_PENDING
