"""Who may see which part of a patient's record: the one home of these rules.

- The patient sees all of their own record, hidden uploads included (on request).
- A doctor sees a patient's history only through an appointment of their own
  with that patient which binds them (appointments.selectors.FACTS_SHARED: asked,
  held for payment, booked or seen; a cancelled, declined or expired one does
  not). Without one: 404.
- What the patient shared is visible while the relationship lasts: until
  RECORDS_SHARED_ACCESS_DAYS after the end of their last such appointment
  (an upcoming one keeps it open). After that the doctor keeps only their own
  appointments with the patient and the prescriptions they wrote.
- A hidden upload is withdrawn from every doctor, shared or not.
- Nobody else, staff included, reads a patient's record here (staff read the
  audit log in admin).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from appointments.models import Appointment
from appointments.selectors import FACTS_SHARED


@dataclass(frozen=True)
class DoctorAccess:
    """What a doctor may see of one patient at one moment."""

    binding: tuple  # the doctor's binding appointments with the patient, newest first
    shared_until: datetime | None  # None: no binding appointment, so no access at all

    @property
    def allowed(self) -> bool:
        return self.shared_until is not None

    def sees_shared(self, now) -> bool:
        return self.shared_until is not None and now <= self.shared_until


def binding(appointments, *, now) -> list:
    """The appointments (already loaded) that tie their doctor to their patient at `now`."""
    return [a for a in appointments if a.status_at(now) in FACTS_SHARED]


def doctor_access(*, doctor, patient, now=None, appointments=None) -> DoctorAccess:
    """`doctor` (a DoctorProfile) on `patient` at `now`. `appointments` may pass
    the pair's appointments already loaded; otherwise one query."""
    now = now or timezone.now()
    if appointments is None:
        appointments = Appointment.objects.filter(doctor=doctor, patient=patient).order_by("-start")
    tied = sorted(binding(appointments, now=now), key=lambda a: a.start, reverse=True)
    if not tied:
        return DoctorAccess(binding=(), shared_until=None)
    last_end = max(a.end for a in tied)
    return DoctorAccess(
        binding=tuple(tied), shared_until=last_end + timedelta(days=settings.RECORDS_SHARED_ACCESS_DAYS)
    )
