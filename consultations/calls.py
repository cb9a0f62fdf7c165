"""Video calls in the consultation room: the call record's moves, signalling,
and the reads that other apps use (docs/video.md).

The browsers talk to each other directly (WebRTC). The server's part:

- **the record** (Call): the doctor starts a call, the patient joins or
  declines, either browser reports "connected" (and every 30 s after, as a
  heartbeat), either side hangs up. One function per move of MOVES, each in a
  transaction holding the call's row, each bumping the room's change marker
  (consultations.poll) so the other side's poll renders the new state;
- **signalling** (CallSignal): offers, answers and batches of ICE candidates,
  short-lived rows the room's poll hands to the other participant;
- **what the clock decides**: a call ringing for VIDEO_RING_SECONDS without
  the patient is missed; a live call neither browser has spoken for for
  VIDEO_CALL_STALE_SECONDS has ended (at its last word). `effective_status`
  derives both; the next move that needs the room free writes them.

Nothing here stores or relays audio or video.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from consultations import poll
from consultations.models import Call, CallSignal, ConsultationSession

Status = Call.Status

# The legal moves: action -> (statuses it may start from, status it leads to).
MOVES = {
    "join": ({Status.RINGING}, Status.RINGING),
    "decline": ({Status.RINGING}, Status.DECLINED),
    "connect": ({Status.RINGING, Status.CONNECTED}, Status.CONNECTED),
    "end": ({Status.RINGING, Status.CONNECTED}, Status.ENDED),
}


class CallError(Exception):
    """A move the call's state does not allow; the message is for the user."""


def effective_status(call, *, now=None) -> str:
    """The status with the clock applied: missed when it rang too long, ended
    when both browsers have been silent too long."""
    now = now or timezone.now()
    if call.status == Status.RINGING and call.patient_joined_at is None:
        if now - call.created_at > timedelta(seconds=settings.VIDEO_RING_SECONDS):
            return Status.MISSED
        return Status.RINGING
    if call.status in Call.LIVE:
        last = call.last_seen_at or call.created_at
        if now - last > timedelta(seconds=settings.VIDEO_CALL_STALE_SECONDS):
            return Status.ENDED
    return call.status


def effective_end(call, *, now=None):
    """When the call ended: its hang-up, or the last word of a call gone silent."""
    if call.ended_at is not None:
        return call.ended_at
    if effective_status(call, now=now) in (Status.ENDED, Status.MISSED):
        return call.last_seen_at or call.created_at
    return None


def duration(call, *, now=None) -> timedelta | None:
    """How long the call was connected (so far, for a live one); None if it never was."""
    if call.connected_at is None:
        return None
    end = effective_end(call, now=now) or (now or timezone.now())
    return max(end - call.connected_at, timedelta(0))


def is_live(call, *, now=None) -> bool:
    return effective_status(call, now=now) in Call.LIVE


def _move(call, action: str, *, now) -> None:
    allowed_from, to = MOVES[action]
    current = effective_status(call, now=now)
    if current not in allowed_from:
        raise CallError(
            {
                Status.ENDED: "This call has ended.",
                Status.DECLINED: "This call was declined.",
                Status.MISSED: "This call was not answered in time.",
            }.get(current, "This call cannot do that now.")
        )
    call.status = to


def _settle(call, *, now) -> None:
    """Write what the clock decided (missed, or ended at its last word) and drop the signals.

    Side effects: bumps the room's marker, so a page still showing the call
    (the patient's "is calling" with Join) re-renders on its next poll."""
    status = effective_status(call, now=now)
    if status != call.status:
        call.status = status
        call.ended_at = effective_end(call, now=now)
        call.save(update_fields=["status", "ended_at"])
        CallSignal.objects.filter(call=call).delete()
        poll.bump_after_commit(call.session_id)


def _locked(call) -> Call:
    return Call.objects.select_for_update().get(pk=call.pk)


def call_start(*, session, doctor, now=None) -> Call:
    """The doctor calls the patient. A live call of the room is ended first
    (the doctor's page was reloaded, or a call stayed open on another device).

    Side effects: the room's change marker is bumped, so the patient's poll
    shows "Doctor is calling" with Join / Decline.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Two starts at once (two tabs, a double click) take turns on the room's
        # row: without it, two starts into a room with no live call both find
        # none and the second insert fails the one-live-call constraint (a 500).
        ConsultationSession.objects.select_for_update().filter(pk=session.pk).values_list("pk").first()
        for live in Call.objects.select_for_update().filter(session=session, status__in=Call.LIVE):
            _settle(live, now=now)
            if live.status in Call.LIVE:
                live.status = Status.ENDED
                live.ended_at = now
                live.ended_by = doctor
                live.save(update_fields=["status", "ended_at", "ended_by"])
                CallSignal.objects.filter(call=live).delete()
        call = Call.objects.create(session=session, started_by=doctor, created_at=now, last_seen_at=now)
        if not session.has_calls:
            ConsultationSession.objects.filter(pk=session.pk).update(has_calls=True)
            session.has_calls = True
        poll.bump_after_commit(session.pk)
    return call


def call_join(*, call, patient, now=None) -> Call:
    """The patient answers. Side effects: bumps the room's marker."""
    now = now or timezone.now()
    with transaction.atomic():
        call = _locked(call)
        _move(call, "join", now=now)
        call.patient_joined_at = call.patient_joined_at or now
        call.last_seen_at = now
        call.save(update_fields=["status", "patient_joined_at", "last_seen_at"])
        poll.bump_after_commit(call.session_id)
    return call


def call_decline(*, call, patient, now=None) -> Call:
    """The patient declines. Side effects: signals deleted; bumps the room's
    marker (the doctor's page shows the call declined)."""
    now = now or timezone.now()
    with transaction.atomic():
        call = _locked(call)
        _move(call, "decline", now=now)
        call.ended_at = now
        call.ended_by = patient
        call.save(update_fields=["status", "ended_at", "ended_by"])
        CallSignal.objects.filter(call=call).delete()
        poll.bump_after_commit(call.session_id)
    return call


def call_connected(*, call, user, role: str, video: bool, now=None) -> Call:
    """A browser reports the call connected (first time, and every 30 s as a
    heartbeat), saying whether it sends video. Side effects: the first report
    bumps the room's marker; heartbeats do not (they change nothing on screen)."""
    now = now or timezone.now()
    with transaction.atomic():
        call = _locked(call)
        _move(call, "connect", now=now)
        first = call.connected_at is None
        call.connected_at = call.connected_at or now
        call.last_seen_at = now
        fields = ["status", "connected_at", "last_seen_at"]
        if video:
            # Once each side has sent video the call is a video call; a camera
            # turned off later does not undo what the doctor has seen.
            field = "doctor_video" if role == "doctor" else "patient_video"
            setattr(call, field, True)
            fields.append(field)
        call.save(update_fields=fields)
        if first:
            poll.bump_after_commit(call.session_id)
    return call


def call_end(*, call, user, now=None) -> Call:
    """Either side hangs up. Ending an ended call changes nothing (both sides
    may hang up at once). Side effects: signals deleted; bumps the room's marker."""
    now = now or timezone.now()
    with transaction.atomic():
        call = _locked(call)
        if effective_status(call, now=now) not in Call.LIVE:
            _settle(call, now=now)
            return call
        _move(call, "end", now=now)
        call.ended_at = now
        call.ended_by = user
        call.save(update_fields=["status", "ended_at", "ended_by"])
        CallSignal.objects.filter(call=call).delete()
        poll.bump_after_commit(call.session_id)
    return call


def signal_post(*, call, sender, kind: str, payload, now=None) -> CallSignal:
    """Hand an offer, answer or candidate batch to the other side. Expired
    signals of the call are deleted on the way. Side effects: bumps the room's marker."""
    now = now or timezone.now()
    with transaction.atomic():
        call = _locked(call)
        if not is_live(call, now=now):
            raise CallError("This call has ended.")
        CallSignal.objects.filter(call=call, created_at__lt=now - signal_ttl()).delete()
        signal = CallSignal.objects.create(
            call=call, sender=sender, kind=kind, payload=payload, created_at=now
        )
        call.last_seen_at = now
        call.save(update_fields=["last_seen_at"])
        poll.bump_after_commit(call.session_id)
    return signal


def signal_ttl() -> timedelta:
    return timedelta(seconds=settings.VIDEO_SIGNAL_TTL)


def purge_signals(*, now=None) -> int:
    """Delete every signal past its lifetime, and those of calls no longer live."""
    now = now or timezone.now()
    expired, _ = CallSignal.objects.filter(created_at__lt=now - signal_ttl()).delete()
    finished, _ = CallSignal.objects.exclude(call__status__in=Call.LIVE).delete()
    return expired + finished


# --- Reads ---------------------------------------------------------------------------


def pending_signals(call, user, *, now=None) -> list[CallSignal]:
    """The live signals the other participant sent `user`, oldest first."""
    now = now or timezone.now()
    return list(
        CallSignal.objects.filter(call=call, created_at__gte=now - signal_ttl())
        .exclude(sender=user)
        .order_by("id")
    )


def duration_label(value: timedelta | None) -> str | None:
    """ "12 min 5 s", "45 s"; None for a call that never connected."""
    if value is None:
        return None
    minutes, seconds = divmod(int(value.total_seconds()), 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def history_rows(call_list, *, now=None) -> list[dict]:
    """What the history shows of each call (templates/consultations/partials/call_list.html)."""
    now = now or timezone.now()
    return [
        {
            "call": call,
            "status": effective_status(call, now=now),
            "duration": duration_label(duration(call, now=now)),
            "with_video": call.with_video,
            "patient_joined": call.patient_joined_at is not None,
        }
        for call in call_list
    ]


def call_records(session_ids, *, now=None) -> dict[int, list[dict]]:
    """{session id: its calls as history rows, newest first} in one query (My Records)."""
    records: dict[int, list] = {}
    for call in Call.objects.filter(session_id__in=list(session_ids)).order_by("-id"):
        records.setdefault(call.session_id, []).append(call)
    return {pk: history_rows(rows, now=now) for pk, rows in records.items()}


def consulted_by_video(session, *, now=None) -> bool:
    """Whether this consultation counts as by video for the prescription rules
    (CLINICAL.md, list A): some call of it was connected with video on both sides
    for at least VIDEO_CONSULT_MIN_SECONDS. Otherwise the doctor's declared mode
    stands. A live call counts only up to its last word (a heartbeat): the
    time since then is not known to have been connected, and counting it would
    make the answer "yes" while the call is silent and "no" once it goes stale."""
    minimum = timedelta(seconds=settings.VIDEO_CONSULT_MIN_SECONDS)
    calls = Call.objects.filter(
        session=session, connected_at__isnull=False, doctor_video=True, patient_video=True
    )
    return any(_confirmed(call, now=now) >= minimum for call in calls)


def _confirmed(call, *, now=None) -> timedelta:
    """How long the call is known to have been connected: to its end, or for a
    live call to its last word."""
    end = effective_end(call, now=now) or call.last_seen_at or call.connected_at
    return max(end - call.connected_at, timedelta(0))
