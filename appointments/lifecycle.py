"""The appointment lifecycle as one table of allowed moves.

Each row says: from this status, this action, done by this party, within this
time limit, leads to that status. The transition functions in
appointments.services ask `check()` before they change anything, and the
appointment page's buttons come from `allowed_actions()`, so the two can never
disagree. A new transition (a paid hold confirmed by payments, a consultation
closed) is one more row here plus the service function that performs it.

Pure: no queries, no clock of its own (`now` is always passed in).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from appointments.models import Appointment

Status = Appointment.Status

# A patient changes an appointment online until this long before its start;
# after that the clinic has planned the day around it.
CANCEL_NOTICE = timedelta(hours=2)


class Party(StrEnum):
    PATIENT = "patient"
    DOCTOR = "doctor"
    SYSTEM = "system"  # jobs and services acting on no one's behalf (expiry, lapsed requests)
    STAFF = "staff"  # MedConsult's own team, in admin (never the appointment's doctor or patient)


@dataclass(frozen=True)
class TimeLimit:
    """When, relative to the appointment, a move may be made.

    `allows(appointment, now)` decides; `refusal` is the message for the user,
    with `{done}` standing for the action's past participle.
    """

    name: str
    allows: Callable
    refusal: str


ANY_TIME = TimeLimit("any time", lambda appointment, now: True, "")
BEFORE_START = TimeLimit(
    "before the start",
    lambda appointment, now: appointment.start > now,
    "This appointment has already started; it can no longer be {done}.",
)
AFTER_START = TimeLimit(
    "after the start",
    lambda appointment, now: appointment.start <= now,
    "This can be {done} once the appointment has started.",
)
WITH_NOTICE = TimeLimit(
    "until 2 hours before the start",
    lambda appointment, now: appointment.start - now >= CANCEL_NOTICE,
    "Appointments can be {done} online until 2 hours before they start.",
)
HOLD_LAPSED = TimeLimit(
    "once the payment hold has lapsed",
    lambda appointment, now: appointment.hold_lapsed_at(now),
    "The payment window is still open.",
)


@dataclass(frozen=True)
class Action:
    name: str  # what available_actions returns and the page's buttons use
    done: str  # past participle for messages: "A confirmed appointment cannot be {done}."


CANCEL = Action("cancel", "cancelled")
RESCHEDULE = Action("reschedule", "moved")
ACCEPT = Action("accept", "accepted")
DECLINE = Action("decline", "declined")
COMPLETE = Action("complete", "recorded as completed")
NO_SHOW = Action("no_show", "recorded as a no-show")
EXPIRE = Action("expire", "expired")
CONFIRM_PAYMENT = Action("confirm_payment", "confirmed by a payment")
DOCTOR_ABSENT = Action("doctor_absent", "cancelled for the doctor's absence")
STAFF_CANCEL = Action("staff_cancel", "cancelled by staff")


@dataclass(frozen=True)
class Move:
    action: Action
    source: Status
    party: Party
    when: TimeLimit
    target: Status | None  # None: the status stays (a reschedule moves the time, not the status)


def _rows(action, sources, parties, when, target):
    return [Move(action, source, party, when, target) for source in sources for party in parties]


MOVES = (
    *_rows(CANCEL, Appointment.ACTIVE, [Party.DOCTOR], ANY_TIME, Status.CANCELLED),
    *_rows(CANCEL, Appointment.ACTIVE, [Party.PATIENT], WITH_NOTICE, Status.CANCELLED),
    # The patient's own unpaid hold: nothing was paid, so nothing to refund, and
    # the booking limit tells them to pay for it or cancel it; any time before the start.
    *_rows(CANCEL, [Status.PENDING_PAYMENT], [Party.PATIENT], BEFORE_START, Status.CANCELLED),
    # Staff cancel from admin, any time, with a reason (a doctor who stopped
    # practising, a complaint); the refund policy gives the whole fee back.
    *_rows(STAFF_CANCEL, Appointment.ACTIVE, [Party.STAFF], ANY_TIME, Status.CANCELLED),
    *_rows(RESCHEDULE, [Status.REQUESTED, Status.CONFIRMED], [Party.PATIENT], WITH_NOTICE, None),
    *_rows(ACCEPT, [Status.REQUESTED], [Party.DOCTOR], BEFORE_START, Status.CONFIRMED),
    *_rows(DECLINE, [Status.REQUESTED], [Party.DOCTOR], BEFORE_START, Status.DECLINED),
    # A request nobody answered before its start is declined by the periodic job.
    *_rows(DECLINE, [Status.REQUESTED], [Party.SYSTEM], AFTER_START, Status.DECLINED),
    *_rows(COMPLETE, [Status.CONFIRMED], [Party.DOCTOR], AFTER_START, Status.COMPLETED),
    *_rows(NO_SHOW, [Status.CONFIRMED], [Party.DOCTOR], AFTER_START, Status.NO_SHOW),
    *_rows(EXPIRE, [Status.PENDING_PAYMENT], [Party.SYSTEM], HOLD_LAPSED, Status.EXPIRED),
    # An online consultation the doctor never started: the consultations job
    # cancels it after its grace period, and the system cancelling refunds in full.
    *_rows(DOCTOR_ABSENT, [Status.CONFIRMED], [Party.SYSTEM], AFTER_START, Status.CANCELLED),
    # Payments confirms a paid hold; money that arrives after the hold lapsed
    # still confirms while the start is ahead and the slot can be taken again
    # (the database constraint decides that, in the service).
    *_rows(
        CONFIRM_PAYMENT,
        [Status.PENDING_PAYMENT, Status.EXPIRED],
        [Party.SYSTEM],
        BEFORE_START,
        Status.CONFIRMED,
    ),
)

ACTIONS = {move.action.name: move.action for move in MOVES}


class Refused(Exception):
    """A move the table does not allow. `kind` says why: "party" (not yours to
    make), "status" (not from this status) or "time" (not now)."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def party_of(appointment, user) -> Party | None:
    """Who `user` is to `appointment`: SYSTEM for None, STAFF for an admin who is
    neither its doctor nor its patient, None for a stranger."""
    if user is None:
        return Party.SYSTEM
    if user.pk == appointment.doctor.user_id:
        return Party.DOCTOR
    if user.pk == appointment.patient_id:
        return Party.PATIENT
    if getattr(user, "is_staff", False):
        return Party.STAFF
    return None


def _who_may(action) -> str:
    parties = [
        p for p in (Party.PATIENT, Party.DOCTOR) if any(m.action == action and m.party == p for m in MOVES)
    ]
    if parties == [Party.DOCTOR]:
        return "Only the appointment's doctor can do that."
    if any(m.action == action and m.party == Party.STAFF for m in MOVES) and not parties:
        return "Only MedConsult staff can do that."
    return f"Only the {' or the '.join(parties)} can {action.name} this appointment."


def check(appointment, *, action, actor, now) -> Move:
    """The row that lets `actor` (a user, or None for the system) make `action`
    on `appointment` at `now`, or Refused with a message for the user.

    Asked in the order a person would: is it mine to do, is it possible from
    this status, is it still (or already) the time.
    """
    action = ACTIONS[action] if isinstance(action, str) else action
    party = party_of(appointment, actor)
    by_party = [m for m in MOVES if m.action == action and m.party == party]
    if not by_party:
        raise Refused("party", _who_may(action))
    # People act on what they see: a lapsed hold is EXPIRED to them even before
    # expire_holds has written it; the system's own expiry moves the stored status.
    status = appointment.status if party == Party.SYSTEM else appointment.status_at(now)
    by_status = [m for m in by_party if m.source == status]
    if not by_status:
        status = Status(status).label.lower()
        article = "An" if status[0] in "aeiou" else "A"
        raise Refused("status", f"{article} {status} appointment cannot be {action.done}.")
    for move in by_status:
        if move.when.allows(appointment, now):
            return move
    raise Refused("time", by_status[0].when.refusal.format(done=action.done))


def allowed_actions(appointment, user, *, now) -> set[str]:
    """The names of the actions `user` may take on `appointment` at `now`."""
    party = party_of(appointment, user)
    return {
        move.action.name
        for move in MOVES
        if move.party == party
        and party != Party.SYSTEM
        and move.source == appointment.status_at(now)
        and move.when.allows(appointment, now)
    }
