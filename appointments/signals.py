"""Events that appointments announces to the floors above (consultations opens
a room on confirmation, payments refunds on cancellation, ...). Each is sent
after the transaction commits, with `appointment=`."""

from django.dispatch import Signal

appointment_requested = Signal()
appointment_held = Signal()  # online booking waiting for payment
appointment_confirmed = Signal()
appointment_rescheduled = Signal()
appointment_cancelled = Signal()
appointment_declined = Signal()
appointment_expired = Signal()
appointment_completed = Signal()
appointment_no_show = Signal()
