"""Review of issue 10, point 2: the move's confirm page checks `?start=` by the
rule the move itself applies, sends a refused time back to the picker on its
day with the reason, and names the clinic of the new slot (and the old one when
it changes)."""

from datetime import time

import pytest
from django.urls import reverse

from appointments import services
from profiles.models import Mode
from tests.appointments.conftest import local
from tests.factories import (
    AvailabilityExceptionFactory,
    AvailabilityRuleFactory,
    ClinicFactory,
    LocalityFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(clinic_doctor, booker):
    """A clinic visit the day after tomorrow at 14:00, at the doctor's first clinic."""
    return services.appointment_book(
        patient=booker,
        doctor=clinic_doctor,
        start=local(clinic_doctor, 2, 14, 0),
        mode=Mode.IN_PERSON,
        reason="x",
    )


@pytest.fixture
def baner(clinic_doctor):
    """The doctor also sees patients 17:00-19:00 at a second clinic, in Baner."""
    clinic = ClinicFactory(
        doctor=clinic_doctor,
        name="Baner Skin Care",
        locality=LocalityFactory(name="Baner", city=clinic_doctor.clinics.first().city),
    )
    for weekday in range(7):
        AvailabilityRuleFactory(
            doctor=clinic_doctor,
            weekday=weekday,
            start=time(17),
            end=time(19),
            mode=Mode.IN_PERSON,
            clinic=clinic,
        )
    return clinic


def confirm(client, appointment, start):
    return client.get(reverse("appointments:reschedule", args=[appointment.pk]), {"start": start.isoformat()})


def picker(appointment, day):
    return f"{reverse('appointments:reschedule', args=[appointment.pk])}?day={day.isoformat()}"


@pytest.mark.parametrize(
    ("when", "reason"),
    [
        ((0, 0, 0), "That time has already passed."),  # today's midnight
        ((3, 14, 5), "That time is not one of the doctor&#x27;s free slots."),  # off the grid
        ((3, 10, 0), "That time is not one of the doctor&#x27;s free slots."),  # video hours, a clinic visit
        ((2, 14, 0), "That is the time you already have."),
    ],
)
def test_move_confirm_sends_a_refused_time_back_to_the_picker_on_its_day(
    client_for, booker, booked, when, reason
):
    client = client_for(booker)
    start = local(booked.doctor, *when)

    response = confirm(client, booked, start)

    assert response.status_code == 302
    assert response.url == picker(booked, start.date())
    page = client.get(response.url).content.decode()
    assert reason in page
    assert "Move my appointment" not in page
    assert f'id="day-tab-{start.date().isoformat()}"' in page
    assert 'aria-selected="true"' in page.split(f'id="day-tab-{start.date().isoformat()}"')[1][:60]
    booked.refresh_from_db()
    assert booked.start == local(booked.doctor, 2, 14, 0)  # nothing moved


def test_move_confirm_refuses_a_leave_day_with_the_reason(client_for, booker, booked):
    client = client_for(booker)
    start = local(booked.doctor, 4, 14, 0)
    AvailabilityExceptionFactory(doctor=booked.doctor, date=start.date())

    response = confirm(client, booked, start)

    assert response.url == picker(booked, start.date())
    assert "The doctor is on leave that day." in client.get(response.url).content.decode()


def test_move_confirm_accepts_the_slot_next_to_its_own_time(client_for, booker, booked):
    # 14:30 overlaps nothing but the appointment itself, which does not count as taken.
    response = confirm(client_for(booker), booked, local(booked.doctor, 2, 14, 30))

    assert response.status_code == 200
    assert "Move my appointment" in response.content.decode()


def test_move_confirm_names_the_new_clinic_and_the_old_one(client_for, booker, booked, baner):
    first = booked.doctor.clinics.get(name=booked.clinic.name)

    response = confirm(client_for(booker), booked, local(booked.doctor, 3, 17, 30))

    page = response.content.decode()
    assert response.status_code == 200
    assert (
        f"At <strong>Baner Skin Care</strong>, Baner "
        f'<span class="muted">(was {first.name}, {first.locality.name})</span>' in page
    )


def test_move_confirm_at_the_same_clinic_does_not_say_was(client_for, booker, booked, baner):
    first = booked.clinic

    page = confirm(client_for(booker), booked, local(booked.doctor, 3, 14, 0)).content.decode()

    assert f"At <strong>{first.name}</strong>, {first.locality.name}" in page
    assert "(was " not in page


def test_move_post_refused_goes_back_to_the_picker_on_that_day(client_for, booker, booked, clinic_doctor):
    start = local(clinic_doctor, 3, 14, 0)
    AvailabilityExceptionFactory(doctor=clinic_doctor, date=start.date())

    response = client_for(booker).post(
        reverse("appointments:reschedule", args=[booked.pk]), {"start": start.isoformat()}
    )

    assert response.status_code == 302
    assert response.url == picker(booked, start.date())
    booked.refresh_from_db()
    assert booked.start == local(clinic_doctor, 2, 14, 0)


def test_move_confirm_pick_another_time_returns_to_the_slots_day(client_for, booker, booked):
    start = local(booked.doctor, 3, 14, 0)

    page = confirm(client_for(booker), booked, start).content.decode()

    assert f'href="{picker(booked, start.date())}">Pick another time</a>' in page
