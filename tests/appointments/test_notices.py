"""Emails with their .ics, times in the recipient's zone, and reminders sent exactly once."""

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from appointments import services
from appointments.notices import when
from core.models import Notification
from tests.appointments.conftest import next_slot
from tests.factories import PatientProfileFactory, bookable_doctor

pytestmark = pytest.mark.django_db


def ics_event(message):
    name, content, content_type = message.attachments[0]
    assert (name, content_type) == ("appointment.ics", "text/calendar")
    calendar = icalendar.Calendar.from_ical(content)
    return calendar, next(iter(calendar.walk("VEVENT")))


def test_confirmation_email_carries_ics_with_utc_times_and_doctors_zone(
    clinic_doctor, booker, django_capture_on_commit_callbacks
):
    slot = next_slot(clinic_doctor)
    with django_capture_on_commit_callbacks(execute=True):
        appointment = services.appointment_book(
            patient=booker, doctor=clinic_doctor, start=slot.start, mode=slot.mode, reason="x"
        )

    message = next(m for m in mail.outbox if m.to == [booker.email])
    calendar, event = ics_event(message)
    assert event.decoded("dtstart") == appointment.start
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert event.decoded("dtend") == appointment.end
    assert str(calendar["x-wr-timezone"]) == "Asia/Kolkata"
    assert str(event["uid"]) == f"appointment-{appointment.pk}@medconsult"
    assert appointment.clinic.name in str(event["location"])
    assert "IST" in message.body


def test_times_are_written_in_each_recipients_zone_and_named(booker, django_capture_on_commit_callbacks):
    doctor = bookable_doctor()
    PatientProfileFactory(user=booker, time_zone="Europe/London")
    slot = next_slot(doctor)
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_book(patient=booker, doctor=doctor, start=slot.start, mode=slot.mode, reason="x")

    to_patient = next(m for m in mail.outbox if m.to == [booker.email])
    to_doctor = next(m for m in mail.outbox if m.to == [doctor.user.email])
    # A clinic visit: the clinic's time first, the patient's own as a note (core.zones.shown_time).
    london = slot.start.astimezone(ZoneInfo("Europe/London"))
    assert when(slot.start, ZoneInfo("Asia/Kolkata")) in to_patient.body
    assert f"(your time: {london.hour % 12 or 12}:{london:%M %p} GMT)" in to_patient.body
    assert when(slot.start, ZoneInfo("Asia/Kolkata")) in to_doctor.body
    assert "your time" not in to_doctor.body


def test_reschedule_email_has_a_new_ics_with_the_new_time(
    clinic_doctor, booker, django_capture_on_commit_callbacks
):
    slot = next_slot(clinic_doctor)
    appointment = services.appointment_book(
        patient=booker, doctor=clinic_doctor, start=slot.start, mode=slot.mode, reason="x"
    )
    new = next_slot(clinic_doctor, index=2)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_reschedule(appointment=appointment, actor=booker, start=new.start)

    message = next(m for m in mail.outbox if m.to == [booker.email])
    _, event = ics_event(message)
    assert event.decoded("dtstart") == new.start
    assert int(event["sequence"]) >= 1
    assert "Moved from" in message.body


def reminders(appointment):
    return Notification.objects.filter(key__startswith=f"appointment:{appointment.pk}:reminder:")


def test_confirmed_appointment_schedules_24h_and_1h_reminders(clinic_doctor, booker):
    slot = next_slot(clinic_doctor, after=timezone.now() + timedelta(days=2))

    appointment = services.appointment_book(
        patient=booker, doctor=clinic_doctor, start=slot.start, mode=slot.mode, reason="x"
    )

    assert sorted(r.send_after for r in reminders(appointment)) == [
        appointment.start - timedelta(hours=24),
        appointment.start - timedelta(hours=1),
    ]
    assert {r.user for r in reminders(appointment)} == {booker}


def test_reminders_go_out_exactly_once_when_due(clinic_doctor, booker):
    slot = next_slot(clinic_doctor, after=timezone.now() + timedelta(days=2))
    appointment = services.appointment_book(
        patient=booker, doctor=clinic_doctor, start=slot.start, mode=slot.mode, reason="x"
    )
    Notification.objects.exclude(pk__in=reminders(appointment)).update(email_status="SENT")
    mail.outbox.clear()
    reminders(appointment).update(
        send_after=timezone.now() - timedelta(seconds=1), email_next_attempt_at=timezone.now()
    )

    call_command("send_notifications", verbosity=0)
    call_command("send_notifications", verbosity=0)

    assert sorted(m.subject for m in mail.outbox) == sorted(r.title for r in reminders(appointment))
    assert len(mail.outbox) == 2


def test_reschedule_moves_reminders_and_cancel_withdraws_them(clinic_doctor, booker):
    slot = next_slot(clinic_doctor, after=timezone.now() + timedelta(days=2))
    appointment = services.appointment_book(
        patient=booker, doctor=clinic_doctor, start=slot.start, mode=slot.mode, reason="x"
    )
    new = next_slot(clinic_doctor, after=timezone.now() + timedelta(days=2), index=3)

    services.appointment_reschedule(appointment=appointment, actor=booker, start=new.start)
    moved = sorted(r.send_after for r in reminders(appointment))
    services.appointment_cancel(appointment=appointment, actor=booker, reason="Travel")

    assert moved == [new.start - timedelta(hours=24), new.start - timedelta(hours=1)]
    assert not reminders(appointment).exists()


def test_requests_and_holds_get_no_reminders_until_confirmed(clinic_doctor, booker):
    from tests.factories import BookingSettingsFactory

    BookingSettingsFactory(doctor=clinic_doctor, approval_required=True)
    slot = next_slot(clinic_doctor, after=timezone.now() + timedelta(days=2))
    request = services.appointment_book(
        patient=booker, doctor=clinic_doctor, start=slot.start, mode=slot.mode, reason="x"
    )
    assert not reminders(request).exists()

    services.appointment_accept(appointment=request, actor=clinic_doctor.user)

    assert reminders(request).count() == 2


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_reminders_are_sent_once_by_two_concurrent_runs():
    doctor = bookable_doctor()
    patient = PatientProfileFactory().user
    slot = next_slot(doctor, after=timezone.now() + timedelta(days=2))
    appointment = services.appointment_book(
        patient=patient, doctor=doctor, start=slot.start, mode=slot.mode, reason="x"
    )
    Notification.objects.update(email_status="SENT")  # only the reminders are due
    reminders(appointment).update(
        send_after=timezone.now() - timedelta(seconds=1),
        email_next_attempt_at=timezone.now(),
        email_status="PENDING",
    )
    mail.outbox.clear()

    def run():
        try:
            call_command("send_notifications", verbosity=0)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(mail.outbox) == 2
    assert set(reminders(appointment).values_list("email_status", flat=True)) == {"SENT"}


def test_a_due_but_unsent_reminder_is_withdrawn_on_cancel(clinic_doctor, booker):
    slot = next_slot(clinic_doctor, after=timezone.now() + timedelta(days=2))
    appointment = services.appointment_book(
        patient=booker, doctor=clinic_doctor, start=slot.start, mode=slot.mode, reason="x"
    )
    reminders(appointment).update(send_after=timezone.now() - timedelta(minutes=1))  # due, waiting for cron

    services.appointment_cancel(appointment=appointment, actor=clinic_doctor.user, reason="Unwell")
    Notification.objects.exclude(key__isnull=False).update(email_status="SENT")
    call_command("send_notifications", verbosity=0)

    assert not reminders(appointment).exists()
    assert not [m for m in mail.outbox if m.subject.startswith("Reminder")]


def test_reminders_after_a_reschedule_go_out_once_for_the_new_time(clinic_doctor, booker):
    slot = next_slot(clinic_doctor, after=timezone.now() + timedelta(days=2))
    appointment = services.appointment_book(
        patient=booker, doctor=clinic_doctor, start=slot.start, mode=slot.mode, reason="x"
    )
    new = next_slot(clinic_doctor, after=timezone.now() + timedelta(days=2), index=3)
    services.appointment_reschedule(appointment=appointment, actor=booker, start=new.start)
    Notification.objects.exclude(pk__in=reminders(appointment)).update(email_status="SENT")
    reminders(appointment).update(send_after=timezone.now(), email_next_attempt_at=timezone.now())
    mail.outbox.clear()

    call_command("send_notifications", verbosity=0)
    call_command("send_notifications", verbosity=0)

    assert len(mail.outbox) == 2
    local = when(new.start, ZoneInfo("Asia/Kolkata"))
    assert all(local in m.body for m in mail.outbox)
