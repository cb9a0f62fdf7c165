"""seed_demo's consultation room: the demo patient's recent video consultation
with the demo doctor, completed a few days ago and still in its follow-up
window, with a short conversation, so `make run` shows a room at once.

Made through consultations.services, as a real one would be: the session is
ensured, follows its completed appointment, and the messages are sent by their
senders at their times. Re-running adds nothing once the room has messages.
"""

import uuid
from datetime import timedelta

from appointments.models import Appointment
from consultations import lifecycle, services
from consultations.models import Message
from core.models import Notification
from profiles.models import Mode

CONVERSATION = (
    # (minutes after the start, who, text)
    (1, "doctor", "Hello Rahul, I have read your notes. How does the skin feel since we changed the cream?"),
    (3, "patient", "Hello doctor. Much less oily, but the cheeks are dry and a little red in the morning."),
    (
        5,
        "doctor",
        "That is common in the first weeks. Use the cream every other night and a plain moisturiser in the morning.",
    ),
    (6, "patient", "Okay. Should I keep using the face wash twice a day?"),
    (
        8,
        "doctor",
        "Once a day is enough for now. Write to me here if the redness is not better in four or five days.",
    ),
)
FOLLOW_UP = "Doctor, the redness is much better today. Is it fine to use sunscreen over the moisturiser?"


def seed(*, doctor, patient, now) -> int:
    """Messages added to the demo room (0 when there is no such consultation or it has some already)."""
    appointment = (
        Appointment.objects.filter(
            doctor=doctor,
            patient=patient,
            mode=Mode.ONLINE,
            status=Appointment.Status.COMPLETED,
            end__gte=now - lifecycle.follow_up() + timedelta(days=1),
        )
        .select_related("doctor__user", "patient")
        .order_by("-start")
        .first()
    )
    if appointment is None:
        return 0
    session = services.consultation_session_ensure(appointment=appointment)
    if Message.objects.filter(session=session).exists():
        return 0
    last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    services.follow_appointment(appointment=appointment, event="completed", now=appointment.end)
    users = {"doctor": doctor.user, "patient": patient}
    added = 0
    for minutes, who, text in CONVERSATION:
        services.message_send(
            session=session,
            sender=users[who],
            body=text,
            client_id=uuid.uuid4(),
            now=appointment.start + timedelta(minutes=minutes),
        )
        added += 1
    services.messages_mark_read(session=session, reader=patient, upto=2**62, now=appointment.end)
    services.messages_mark_read(session=session, reader=doctor.user, upto=2**62, now=appointment.end)
    # The patient's follow-up question this morning, not yet answered.
    services.message_send(
        session=session, sender=patient, body=FOLLOW_UP, client_id=uuid.uuid4(), now=now - timedelta(hours=1)
    )
    # In the bells, as seed_demo's other notifications; no emails to nobody.
    Notification.objects.filter(
        pk__gt=last_notification, email_status=Notification.EmailStatus.PENDING
    ).update(email_status=Notification.EmailStatus.NONE)
    return added + 1
