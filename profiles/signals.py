"""Events profiles announces to the floors above, after commit.

`doctor_verified(doctor_id)`: a doctor became bookable; appointments computes
their next free slots so search can show them at once.

`doctor_schedule_changed(doctor_id)`: something the doctor's free slots depend
on changed on the profile side (time zone, offered modes, fees, clinics), by
the doctor, by staff in admin or by the demo data; appointments recomputes
their next free slots at once instead of at the next periodic refresh.
"""

from django.dispatch import Signal

doctor_verified = Signal()
doctor_schedule_changed = Signal()
