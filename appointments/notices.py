"""What appointments tell people: notifications (through core's outbox), the
.ics calendar file, and the reminders scheduled 24 hours and 1 hour ahead.
Times follow the one rule for appointment times (core.zones.shown_time), for
the recipient, and the zone is always named."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from core import zones
from core.notifications import notifications_withdraw, notify
from profiles.models import Mode, PatientProfile

REMINDERS = (("24h", timedelta(hours=24)), ("1h", timedelta(hours=1)))


def zone_of(user, appointment) -> ZoneInfo:
    """The recipient's zone: the doctor's own, else the patient's profile zone
    (core.zones.viewer_zone_name; an email has no browser cookie)."""
    if user.pk == appointment.doctor.user_id:
        return zones.zone(appointment.doctor.time_zone)
    zone = PatientProfile.objects.filter(user=user).values_list("time_zone", flat=True).first()
    return zones.zone(zones.viewer_zone_name(profile_zone=zone))


def when(moment, zone: ZoneInfo) -> str:
    """ "Tue, 25 Nov 2026, 4:30 PM IST" in `zone`."""
    local = timezone.localtime(moment, zone)
    hour = local.strftime("%I").lstrip("0")
    return f"{local:%a, %-d %b %Y}, {hour}:{local:%M %p} {local.tzname()}"


def _where(appointment) -> str:
    if appointment.clinic_id:
        clinic = appointment.clinic
        return f"{clinic.name}, {clinic.address}, {clinic.locality.name}, {clinic.city.name}"
    return "Online consultation on MedConsult"


def ics_for(appointment, *, cancelled=False) -> str:
    """A calendar file for the appointment: UTC times, the doctor's zone named."""
    calendar = Calendar()
    calendar.add("prodid", "-//MedConsult//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    calendar.add("x-wr-timezone", appointment.doctor.time_zone)
    event = Event()
    event.add("uid", f"appointment-{appointment.pk}@medconsult")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    event.add("sequence", appointment.events.count())
    event.add("summary", f"{appointment.get_mode_display()} with {appointment.doctor.display_name}")
    event.add("location", _where(appointment))
    doctor_time = when(appointment.start, zones.zone(appointment.doctor.time_zone))
    event.add(
        "description",
        f"{appointment.get_mode_display()} with {appointment.doctor.display_name} at {doctor_time} "
        f"({appointment.doctor.time_zone}, the doctor's time zone).",
    )
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical().decode()


def _send(user, appointment, *, kind, title, body, ics=False, cancelled=False):
    attachment = (
        ("appointment.ics", "text/calendar", ics_for(appointment, cancelled=cancelled)) if ics else None
    )
    notify(
        user=user,
        kind=kind,
        title=title,
        body=body,
        url=reverse("appointments:detail", args=[appointment.pk]),
        attachment=attachment,
    )


def appointment_when(appointment, moment, user) -> str:
    """`moment` of `appointment` for `user`, by the one rule for appointment times
    (core.zones.shown_time): a clinic visit in the clinic's time with the
    recipient's own as a note, a video consult in the recipient's time. An email
    always names the zone."""
    zone = zone_of(user, appointment)
    shown = zones.shown_time(
        moment,
        in_person=appointment.mode == Mode.IN_PERSON,
        doctor_zone=appointment.doctor.time_zone,
        viewer_zone=zone,
    )
    text = when(moment, shown.local.tzinfo)
    note = shown.note()
    return f"{text} ({note})" if note else text


def _line(appointment, user):
    place = "online" if not appointment.clinic_id else f"at {appointment.clinic.name}"
    return f"{appointment_when(appointment, appointment.start, user)}, {place}"


def notify_booked(appointment):
    patient, doctor_user = appointment.patient, appointment.doctor.user
    doctor, status = appointment.doctor.display_name, appointment.status
    if status == "CONFIRMED":
        _send(
            patient,
            appointment,
            kind="appointment.confirmed",
            title=f"Booked: {doctor}",
            body=f"Your appointment is confirmed for {_line(appointment, patient)}.",
            ics=True,
        )
        _send(
            doctor_user,
            appointment,
            kind="appointment.booked",
            title=f"New booking: {patient.get_full_name()}",
            body=f"{_line(appointment, doctor_user)}. Reason: {appointment.reason}",
            ics=True,
        )
    elif status == "REQUESTED":
        _send(
            patient,
            appointment,
            kind="appointment.requested",
            title=f"Request sent to {doctor}",
            body=f"You asked for {_line(appointment, patient)}. We will tell you when the doctor answers.",
        )
        _send(
            doctor_user,
            appointment,
            kind="appointment.requested",
            title=f"Booking request: {patient.get_full_name()}",
            body=f"{_line(appointment, doctor_user)}. Reason: {appointment.reason}. Please accept or decline.",
        )
    else:
        _send(
            patient,
            appointment,
            kind="appointment.held",
            title=f"Complete your payment for {doctor}",
            body=f"Your slot {_line(appointment, patient)} is held for 10 minutes until you pay.",
        )


def notify_accepted(appointment):
    patient = appointment.patient
    _send(
        patient,
        appointment,
        kind="appointment.confirmed",
        title=f"{appointment.doctor.display_name} accepted your booking",
        body=f"Your appointment is confirmed for {_line(appointment, patient)}.",
        ics=True,
    )


def notify_declined(appointment, *, reason):
    patient = appointment.patient
    _send(
        patient,
        appointment,
        kind="appointment.declined",
        title=f"{appointment.doctor.display_name} could not take your booking",
        body=f"Your request for {_line(appointment, patient)} was declined. Reason: {reason}",
    )


def notify_cancelled(appointment, *, by_doctor, reason):
    patient, doctor_user = appointment.patient, appointment.doctor.user
    other = patient if by_doctor else doctor_user
    who = appointment.doctor.display_name if by_doctor else patient.get_full_name()
    for user in (patient, doctor_user):
        _send(
            user,
            appointment,
            kind="appointment.cancelled",
            title="Appointment cancelled" if user != other else f"{who} cancelled your appointment",
            body=f"The appointment for {_line(appointment, user)} is cancelled. Reason: {reason}",
            ics=user == patient,
            cancelled=True,
        )


def notify_cancelled_by_staff(appointment, *, reason, alternatives=None):
    """Both parties hear that MedConsult cancelled, and why. `alternatives` is
    (label, path) of a page of other doctors the patient can book instead: the
    patient's notification links there, the doctor's to the appointment."""
    patient, doctor_user = appointment.patient, appointment.doctor.user
    for user in (patient, doctor_user):
        other = appointment.doctor.display_name if user == patient else patient.get_full_name()
        body = (
            f"MedConsult cancelled the appointment with {other}, {_line(appointment, user)}. Reason: {reason}"
        )
        offer = user == patient and alternatives is not None
        if user == patient and appointment.payment_state == appointment.PaymentState.PAID:
            body += "\nYour payment is refunded in full."
        if offer:
            body += f"\nYou can book another doctor instead: {alternatives[0]}."
        notify(
            user=user,
            kind="appointment.cancelled",
            title="MedConsult cancelled your appointment",
            body=body,
            url=alternatives[1] if offer else reverse("appointments:detail", args=[appointment.pk]),
            attachment=("appointment.ics", "text/calendar", ics_for(appointment, cancelled=True))
            if user == patient
            else None,
        )


def notify_doctor_absent(appointment, *, reason):
    """The system cancelled an online consultation the doctor never started."""
    patient, doctor_user = appointment.patient, appointment.doctor.user
    for user in (patient, doctor_user):
        _send(
            user,
            appointment,
            kind="appointment.cancelled",
            title="Consultation cancelled: the doctor did not join",
            body=f"The consultation for {_line(appointment, user)} is cancelled. {reason}",
            ics=user == patient,
            cancelled=True,
        )


def notify_rescheduled(appointment, *, old_start):
    for user in (appointment.patient, appointment.doctor.user):
        _send(
            user,
            appointment,
            kind="appointment.rescheduled",
            title="Appointment moved",
            body=f"Moved from {appointment_when(appointment, old_start, user)} to {_line(appointment, user)}.",
            ics=True,
        )


def notify_expired(appointment):
    patient = appointment.patient
    _send(
        patient,
        appointment,
        kind="appointment.expired",
        title="Your held slot was released",
        body=f"Payment for {_line(appointment, patient)} was not completed in 10 minutes. You can book again.",
    )


def _reminder_prefix(appointment):
    return f"appointment:{appointment.pk}:reminder:"


def schedule_reminders(appointment, *, now=None):
    """Reminders to the patient 24 h and 1 h ahead; one per appointment, kind and time."""
    now = now or timezone.now()
    patient = appointment.patient
    for label, ahead in REMINDERS:
        send_at = appointment.start - ahead
        if send_at <= now:
            continue  # booked too close to the start for this reminder to mean anything
        notify(
            user=patient,
            kind=f"appointment.reminder.{label}",
            title=f"Reminder: {appointment.doctor.display_name} {'tomorrow' if label == '24h' else 'in 1 hour'}",
            body=f"Your appointment is {_line(appointment, patient)}.",
            url=reverse("appointments:detail", args=[appointment.pk]),
            send_after=send_at,
            key=f"{_reminder_prefix(appointment)}{label}:{appointment.start:%Y%m%dT%H%M}",
        )


def withdraw_reminders(appointment):
    notifications_withdraw(key_prefix=_reminder_prefix(appointment))
