"""The refund policy: how much of a paid fee comes back when an appointment is cancelled.

A rule about appointments (the cancel page states it), so it lives here;
payments asks `refund_due` when it refunds. The numbers are settings
(REFUND_FULL_BEFORE_HOURS, REFUND_PARTIAL_BEFORE_HOURS, REFUND_PARTIAL_PERCENT),
and every page that states the policy renders `policy_lines()`, so the text
and the arithmetic cannot disagree.

Pure: no queries, no clock of its own.
"""

from datetime import timedelta

from django.conf import settings

from appointments.lifecycle import Party, party_of


def full_before() -> timedelta:
    return timedelta(hours=settings.REFUND_FULL_BEFORE_HOURS)


def partial_before() -> timedelta:
    return timedelta(hours=settings.REFUND_PARTIAL_BEFORE_HOURS)


def refund_due(appointment, *, actor, at) -> int:
    """Paise to refund when `actor` (a user; None for the system) cancels the
    paid `appointment` at `at`.

    The doctor, staff or the system cancelling: the whole fee. The patient: the
    whole fee up to REFUND_FULL_BEFORE_HOURS before the start, REFUND_PARTIAL_PERCENT
    of it up to REFUND_PARTIAL_BEFORE_HOURS before, nothing later. An unpaid
    appointment has nothing to refund.
    """
    if appointment.payment_state != appointment.PaymentState.PAID:
        return 0
    fee = appointment.fee
    if party_of(appointment, actor) != Party.PATIENT:
        return fee
    notice = appointment.start - at
    if notice >= full_before():
        return fee
    if notice >= partial_before():
        # Integer paise, rounded down: never a float (1.13 * 100 is 112.99...).
        return fee * settings.REFUND_PARTIAL_PERCENT // 100
    return 0


def _hours(value) -> str:
    return f"{value:g} hour" + ("" if value == 1 else "s")


def policy_lines() -> list[str]:
    """The policy in two sentences, from the settings that decide it."""
    full, partial = settings.REFUND_FULL_BEFORE_HOURS, settings.REFUND_PARTIAL_BEFORE_HOURS
    percent = settings.REFUND_PARTIAL_PERCENT
    return [
        f"Cancel up to {_hours(full)} before the start for a full refund; "
        f"{percent}% is refunded up to {_hours(partial)} before, nothing later.",
        "If the doctor cancels, or we cannot confirm your slot, you get the full fee back.",
    ]
