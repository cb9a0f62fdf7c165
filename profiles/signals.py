"""Events profiles announces to the floors above, after commit.

`doctor_verified(doctor_id)`: a doctor became bookable; appointments computes
their next free slots so search can show them at once.
"""

from django.dispatch import Signal

doctor_verified = Signal()
