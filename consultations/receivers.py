"""Receivers of appointments' signals (sent after commit, run robustly): the
session is created when an online appointment is confirmed and follows it
when it is completed, cancelled, marked no-show or moved. A receiver that
fails leaves the periodic repair and the room view (both call
consultation_session_ensure) to catch up."""

from consultations import services


def on_appointment_confirmed(sender, appointment, **kwargs):
    services.consultation_session_ensure(appointment=appointment)


def on_appointment_completed(sender, appointment, **kwargs):
    services.follow_appointment(appointment=appointment, event="completed")


def on_appointment_cancelled(sender, appointment, **kwargs):
    services.follow_appointment(appointment=appointment, event="cancelled")


def on_appointment_no_show(sender, appointment, **kwargs):
    services.follow_appointment(appointment=appointment, event="no_show")


def on_appointment_rescheduled(sender, appointment, **kwargs):
    services.follow_appointment(appointment=appointment, event="rescheduled")
