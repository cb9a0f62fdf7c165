"""The consultation room's pages. Every object is scoped to the requesting
user through consultations.selectors (a stranger's id gives 404)."""

import uuid

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import Max, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from accounts.sessions import check_idle, session_free
from appointments.models import Appointment
from consultations import call_poll, lifecycle, poll, selectors, services
from consultations.forms import InPersonForm, MessageForm
from consultations.models import Attachment, ConsultationSession, Message
from core.files import deny_private_file, serve_private_file
from core.permissions_policy import allow_features
from core.throttle import limit_posts
from core.uploads import download_name
from core.zones import zone_on_demand


def _int(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return max(min(number, 2**62), 0)


# At most this many messages per poll (a client far behind catches up over a few polls).
POLL_BATCH = 200


def _can_post(phase_name) -> bool | None:
    try:
        return lifecycle.Phase(phase_name).can_post
    except ValueError:
        return None


def _read_upto(session, user) -> int:
    """The newest of `user`'s own messages that the other party has read (0: none)."""
    return (
        Message.objects.filter(session=session, sender=user, read_at__isnull=False).aggregate(last=Max("pk"))[
            "last"
        ]
        or 0
    )


def _labelled(chat, session, user) -> list:
    """Each message marked as the viewer's own or not, with its sender's name."""
    doctor = session.appointment.doctor
    for message in chat:
        message.mine = message.sender_id == user.pk
        message.sender_label = (
            doctor.display_name if message.sender_id == doctor.user_id else message.sender.get_full_name()
        )
    return chat


def _room_context(request, session, *, now, form=None):
    user = request.user
    phase = lifecycle.room_phase(session, now)
    appointment = session.appointment
    is_doctor = user.pk == appointment.doctor.user_id
    other = appointment.patient_id if is_doctor else appointment.doctor.user_id
    other_seen = poll.last_seen(session.pk, "patient" if is_doctor else "doctor")
    typing = poll.typing_since(session.pk, other)
    return {
        "other_seen": other_seen,
        "other_present": poll.present(other_seen),
        "other_typing": typing is not None,
        "other_name": appointment.patient.get_full_name() if is_doctor else appointment.doctor.display_name,
        "session": session,
        "appointment": appointment,
        "doctor": appointment.doctor,
        "is_doctor": is_doctor,
        "phase": phase,
        "opens_at": lifecycle.opens_at(session),
        "read_only_from": lifecycle.read_only_from(session),
        "actions": lifecycle.allowed_actions(session, user, now=now),
        "form": form or MessageForm(initial={"client_id": uuid.uuid4()}),
        "in_person_form": InPersonForm(),
        "version": poll.current_version(session.pk),
        "poll_token": poll.token_for(session.pk, user.pk, session_key=request.session.session_key),
        "now": now,
    }


@login_required
@require_GET
@allow_features("camera", "microphone")  # the video call (docs/video.md); no other page may
def room(request, pk):
    session = selectors.session_for(request.user, pk)
    now = timezone.now()
    # Opening the room reads everything in it: a page load may write, a poll never does.
    services.messages_mark_read(session=session, reader=request.user, upto=2**62, now=now)
    poll.mark_seen(session.pk, "doctor" if session.doctor_user_id == request.user.pk else "patient")
    poll.store_snapshot(session)
    return _render_room(request, session, now=now)


def _render_room(request, session, *, now, form=None, status=200):
    chat = _labelled(list(selectors.messages_of(session)), session, request.user)
    context = _room_context(request, session, now=now, form=form)
    context.update(
        messages_list=chat,
        last_id=chat[-1].pk if chat else 0,
        read_upto=_read_upto(session, request.user),
        qualifications=list(session.appointment.doctor.qualifications.all()),
        **call_poll.call_context(request, session, now=now),
    )
    return render(request, "consultations/room.html", context, status=status)


@session_free
@zone_on_demand
@require_GET
def poll_view(request, pk):
    """The cheap poll (consultations.poll): 204 from the shared cache alone when
    nothing changed (with a valid token, not even the session or the user is
    loaded); otherwise the new messages and the changed parts, for the
    signed-in participant only."""
    # The session cookie's key (read without loading the session): the token is
    # good only in the browser session it was rendered in, so not after a logout.
    user_pk = poll.user_from_token(request.GET.get("t"), pk, session_key=request.session.session_key)
    if user_pk is None:
        check_idle(request)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        user_pk = request.user.pk
    snapshot, version, seen = poll.cached_state(pk)
    if snapshot is None:
        session = selectors.sessions_with_appointment().filter(pk=pk).first()
        if session is None:
            raise Http404("No such consultation")
        snapshot = poll.store_snapshot(session)
        version = poll.current_version(pk)
    role = poll.role_in(snapshot, user_pk)
    if role is None:
        raise Http404("No such consultation")
    now = timezone.now()
    phase = lifecycle.phase(
        status=snapshot["status"], start=snapshot["start"], completed_at=snapshot["completed_at"], now=now
    )
    poll.mark_seen(pk, role, before=seen.get(role))
    other_present = poll.present(seen.get("doctor" if role == "patient" else "patient"))
    if (
        version is not None
        and request.GET.get("v") == str(version)
        and request.GET.get("phase") == phase
        and request.GET.get("o") == ("1" if other_present else "0")
    ):
        return HttpResponse(status=204)

    # Beyond a 204, only for the signed-in participant (a token outlives a logout).
    check_idle(request)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = request.user
    request.activate_viewer_zone()  # message times follow: now the zone is needed
    session = selectors.session_for(user, pk)
    after = _int(request.GET.get("after"))
    new = _labelled(list(selectors.messages_of(session, after=after, limit=POLL_BATCH)), session, user)
    context = _room_context(request, session, now=now)
    if len(new) == POLL_BATCH:
        context["version"] = None  # more to come: the next poll takes the full path again
    phase = context["phase"]
    context.update(
        messages_list=new,
        last_id=new[-1].pk if new else after,
        read_upto=_read_upto(session, user),
        # The composer is re-rendered only when writing becomes possible or not:
        # re-rendering it for any other change would wipe what is being typed.
        composer_changed=_can_post(request.GET.get("phase")) != phase.can_post,
        extra=mark_safe("".join(poll.extra_fragments(request, session))),  # noqa: S308 renderers return escaped HTML
    )
    return render(request, "consultations/partials/poll.html", context)


@login_required
@require_POST
@limit_posts(
    "consultation-message", setting="CONSULTATION_POSTS_PER_MINUTE", template="consultations/429.html"
)
def send(request, pk):
    session = selectors.session_for(request.user, pk)
    form = MessageForm(request.POST, request.FILES)
    error = None
    if form.is_valid():
        try:
            services.message_send(
                session=session,
                sender=request.user,
                body=form.cleaned_data["body"],
                client_id=form.cleaned_data["client_id"],
                upload=form.cleaned_data.get("file"),
            )
        except ValidationError as invalid:
            form.add_error("file", invalid)
        except services.ConsultationError as refused:
            error = str(refused)
            form.add_error(None, error)
    if request.htmx:
        if form.errors:
            response = render(request, "consultations/partials/composer_status.html", {"form": form})
            response["HX-Retarget"] = "#composer-status"
            response["HX-Reswap"] = "innerHTML"
            return response
        response = HttpResponse(status=204)
        response["HX-Trigger"] = "consult-sent"
        return response
    if form.errors:
        return _render_room(request, session, now=timezone.now(), form=form, status=400)
    return redirect("consultations:room", pk=session.pk)


@login_required
@require_POST
def typing(request, pk):
    """The composer's "I am typing" (at most every few seconds): the shared cache only."""
    snapshot, _, _ = poll.cached_state(pk)
    if snapshot is None:
        snapshot = poll.store_snapshot(selectors.session_for(request.user, pk))
    if poll.role_in(snapshot, request.user.pk) is None:
        raise Http404("No such consultation")
    poll.mark_typing(pk, request.user.pk)
    return HttpResponse(status=204)


@login_required
@require_POST
def mark_read(request, pk):
    session = selectors.session_for(request.user, pk)
    services.messages_mark_read(session=session, reader=request.user, upto=_int(request.POST.get("upto")))
    return HttpResponse(status=204)


def _doctor_move(request, pk, call):
    session = selectors.session_for(request.user, pk)
    try:
        call(session)
    except services.ConsultationError as refused:
        flash.error(request, str(refused))
    return redirect("consultations:room", pk=session.pk)


@login_required
@require_POST
def start(request, pk):
    return _doctor_move(request, pk, lambda s: services.consultation_start(session=s, actor=request.user))


@login_required
@require_POST
def complete(request, pk):
    def call(session):
        services.consultation_complete(session=session, actor=request.user)
        flash.success(request, "Consultation completed. The patient can send follow-up messages for 7 days.")

    return _doctor_move(request, pk, call)


@login_required
@require_POST
def in_person(request, pk):
    form = InPersonForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""

    def call(session):
        services.consultation_needs_in_person(session=session, actor=request.user, note=note)
        flash.success(request, "Consultation ended. The patient is refunded and offered your clinic slots.")

    return _doctor_move(request, pk, call)


def _attachment_for(request, pk, attachment_pk) -> Attachment:
    """The attachment if the requester is a participant of its room; every
    refusal is logged (core.files) and answered 404."""
    user = request.user
    attachment = (
        Attachment.objects.select_related("message__session__appointment__doctor")
        .filter(pk=attachment_pk, message__session_id=pk)
        .first()
    )
    if attachment is None:
        deny_private_file(request, detail=f"consultation {pk} attachment {attachment_pk} not found")
    appointment = attachment.message.session.appointment
    if not user.is_authenticated or user.pk not in (appointment.patient_id, appointment.doctor.user_id):
        deny_private_file(request, target=attachment, subject=appointment.patient, detail="not a participant")
    return attachment


@login_required
@require_GET
def attachment_file(request, pk, attachment_pk):
    attachment = _attachment_for(request, pk, attachment_pk)
    return serve_private_file(
        request,
        field_file=attachment.file,
        download_name=download_name(attachment.original_name, attachment.content_type),
        content_type=attachment.content_type,
        target=attachment,
        subject=attachment.message.session.appointment.patient,
    )


@login_required
@require_GET
def attachment_thumbnail(request, pk, attachment_pk):
    attachment = _attachment_for(request, pk, attachment_pk)
    if not attachment.thumbnail:
        raise Http404("No thumbnail")
    return serve_private_file(
        request,
        field_file=attachment.thumbnail,
        download_name="thumbnail.jpg",
        content_type="image/jpeg",
        target=attachment,
        subject=attachment.message.session.appointment.patient,
    )


def _appointment_for(user, appointment_pk) -> Appointment:
    return get_object_or_404(
        Appointment.objects.select_related("doctor__user", "patient").filter(
            Q(patient=user) | Q(doctor__user=user)
        ),
        pk=appointment_pk,
    )


@login_required
@require_GET
def for_appointment(request, appointment_pk):
    """The room of an appointment (appointment pages link here by the id they know)."""
    appointment = _appointment_for(request.user, appointment_pk)
    session = services.consultation_session_ensure(appointment=appointment)
    if session is None:
        session = ConsultationSession.objects.filter(appointment=appointment).first()
    if session is None:
        raise Http404("This appointment has no consultation room")
    return redirect("consultations:room", pk=session.pk)


@login_required
@require_GET
def join_card(request, appointment_pk):
    """The appointment page's "Join consultation" card (pulled with hx-get)."""
    appointment = _appointment_for(request.user, appointment_pk)
    session = ConsultationSession.objects.filter(appointment=appointment).select_related(None).first()
    if session is None:
        session = services.consultation_session_ensure(appointment=appointment)
    context = {"appointment": appointment, "session": session}
    if session is not None:
        session.appointment = appointment
        now = timezone.now()
        context.update(
            phase=lifecycle.room_phase(session, now),
            opens_at=lifecycle.opens_at(session),
            unread=selectors.unread_counts(request.user, [appointment.pk]).get(appointment.pk, 0),
        )
    html = render_to_string("consultations/partials/join_card.html", context, request=request)
    return HttpResponse(html)
