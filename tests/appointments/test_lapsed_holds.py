"""An unpaid hold past its 10 minutes reads as expired on every page, whether or
not `expire_holds` has run (bug 1.3): the status is derived from hold_expires_at."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from appointments import services
from appointments.models import Appointment, Mode
from tests.appointments.conftest import next_slot

S = Appointment.Status


@pytest.fixture
def hold(clinic_doctor, booker):
    """An online booking left unpaid: PENDING_PAYMENT, held for 10 minutes."""
    slot = next_slot(clinic_doctor, Mode.ONLINE)
    return services.appointment_book(
        patient=booker, doctor=clinic_doctor, start=slot.start, mode=slot.mode, reason="Cough for a week"
    )


@pytest.fixture
def eleven_minutes_later():
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        yield


def test_lapsed_hold_detail_page_says_expired_not_awaiting_payment(client_for, hold, booker):
    client = client_for(booker)
    before = client.get(reverse("appointments:detail", args=[hold.pk])).content.decode()
    assert "Awaiting payment" in before

    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        html = client.get(reverse("appointments:detail", args=[hold.pk])).content.decode()

    assert Appointment.objects.get(pk=hold.pk).status == S.PENDING_PAYMENT  # the job has not run
    assert "Awaiting payment" not in html
    assert "Payment required" not in html
    assert "Expired" in html
    assert reverse("appointments:cancel", args=[hold.pk]) not in html


def test_lapsed_hold_offers_no_actions_to_patient_or_doctor(hold, booker, clinic_doctor):
    later = timezone.now() + timedelta(minutes=11)

    assert services.available_actions(hold, booker, now=later) == set()
    assert services.available_actions(hold, clinic_doctor.user, now=later) == set()
    assert hold.status_at(later) == S.EXPIRED
    assert hold.status_at(timezone.now()) == S.PENDING_PAYMENT


def test_lapsed_hold_leaves_the_doctors_dashboard_and_list(
    client_for, hold, clinic_doctor, eleven_minutes_later
):
    client = client_for(clinic_doctor.user)

    dashboard = client.get(reverse("doctor_dashboard")).content.decode()
    week = client.get(reverse("appointments:doctor_list"), {"tab": "week"}).content.decode()

    detail = reverse("appointments:detail", args=[hold.pk])
    assert detail not in dashboard
    assert detail not in week
    assert "Awaiting payment" not in dashboard + week


def test_lapsed_hold_leaves_the_patients_upcoming_and_reads_expired_in_past(
    client_for, hold, booker, eleven_minutes_later
):
    client = client_for(booker)

    dashboard = client.get(reverse("patient_dashboard")).content.decode()
    upcoming = client.get(reverse("appointments:patient_list")).content.decode()
    past = client.get(reverse("appointments:patient_list"), {"tab": "past"}).content.decode()

    detail = reverse("appointments:detail", args=[hold.pk])
    assert detail not in dashboard
    assert detail not in upcoming
    assert detail in past
    assert "Awaiting payment" not in past
    assert "Expired" in past


def test_lapsed_hold_reads_expired_in_the_admin_list(client_for, hold, staff, eleven_minutes_later):
    html = client_for(staff).get(reverse("admin:appointments_appointment_changelist")).content.decode()

    # The status column (the filter beside it still lists every status by name).
    assert '<td class="field-shown_status">Expired</td>' in html
    assert '<td class="field-shown_status">Awaiting payment</td>' not in html


def test_hold_still_open_reads_awaiting_payment_everywhere(client_for, hold, clinic_doctor):
    client = client_for(clinic_doctor.user)

    week = client.get(reverse("appointments:doctor_list"), {"tab": "week"}).content.decode()

    assert reverse("appointments:detail", args=[hold.pk]) in week
    assert "Awaiting payment" in week


def row_of(html):
    start = html.index('<li class="appt-row">')
    return html[start : html.index("</li>", start)]


def test_lapsed_hold_reads_the_same_before_and_after_expire_holds(client_for, hold, booker):
    client = client_for(booker)
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        before_job = row_of(
            client.get(reverse("appointments:patient_list"), {"tab": "past"}).content.decode()
        )
        services.expire_lapsed()
        after_job = row_of(client.get(reverse("appointments:patient_list"), {"tab": "past"}).content.decode())

    assert Appointment.objects.get(pk=hold.pk).status == S.EXPIRED
    assert before_job == after_job
    assert "The time to pay for this slot has run out" in after_job
