"""Review of issue 9, points 1-2: a booking derives its slot under the doctor's
lock (so no clinic goes in between), and a reschedule checks the doctor is
still bookable in that mode, as a booking does."""

import threading
from datetime import time

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments import availability, services
from appointments.clinics import ClinicInUse, clinic_remove
from appointments.models import Appointment, AvailabilityRule
from profiles.models import Clinic, Mode
from tests.appointments.conftest import next_slot
from tests.factories import ClinicFactory, PatientFactory, bookable_doctor


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_clinic_removed_while_a_booking_is_checked_leaves_no_booking_at_a_removed_clinic(monkeypatch):
    doctor = bookable_doctor(full_name="Dr. Asha Rao")
    ClinicFactory(doctor=doctor, name="Kothrud Clinic")  # a second clinic, so the first may go
    slot = next_slot(doctor, Mode.IN_PERSON)
    clinic = Clinic.objects.get(pk=slot.clinic_id)
    patient = PatientFactory()
    derived, removed = threading.Event(), threading.Event()
    real_derive = services._derive_slot

    def derive_then_let_the_removal_try(**kwargs):
        found = real_derive(**kwargs)
        derived.set()
        removed.wait(timeout=2)  # before the fix the removal commits here; after it, it waits on the lock
        return found

    monkeypatch.setattr(services, "_derive_slot", derive_then_let_the_removal_try)
    results = {}

    def book():
        try:
            results["book"] = services.appointment_book(
                patient=patient, doctor=doctor, start=slot.start, mode=Mode.IN_PERSON, reason="Rash"
            )
        except Exception as error:  # reported to the test
            results["book"] = error
        finally:
            connection.close()

    def remove():
        derived.wait(timeout=10)
        try:
            results["remove"] = clinic_remove(doctor=doctor, clinic=clinic)
        except Exception as error:
            results["remove"] = error
        finally:
            removed.set()
            connection.close()

    threads = [threading.Thread(target=book), threading.Thread(target=remove)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # The booking went first and holds the slot; the removal then saw it and refused.
    assert isinstance(results["book"], Appointment), results["book"]
    assert isinstance(results["remove"], ClinicInUse), results["remove"]
    assert Clinic.objects.filter(pk=clinic.pk).exists()  # still on the profile, not archived
    assert AvailabilityRule.objects.filter(clinic=clinic).exists()
    assert Appointment.objects.get().clinic_id == clinic.pk


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_reschedule_locks_the_doctor_before_the_appointment():
    doctor = bookable_doctor()
    patient = PatientFactory()
    first, second = next_slot(doctor), next_slot(doctor, index=1)
    appointment = services.appointment_book(
        patient=patient, doctor=doctor, start=first.start, mode=Mode.IN_PERSON, reason="Rash"
    )

    with CaptureQueriesContext(connection) as queries:
        services.appointment_reschedule(appointment=appointment, actor=patient, start=second.start)

    locks = [q["sql"] for q in queries if " FOR " in q["sql"]]
    assert '"profiles_doctorprofile"' in locks[0]
    assert locks[0].endswith("FOR NO KEY UPDATE")
    assert '"appointments_appointment"' in locks[1]


@pytest.mark.django_db
def test_hours_at_a_clinic_removed_since_the_form_was_read_are_refused():
    doctor = bookable_doctor()
    stale = ClinicFactory(doctor=doctor, name="Kothrud Clinic")
    clinic_remove(doctor=doctor, clinic=Clinic.objects.get(pk=stale.pk))  # deleted: never booked

    with pytest.raises(availability.AvailabilityError, match="clinic has been removed"):
        availability.availability_rule_add(
            doctor=doctor,
            weekday=0,
            start=time(18),
            end=time(20),
            slot_minutes=30,
            mode=Mode.IN_PERSON,
            clinic=stale,
        )

    assert not AvailabilityRule.objects.filter(clinic_id=stale.pk).exists()


# --- Point 2: reschedule checks the doctor is bookable, like booking ---------------------------


@pytest.fixture
def booked(db):
    doctor = bookable_doctor(full_name="Dr. Asha Rao")
    patient = PatientFactory(full_name="Priya Nair")
    slot = next_slot(doctor, Mode.IN_PERSON)
    appointment = services.appointment_book(
        patient=patient, doctor=doctor, start=slot.start, mode=Mode.IN_PERSON, reason="Rash"
    )
    return appointment, next_slot(doctor, Mode.IN_PERSON, index=3)


def test_reschedule_refused_once_the_doctor_stops_offering_the_mode(booked):
    appointment, later = booked
    doctor = appointment.doctor
    doctor.offers_in_person = False
    doctor.save(update_fields=["offers_in_person"])

    with pytest.raises(services.NotBookable, match="does not offer that kind of consultation"):
        services.appointment_reschedule(appointment=appointment, actor=appointment.patient, start=later.start)

    assert Appointment.objects.get(pk=appointment.pk).start == appointment.start


def test_reschedule_page_explains_when_the_doctor_is_no_longer_bookable(booked, client_for):
    appointment, later = booked
    user = appointment.doctor.user
    user.is_active = False
    user.save(update_fields=["is_active"])
    client = client_for(appointment.patient)

    response = client.post(
        reverse("appointments:reschedule", args=[appointment.pk]), {"start": later.start.isoformat()}
    )

    assert response.status_code == 302
    assert response.url == reverse("appointments:detail", args=[appointment.pk])
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == [
        "Dr. Asha Rao is not taking bookings at the moment, so this appointment cannot be moved. It stays as it is."
    ]
    assert Appointment.objects.get(pk=appointment.pk).start == appointment.start
    assert client.get(reverse("appointments:reschedule", args=[appointment.pk])).status_code == 302
