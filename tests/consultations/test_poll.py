"""The poll: 204 from the cache when nothing changed, only newer messages, and its query budget."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultations import poll, services
from consultations.models import Message

pytestmark = pytest.mark.django_db


def _poll(client, session, *, after=0, version=None, phase="open"):
    version = poll.current_version(session.pk) if version is None else version
    return client.get(
        reverse("consultations:poll", args=[session.pk]), {"after": after, "v": version, "phase": phase}
    )


def _say(session, user, text):
    message, _ = services.message_send(session=session, sender=user, body=text, client_id=uuid.uuid4())
    return message


def test_poll_nothing_new_is_204_in_two_queries_without_writes(client_for, session, patient):
    client = client_for(patient)
    client.get(reverse("consultations:room", args=[session.pk]))  # warms the session and the room snapshot

    with CaptureQueriesContext(connection) as queries:
        response = _poll(client, session)

    assert response.status_code == 204
    assert len(queries) == 2
    assert not any(q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for q in queries)


def test_poll_returns_only_newer_messages(client_for, session, patient, doctor):
    first = _say(session, doctor, "Hello, how are you feeling?")
    second = _say(session, doctor, "Any fever?")
    client = client_for(patient)

    response = _poll(client, session, after=first.pk, version=0)

    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="m-{second.pk}"' in body
    assert f'id="m-{first.pk}"' not in body
    assert Message.objects.count() == 2
