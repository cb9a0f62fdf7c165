"""The row locks that make a booking's checks and its write one step.

One lock order everywhere, so two writers never wait on each other in a
circle: the doctor's profile row first, then the patient's user row, then
appointment rows. Both are FOR NO KEY UPDATE: they serialize the writers
that take them, but not the inserts of rows pointing at them (an
Appointment, a Notification, an AppointmentEvent take FOR KEY SHARE on
the row they reference), so `expire_holds` notifying a patient never waits
on that patient's booking. SQLite ignores them and runs one writer at a time.
"""

from accounts.models import User
from profiles.models import DoctorProfile


def lock_doctor(doctor):
    """Hold the doctor's row until the transaction ends: bookings, availability
    writes and clinic removal of one doctor take turns (each checks and writes
    against what the previous one committed)."""
    DoctorProfile.objects.select_for_update(no_key=True).filter(pk=doctor.pk).values_list(
        "pk", flat=True
    ).first()


def lock_patient(patient):
    """Hold the patient's user row: one patient's bookings take turns, so the
    limits count what the previous booking committed."""
    User.objects.select_for_update(no_key=True).filter(pk=patient.pk).values_list("pk", flat=True).first()
