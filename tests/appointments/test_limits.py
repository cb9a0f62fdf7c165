"""The booking limits (appointments.limits): one unpaid hold, 2 upcoming with one doctor, 8 in all."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appointments import services
from appointments.models import Appointment
from profiles.models import Mode
from tests.appointments.conftest import next_slot
from tests.appointments.test_concurrency import run_at_once
from tests.factories import AppointmentFactory, DoctorProfileFactory, PatientFactory, bookable_doctor

pytestmark = pytest.mark.django_db
Status = Appointment.Status


def book(doctor, patient, mode=Mode.IN_PERSON, **kwargs):
    slot = next_slot(doctor, mode)
    return services.appointment_book(
        patient=patient, doctor=doctor, start=slot.start, mode=slot.mode, reason="Rash on both arms", **kwargs
    )


def upcoming_row(patient, *, doctor=None, status=Status.CONFIRMED, days=3, **kwargs):
    """An appointment row as the database holds it, without the service (and its limits)."""
    return AppointmentFactory(
        patient=patient,
        doctor=doctor or DoctorProfileFactory(),
        status=status,
        start=timezone.now() + timedelta(days=days),
        **kwargs,
    )


@pytest.fixture
def second_doctor(db):
    return bookable_doctor(full_name="Dr. Vikram Iyer")


# --- one unpaid hold --------------------------------------------------------------------------


def test_second_online_booking_is_refused_while_a_hold_is_open(clinic_doctor, second_doctor, booker):
    hold = book(clinic_doctor, booker, Mode.ONLINE)
    expires = hold.hold_expires_at

    with pytest.raises(services.LimitReached, match="waiting for payment") as refused:
        book(second_doctor, booker, Mode.ONLINE)

    assert refused.value.hold == hold
    assert "Dr. Asha Rao" in str(refused.value)
    assert list(Appointment.objects.values_list("pk", flat=True)) == [hold.pk]
    hold.refresh_from_db()
    # Never released to make room: its payment may still arrive.
    assert (hold.status, hold.hold_expires_at) == (Status.PENDING_PAYMENT, expires)


def test_online_booking_is_allowed_once_the_old_hold_has_lapsed(second_doctor, booker):
    lapsed = upcoming_row(
        booker, status=Status.PENDING_PAYMENT, hold_expires_at=timezone.now() - timedelta(minutes=1)
    )

    appointment = book(second_doctor, booker, Mode.ONLINE)

    assert appointment.status == Status.PENDING_PAYMENT
    assert Appointment.objects.filter(patient=booker).count() == 2
    assert Appointment.objects.get(pk=lapsed.pk).status == Status.PENDING_PAYMENT  # not ours to expire


def test_clinic_booking_is_allowed_beside_an_open_hold(clinic_doctor, second_doctor, booker):
    book(clinic_doctor, booker, Mode.ONLINE)

    appointment = book(second_doctor, booker, Mode.IN_PERSON)

    assert appointment.status == Status.CONFIRMED


def test_booking_page_past_the_hold_limit_links_to_the_existing_hold(
    client_for, clinic_doctor, second_doctor, booker
):
    hold = book(clinic_doctor, booker, Mode.ONLINE)
    slot = next_slot(second_doctor, Mode.ONLINE)
    url = reverse("appointments:book", args=[second_doctor.slug])
    query = {"start": slot.start.isoformat(), "mode": Mode.ONLINE}

    response = client_for(booker).post(f"{url}?{urlencode(query)}", {**query, "reason": "Rash"})

    page = response.content.decode()
    assert response.status_code == 409
    assert "Confirm your booking" in page
    assert "You already have a video consultation with Dr. Asha Rao waiting for payment." in page
    assert (
        f'href="{reverse("appointments:detail", args=[hold.pk])}">See the booking waiting for payment' in page
    )
    assert "Book and pay" not in page
    assert list(Appointment.objects.values_list("pk", flat=True)) == [hold.pk]


# --- upcoming appointments per doctor and in all -------------------------------------------------


def test_two_upcoming_with_one_doctor_are_allowed_and_a_third_is_refused(clinic_doctor, booker):
    first = book(clinic_doctor, booker)
    second = book(clinic_doctor, booker)

    with pytest.raises(services.LimitReached) as refused:
        book(clinic_doctor, booker)

    assert (first.status, second.status) == (Status.CONFIRMED, Status.CONFIRMED)
    assert str(refused.value).startswith("You already have 2 upcoming appointments with Dr. Asha Rao")
    assert refused.value.hold is None
    assert Appointment.objects.filter(patient=booker).count() == 2


def test_booking_page_past_the_doctor_limit_says_so_and_offers_the_appointments(
    client_for, clinic_doctor, booker
):
    book(clinic_doctor, booker)
    book(clinic_doctor, booker)
    slot = next_slot(clinic_doctor)
    url = reverse("appointments:book", args=[clinic_doctor.slug])
    query = {"start": slot.start.isoformat(), "mode": Mode.IN_PERSON}

    response = client_for(booker).post(f"{url}?{urlencode(query)}", {**query, "reason": "Rash"})

    page = response.content.decode()
    assert response.status_code == 409
    assert "You already have 2 upcoming appointments with Dr. Asha Rao" in page
    assert f'href="{reverse("appointments:patient_list")}">See your appointments' in page
    assert Appointment.objects.filter(patient=booker).count() == 2


def test_the_doctor_limit_counts_requests_and_open_holds_too(clinic_doctor, booker):
    upcoming_row(booker, doctor=clinic_doctor, status=Status.REQUESTED)
    upcoming_row(
        booker,
        doctor=clinic_doctor,
        status=Status.PENDING_PAYMENT,
        days=4,
        hold_expires_at=timezone.now() + timedelta(minutes=5),
    )

    with pytest.raises(services.LimitReached, match=r"2 upcoming appointments with Dr\. Asha Rao"):
        book(clinic_doctor, booker)


def test_past_finished_and_lapsed_appointments_do_not_count(clinic_doctor, booker):
    for status in (Status.CANCELLED, Status.DECLINED, Status.EXPIRED, Status.COMPLETED):
        upcoming_row(booker, doctor=clinic_doctor, status=status)
    upcoming_row(booker, doctor=clinic_doctor, status=Status.CONFIRMED, days=-2)
    upcoming_row(
        booker,
        doctor=clinic_doctor,
        status=Status.PENDING_PAYMENT,
        days=5,
        hold_expires_at=timezone.now() - timedelta(seconds=1),
    )

    book(clinic_doctor, booker)
    book(clinic_doctor, booker)

    assert (
        Appointment.objects.filter(patient=booker, status=Status.CONFIRMED, start__gt=timezone.now()).count()
        == 2
    )


def test_eight_upcoming_in_all_are_allowed_and_a_ninth_is_refused(clinic_doctor, second_doctor, booker):
    for day in range(7):
        upcoming_row(booker, days=day + 2)

    eighth = book(clinic_doctor, booker)
    with pytest.raises(services.LimitReached) as refused:
        book(second_doctor, booker)

    assert eighth.status == Status.CONFIRMED
    assert str(refused.value).startswith("You already have 8 upcoming appointments, the most one patient")
    assert Appointment.objects.filter(patient=booker).count() == 8


def test_limits_are_settings(settings, clinic_doctor, booker):
    settings.BOOKING_MAX_UPCOMING_PER_DOCTOR = 1
    book(clinic_doctor, booker)

    with pytest.raises(services.LimitReached, match=r"1 upcoming appointment with Dr\. Asha Rao"):
        book(clinic_doctor, booker)


def test_another_patient_is_not_held_back_by_someone_elses_bookings(clinic_doctor, booker):
    book(clinic_doctor, booker)
    book(clinic_doctor, booker)

    appointment = book(clinic_doctor, PatientFactory())

    assert appointment.status == Status.CONFIRMED


# --- reschedule ------------------------------------------------------------------------------


def test_reschedule_at_the_limit_is_allowed_as_it_adds_nothing(clinic_doctor, booker):
    first = book(clinic_doctor, booker)
    book(clinic_doctor, booker)
    new = next_slot(clinic_doctor, index=3)

    services.appointment_reschedule(appointment=first, actor=booker, start=new.start)

    first.refresh_from_db()
    assert first.start == new.start


def test_reschedule_is_refused_for_a_patient_over_a_lowered_limit(
    settings, client_for, clinic_doctor, booker
):
    first = book(clinic_doctor, booker)
    book(clinic_doctor, booker)
    settings.BOOKING_MAX_UPCOMING_PER_DOCTOR = 1
    old_start, new = first.start, next_slot(clinic_doctor, index=3)

    response = client_for(booker).post(
        reverse("appointments:reschedule", args=[first.pk]), {"start": new.start.isoformat()}, follow=True
    )

    assert "You already have 1 upcoming appointment with Dr. Asha Rao" in response.content.decode()
    assert Appointment.objects.get(pk=first.pk).start == old_start


# --- counted under a lock ---------------------------------------------------------------------


@pytest.mark.postgres_only
def test_the_count_locks_the_patients_user_row_without_blocking_key_share(clinic_doctor, booker):
    with CaptureQueriesContext(connection) as queries:
        book(clinic_doctor, booker)

    user_locks = [q["sql"] for q in queries if " FOR " in q["sql"] and '"accounts_user"' in q["sql"]]
    # NO KEY UPDATE: a Notification insert for this patient (FOR KEY SHARE, e.g.
    # from expire_holds) must not wait on it, or the two can deadlock.
    assert len(user_locks) == 1
    assert user_locks[0].endswith("FOR NO KEY UPDATE")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_bookings_cannot_both_pass_the_limit():
    doctor = bookable_doctor(full_name="Dr. Asha Rao")
    patient = PatientFactory()
    book(doctor, patient)
    slots = [next_slot(doctor, index=n) for n in range(6)]

    results = run_at_once(
        [
            lambda s=s: services.appointment_book(
                patient=patient, doctor=doctor, start=s.start, mode=s.mode, reason="x"
            )
            for s in slots
        ]
    )

    booked = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, services.LimitReached)]
    assert (len(booked), len(refused)) == (1, 5)
    assert Appointment.objects.filter(patient=patient, status__in=Appointment.ACTIVE).count() == 2
