"""The consultation's window and its moves, as data.

The window depends only on the clock and a few stored times, so it is
derived here, never written by a job (as with payment holds): the room opens
CONSULTATION_OPENS_MINUTES before the appointment's start; after the doctor
completes the consultation, follow-up messages are welcome for
CONSULTATION_FOLLOW_UP_DAYS; then the room is read-only. A closed session
(cancelled, needs an in-person visit, doctor's no-show) is read-only at once.

What people do is one table of moves, like appointments.lifecycle: from this
status, this action, by this party, within this time limit, leads to that
status. consultations.services asks `check()` before it changes anything and
the room's buttons come from `allowed_actions()`.

Pure: no queries, no clock of its own (`now` is always passed in).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings

from consultations.models import ConsultationSession

Status = ConsultationSession.Status


def opens_before() -> timedelta:
    return timedelta(minutes=settings.CONSULTATION_OPENS_MINUTES)


def follow_up() -> timedelta:
    return timedelta(days=settings.CONSULTATION_FOLLOW_UP_DAYS)


def doctor_grace() -> timedelta:
    return timedelta(minutes=settings.CONSULTATION_DOCTOR_NO_SHOW_MINUTES)


class Phase(StrEnum):
    """Where the room stands at a moment: what it shows and whether one may write."""

    WAITING = "waiting"  # before it opens
    OPEN = "open"  # open, the doctor has not started
    IN_PROGRESS = "in_progress"
    FOLLOW_UP = "follow_up"  # completed, follow-up messages welcome
    READ_ONLY = "read_only"  # follow-up over, or closed

    @property
    def label(self) -> str:
        return {
            "waiting": "Opens soon",
            "open": "Open",
            "in_progress": "In progress",
            "follow_up": "Follow-up",
            "read_only": "Closed",
        }[self.value]

    @property
    def can_post(self) -> bool:
        return self in (Phase.OPEN, Phase.IN_PROGRESS, Phase.FOLLOW_UP)


def phase(*, status, start: datetime, completed_at: datetime | None, now: datetime) -> Phase:
    """The phase from the stored facts; `room_phase` for a loaded session."""
    if status == Status.CLOSED:
        return Phase.READ_ONLY
    if status == Status.COMPLETED:
        if completed_at is not None and now < completed_at + follow_up():
            return Phase.FOLLOW_UP
        return Phase.READ_ONLY
    if now < start - opens_before():
        return Phase.WAITING
    return Phase.IN_PROGRESS if status == Status.IN_PROGRESS else Phase.OPEN


def room_phase(session, now) -> Phase:
    return phase(
        status=session.status, start=session.appointment.start, completed_at=session.completed_at, now=now
    )


def opens_at(session) -> datetime:
    return session.appointment.start - opens_before()


def read_only_from(session) -> datetime | None:
    """When the follow-up window ends (None unless completed)."""
    return session.completed_at + follow_up() if session.completed_at else None


# --- The moves ----------------------------------------------------------------------------------


class Party(StrEnum):
    PATIENT = "patient"
    DOCTOR = "doctor"
    SYSTEM = "system"  # receivers of appointments' signals and the periodic job


@dataclass(frozen=True)
class TimeLimit:
    name: str
    allows: object  # (session, now) -> bool
    refusal: str


ANY_TIME = TimeLimit("any time", lambda session, now: True, "")
WHEN_OPEN = TimeLimit(
    "once the room is open",
    lambda session, now: now >= opens_at(session),
    "The room opens 10 minutes before the appointment.",
)
AFTER_START = TimeLimit(
    "after the start",
    lambda session, now: now >= session.appointment.start,
    "This can be done once the appointment has started.",
)
DOCTOR_LATE = TimeLimit(
    "once the doctor is late by the grace period",
    lambda session, now: now >= session.appointment.start + doctor_grace(),
    "The doctor may still join.",
)


@dataclass(frozen=True)
class Move:
    action: str
    source: str
    party: Party
    when: TimeLimit
    target: str
    outcome: str = ""


Outcome = ConsultationSession.Outcome
LIVE = (Status.SCHEDULED, Status.IN_PROGRESS)


def _rows(action, sources, party, when, target, outcome=""):
    return [Move(action, source, party, when, target, outcome) for source in sources]


MOVES = (
    *_rows("start", [Status.SCHEDULED], Party.DOCTOR, WHEN_OPEN, Status.IN_PROGRESS),
    # The doctor completes from the room; the appointment page's "completed"
    # reaches the session through appointment_completed (the system follows).
    *_rows("complete", LIVE, Party.DOCTOR, AFTER_START, Status.COMPLETED, Outcome.COMPLETED),
    *_rows("complete", LIVE, Party.SYSTEM, ANY_TIME, Status.COMPLETED, Outcome.COMPLETED),
    *_rows("needs_in_person", LIVE, Party.DOCTOR, WHEN_OPEN, Status.CLOSED, Outcome.NEEDS_IN_PERSON),
    *_rows(
        "doctor_no_show", [Status.SCHEDULED], Party.SYSTEM, DOCTOR_LATE, Status.CLOSED, Outcome.DOCTOR_NO_SHOW
    ),
    # The appointment was cancelled, or the doctor recorded the patient's no-show.
    *_rows("close", LIVE, Party.SYSTEM, ANY_TIME, Status.CLOSED),
)

DONE = {
    "start": "started",
    "complete": "completed",
    "needs_in_person": "ended for an in-person visit",
    "doctor_no_show": "cancelled for the doctor's absence",
    "close": "closed",
}


class Refused(Exception):
    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def party_of(session, user) -> Party | None:
    if user is None:
        return Party.SYSTEM
    if user.pk == session.appointment.doctor.user_id:
        return Party.DOCTOR
    if user.pk == session.appointment.patient_id:
        return Party.PATIENT
    return None


def check(session, *, action, actor, now) -> Move:
    """The row that lets `actor` (a user, or None for the system) make `action`
    on `session` at `now`, or Refused with a message for the user."""
    party = party_of(session, actor)
    by_party = [m for m in MOVES if m.action == action and m.party == party]
    if not by_party:
        raise Refused("party", "Only the consultation's doctor can do that.")
    by_status = [m for m in by_party if m.source == session.status]
    if not by_status:
        label = Status(session.status).label.lower()
        raise Refused("status", f"A consultation that is {label} cannot be {DONE[action]}.")
    for move in by_status:
        if move.when.allows(session, now):
            return move
    raise Refused("time", by_status[0].when.refusal)


def allowed_actions(session, user, *, now) -> set[str]:
    party = party_of(session, user)
    if party in (None, Party.SYSTEM):
        return set()
    return {
        m.action
        for m in MOVES
        if m.party == party and m.source == session.status and m.when.allows(session, now)
    }
