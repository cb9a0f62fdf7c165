"""The video call's endpoints: start, join, decline, signal, connected, hang up.

Each answers JSON to static/js/video-call.js (a plain form post, without the
script, is sent back to the room). Only the appointment's doctor and patient
reach a call, and only while the room is open or in progress (everyone else,
and any other time, 404); hanging up works whenever the call exists, so a call
can always be ended. Posts are limited per call and user
(VIDEO_SIGNAL_POSTS_PER_MINUTE): a set-up takes about five, an ICE restart two.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from consultations import calls, lifecycle, selectors
from consultations.call_forms import SignalForm
from consultations.ice import ice_servers_for
from consultations.models import Call
from core.throttle import limit_posts

CALL_PHASES = (lifecycle.Phase.OPEN, lifecycle.Phase.IN_PROGRESS)


def _call_key(request):
    """Posts are counted per user and call (a new call is counted as "start")."""
    if not request.user.is_authenticated:
        return None
    call_pk = request.resolver_match.kwargs.get("call_pk", "start") if request.resolver_match else "start"
    return f"{request.user.pk}:{request.resolver_match.kwargs.get('pk')}:{call_pk}"


limited = limit_posts("video-call", setting="VIDEO_SIGNAL_POSTS_PER_MINUTE", key=_call_key)


def _session_for_call(user, pk, *, need_open=True):
    """The room `pk` for its doctor or patient while calls are allowed; else 404."""
    session = selectors.session_for(user, pk)
    if need_open and lifecycle.room_phase(session, timezone.now()) not in CALL_PHASES:
        raise Http404("No calls in this consultation now")
    return session


def _call_for(session, call_pk) -> Call:
    call = Call.objects.filter(session=session, pk=call_pk).first()
    if call is None:
        raise Http404("No such call")
    return call


def _urls(session, call) -> dict:
    args = (session.pk, call.pk)
    return {
        name: reverse(f"consultations:call_{name}", args=args)
        for name in ("join", "decline", "signal", "connected", "end")
    }


def _answer(request, session, payload, *, status=200):
    """JSON for the script; a plain form post goes back to the room."""
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(payload, status=status)
    return redirect("consultations:room", pk=session.pk)


def _refused(request, session, error):
    return _answer(request, session, {"error": str(error)}, status=409)


def _call_payload(request, session, call):
    return {
        "call_id": call.pk,
        "status": call.status,
        "urls": _urls(session, call),
        "ice_servers": ice_servers_for(request.user),
    }


def _role(session, user):
    party = lifecycle.party_of(session, user)
    return party.value if party is not None else None


@login_required
@require_POST
@limited
def call_start(request, pk):
    session = _session_for_call(request.user, pk)
    if _role(session, request.user) != "doctor":
        raise Http404("Only the doctor starts a call")
    call = calls.call_start(session=session, doctor=request.user)
    return _answer(request, session, _call_payload(request, session, call), status=201)


@login_required
@require_POST
@limited
def call_join(request, pk, call_pk):
    session = _session_for_call(request.user, pk)
    if _role(session, request.user) != "patient":
        raise Http404("Only the patient joins a call")
    try:
        call = calls.call_join(call=_call_for(session, call_pk), patient=request.user)
    except calls.CallError as error:
        return _refused(request, session, error)
    return _answer(request, session, _call_payload(request, session, call))


@login_required
@require_POST
@limited
def call_decline(request, pk, call_pk):
    session = _session_for_call(request.user, pk)
    if _role(session, request.user) != "patient":
        raise Http404("Only the patient declines a call")
    try:
        call = calls.call_decline(call=_call_for(session, call_pk), patient=request.user)
    except calls.CallError as error:
        return _refused(request, session, error)
    return _answer(request, session, {"call_id": call.pk, "status": call.status})


@login_required
@require_POST
@limited
def call_signal(request, pk, call_pk):
    session = _session_for_call(request.user, pk)
    call = _call_for(session, call_pk)
    form = SignalForm(request.POST, role=_role(session, request.user))
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    try:
        signal = calls.signal_post(
            call=call,
            sender=request.user,
            kind=form.cleaned_data["kind"],
            payload=form.cleaned_data["payload"],
        )
    except calls.CallError as error:
        return _refused(request, session, error)
    return JsonResponse({"signal_id": signal.pk}, status=201)


@login_required
@require_POST
@limited
def call_connected(request, pk, call_pk):
    session = _session_for_call(request.user, pk)
    try:
        call = calls.call_connected(
            call=_call_for(session, call_pk),
            user=request.user,
            role=_role(session, request.user),
            video=bool(request.POST.get("video")),
        )
    except calls.CallError as error:
        return _refused(request, session, error)
    return _answer(request, session, {"call_id": call.pk, "status": call.status})


@login_required
@require_POST
@limited
def call_end(request, pk, call_pk):
    session = _session_for_call(request.user, pk, need_open=False)
    call = calls.call_end(call=_call_for(session, call_pk), user=request.user)
    return _answer(request, session, {"call_id": call.pk, "status": call.status})
