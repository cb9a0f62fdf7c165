"""When the doctor cannot help ("needs an in-person visit") or never comes (the
doctor's no-show after the grace period): the appointment is cancelled and the
patient gets the whole fee back, through payments' own policy."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from consultations import calls, services
from consultations.models import ConsultationSession
from core.models import Notification
from payments.models import Refund
from tests.payments.conftest import checkout_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_session(client_for, payer, payment, django_capture_on_commit_callbacks):
    """A paid online consult (the room created by appointment_confirmed), starting in 5 minutes."""
    with django_capture_on_commit_callbacks(execute=True):
        client_for(payer).post(reverse("payments:callback", args=[payment.pk]), checkout_fields(payment))
    session = ConsultationSession.objects.get(appointment_id=payment.appointment_id)
    start = (timezone.now() + timedelta(minutes=5)).replace(microsecond=0)
    Appointment.objects.filter(pk=payment.appointment_id).update(
        start=start, end=start + timedelta(minutes=30)
    )
    session.refresh_from_db()
    return session


def test_needs_in_person_cancels_by_the_doctor_and_refunds_in_full(
    paid_session,
    online_doctor,
    payer,
    payment,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        services.consultation_needs_in_person(
            session=paid_session, actor=online_doctor.user, note="The rash needs a closer look"
        )

    paid_session.refresh_from_db()
    appointment = Appointment.objects.get(pk=paid_session.appointment_id)
    assert (paid_session.status, paid_session.outcome) == (
        ConsultationSession.Status.CLOSED,
        ConsultationSession.Outcome.NEEDS_IN_PERSON,
    )
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.events.last().actor == online_doctor.user
    assert Refund.objects.get().amount == payment.amount == appointment.fee
    offer = Notification.objects.get(user=payer, kind="consultation.in_person")
    assert reverse("profiles:doctor_page", args=[online_doctor.slug]) in offer.url


def test_needs_in_person_by_the_patient_is_refused(paid_session, payer):
    with pytest.raises(services.ConsultationError, match="Only"):
        services.consultation_needs_in_person(session=paid_session, actor=payer)
    assert Appointment.objects.get(pk=paid_session.appointment_id).status == Appointment.Status.CONFIRMED


def test_doctor_no_show_after_the_grace_is_cancelled_with_a_full_refund(
    paid_session,
    online_doctor,
    payer,
    payment,
    django_capture_on_commit_callbacks,
):
    start = timezone.now() - timedelta(minutes=31)
    Appointment.objects.filter(pk=paid_session.appointment_id).update(
        start=start, end=start + timedelta(minutes=30)
    )

    with django_capture_on_commit_callbacks(execute=True):
        call_command("consultations_tick")

    paid_session.refresh_from_db()
    appointment = Appointment.objects.get(pk=paid_session.appointment_id)
    assert paid_session.outcome == ConsultationSession.Outcome.DOCTOR_NO_SHOW
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.events.last().actor is None
    assert Refund.objects.get().amount == payment.amount
    told = Notification.objects.filter(title__startswith="Consultation cancelled: the doctor did not join")
    assert {n.user for n in told} == {payer, online_doctor.user}


def test_doctor_within_the_grace_or_started_is_not_a_no_show(paid_session, online_doctor):
    start = timezone.now() - timedelta(minutes=29)
    Appointment.objects.filter(pk=paid_session.appointment_id).update(
        start=start, end=start + timedelta(minutes=30)
    )
    assert services.doctor_no_shows() == 0

    services.consultation_start(session=paid_session, actor=online_doctor.user)
    assert services.doctor_no_shows(now=timezone.now() + timedelta(hours=1)) == 0
    assert not Refund.objects.exists()


def test_doctor_who_wrote_without_pressing_start_is_not_a_no_show(
    paid_session, online_doctor, payer, django_capture_on_commit_callbacks
):
    services.message_send(session=paid_session, sender=online_doctor.user, body="Hello, tell me more")
    start = timezone.now() - timedelta(minutes=31)
    Appointment.objects.filter(pk=paid_session.appointment_id).update(
        start=start, end=start + timedelta(minutes=30)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert services.doctor_no_shows() == 0
    with pytest.raises(services.ConsultationError):
        services.consultation_doctor_no_show(session=paid_session)

    paid_session.refresh_from_db()
    assert paid_session.status == ConsultationSession.Status.SCHEDULED
    assert Appointment.objects.get(pk=paid_session.appointment_id).status == Appointment.Status.CONFIRMED
    assert not Refund.objects.exists()


def test_doctor_who_called_without_pressing_start_is_not_a_no_show(
    paid_session, online_doctor, django_capture_on_commit_callbacks
):
    calls.call_start(session=paid_session, doctor=online_doctor.user)
    start = timezone.now() - timedelta(minutes=31)
    Appointment.objects.filter(pk=paid_session.appointment_id).update(
        start=start, end=start + timedelta(minutes=30)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert services.doctor_no_shows() == 0
    with pytest.raises(services.ConsultationError):
        services.consultation_doctor_no_show(session=paid_session)

    assert Appointment.objects.get(pk=paid_session.appointment_id).status == Appointment.Status.CONFIRMED
    assert not Refund.objects.exists()
