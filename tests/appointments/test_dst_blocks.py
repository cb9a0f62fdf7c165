"""Bug 1.9: a blocked period ending inside a spring-forward gap ends at the same
instant for the slot engine and for the collision check (both read wall-clock
times through core.zones.local_instant)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from appointments.models import Appointment, AvailabilityException
from appointments.slots import free_slots
from profiles.models import Mode
from tests.factories import AppointmentFactory, AvailabilityRuleFactory, verified_doctor

pytestmark = pytest.mark.django_db

NEW_YORK = "America/New_York"
# Sunday 8 Mar 2026: in New York 02:00 EST becomes 03:00 EDT at 07:00 UTC.
CHANGE_DAY = date(2026, 3, 8)
CHANGE = datetime(2026, 3, 8, 7, 0, tzinfo=UTC)


def test_block_ending_in_the_spring_forward_gap_ends_at_the_change_for_engine_and_collision_check(
    client_for, patient
):
    doctor = verified_doctor(full_name="Dr. Ana Ruiz", time_zone=NEW_YORK)
    rule = AvailabilityRuleFactory(
        doctor=doctor,
        weekday=CHANGE_DAY.weekday(),
        start=time(0),
        end=time(6),
        slot_minutes=30,
        mode=Mode.ONLINE,
    )
    # Booked at 03:00 EDT, the first half hour after the clocks jump.
    after_the_jump = AppointmentFactory(
        doctor=doctor, patient=patient, start=CHANGE, end=CHANGE + timedelta(minutes=30), mode=Mode.ONLINE
    )

    with time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=UTC), tick=False):
        response = client_for(doctor.user).post(
            reverse("appointments:availability_exception_add", args=["block"]),
            {"block-date": CHANGE_DAY.isoformat(), "block-start": "01:00", "block-end": "02:30"},
            HTTP_HX_REQUEST="true",
        )

    block = AvailabilityException.objects.get(doctor=doctor, kind=AvailabilityException.Kind.BLOCK)
    assert (block.start, block.end) == (time(1), time(2, 30))
    # The collision check: the block ends at 07:00 UTC, so the 07:00 booking is not inside it.
    html = response.content.decode()
    assert "falls in that time" not in html
    assert f'value="{after_the_jump.pk}" checked' not in html
    after_the_jump.refresh_from_db()
    assert after_the_jump.status == Appointment.Status.CONFIRMED
    # The slot engine: the same block leaves 07:00 UTC free and covers 01:00-02:00 EST.
    starts = [
        slot.start
        for slot in free_slots(
            tz=NEW_YORK,
            rules=[rule],
            exceptions=[block],
            taken=[],
            not_before=datetime(2026, 3, 8, 5, 0, tzinfo=UTC),
            not_after=datetime(2026, 3, 8, 12, 0, tzinfo=UTC),
        )
    ]
    assert CHANGE in starts
    assert datetime(2026, 3, 8, 6, 0, tzinfo=UTC) not in starts  # 01:00 EST, blocked
    assert datetime(2026, 3, 8, 6, 30, tzinfo=UTC) not in starts  # 01:30 EST, blocked
