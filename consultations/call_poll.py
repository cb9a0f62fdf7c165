"""The video call's part of the room: rendered with the page and, through the
room's poll extension point (consultations.poll), on every full poll.

The 204 path of the poll never reaches this: every call move and signal bumps
the room's change marker, so a poll with nothing pending still costs what it
did. A full poll pays nothing here until the room's first call
(ConsultationSession.has_calls), then one query (the recent calls) and one
more while a call is live (its pending signals).
"""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone

from consultations import calls, lifecycle, poll
from consultations.models import Call

HISTORY_LIMIT = 20


def call_context(request, session, *, now=None) -> dict:
    now = now or timezone.now()
    party = lifecycle.party_of(session, request.user)
    role = party.value if party is not None else None
    # A room that never had a call costs no query here (the session is loaded anyway).
    recent = (
        list(Call.objects.filter(session=session).order_by("-id")[:HISTORY_LIMIT])
        if session.has_calls
        else []
    )
    latest = recent[0] if recent else None
    state = calls.effective_status(latest, now=now) if latest else ""
    signals = []
    if latest is not None and state in Call.LIVE:
        signals = [
            {"id": s.pk, "call_id": latest.pk, "kind": s.kind, "payload": s.payload}
            for s in calls.pending_signals(latest, request.user, now=now)
        ]
    history = calls.history_rows(recent, now=now)
    return {
        "session": session,
        "video_role": role,
        "call": latest,
        "call_state": state.lower() if state else "",
        "call_can_start": lifecycle.room_phase(session, now)
        in (lifecycle.Phase.OPEN, lifecycle.Phase.IN_PROGRESS),
        "ringing_for_me": role == "patient"
        and state == Call.Status.RINGING
        and latest.patient_joined_at is None,
        "signals_json": json.dumps(signals, cls=DjangoJSONEncoder),
        "call_history": history,
        "ring_seconds": settings.VIDEO_RING_SECONDS,
    }


def register() -> None:
    """Called by the app's ready(): the room's poll renders the call's part."""
    poll.fragment(call_fragment)


def call_fragment(request, session) -> str:
    context = {**call_context(request, session), "oob": True}
    return render_to_string("consultations/partials/call_oob.html", context, request=request)
