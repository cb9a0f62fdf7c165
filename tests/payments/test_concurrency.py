"""The callback and the webhook arriving at the same moment, on PostgreSQL with real threads."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from appointments import services as appointment_services
from appointments.models import Appointment
from core.models import Notification
from core.notifications import deliver_due_emails
from payments import services
from payments.models import Payment
from profiles.models import Mode
from tests.factories import PatientFactory, bookable_doctor
from tests.payments.conftest import checkout_fields, event_body, online_slot


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_callback_and_webhook_confirm_once_notify_once_and_schedule_reminders_once():
    doctor = bookable_doctor()
    patient = PatientFactory()
    slot = online_slot(doctor)
    appointment = appointment_services.appointment_book(
        patient=patient, doctor=doctor, start=slot.start, mode=Mode.ONLINE, reason="Fever"
    )
    payment = services.payment_start(appointment=appointment)
    Notification.objects.update(email_status="SENT")
    mail.outbox.clear()
    fields = checkout_fields(payment)
    body = event_body("payment.captured", payment=payment)
    from django.conf import settings

    from payments.gateway import sign

    barrier = threading.Barrier(2)
    errors = []

    def callback():
        try:
            barrier.wait()
            services.payment_callback(
                payment=payment,
                order_id=fields["razorpay_order_id"],
                payment_id=fields["razorpay_payment_id"],
                signature=fields["razorpay_signature"],
            )
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    def webhook():
        try:
            barrier.wait()
            status = services.webhook_receive(
                body=body, signature=sign(body, settings.RAZORPAY_WEBHOOK_SECRET), event_id="evt_race"
            )
            assert status == 200
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=callback), threading.Thread(target=webhook)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.CAPTURED
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
    assert appointment.events.filter(to_status=Appointment.Status.CONFIRMED).count() == 1
    assert Notification.objects.filter(user=patient, kind="appointment.confirmed").count() == 1
    assert Notification.objects.filter(user=patient, kind__startswith="appointment.reminder.").count() == 2
    Notification.objects.update(send_after=timezone.now() - timedelta(seconds=1))
    deliver_due_emails()
    confirmations = [m for m in mail.outbox if m.to == [patient.email] and m.subject.startswith("Booked")]
    assert len(confirmations) == 1
