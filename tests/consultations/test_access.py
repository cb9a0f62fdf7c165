"""Who may open a room, its poll and its files: the patient and the doctor; everyone else 404, anonymous to login."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consultations import poll, services
from consultations.models import Attachment
from tests.factories import png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def attachment(session, patient):
    services.message_send(
        session=session,
        sender=patient,
        body="Photo",
        upload=SimpleUploadedFile("rash.png", png_bytes(), content_type="image/png"),
    )
    return Attachment.objects.get()


def _urls(session, attachment):
    return {
        "room": reverse("consultations:room", args=[session.pk]),
        "poll": reverse("consultations:poll", args=[session.pk]) + "?after=0&v=0&phase=open",
        "file": reverse("consultations:file", args=[session.pk, attachment.pk]),
        "thumbnail": reverse("consultations:thumbnail", args=[session.pk, attachment.pk]),
        "for_appointment": reverse("consultations:for_appointment", args=[session.appointment_id]),
        "join_card": reverse("consultations:join_card", args=[session.appointment_id]),
    }


@pytest.mark.parametrize("persona", ["patient", "doctor"])
def test_participants_open_the_room_its_poll_and_files(request, session, attachment, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    expected = {
        "room": 200,
        "poll": 200,
        "file": 200,
        "thumbnail": 200,
        "for_appointment": 302,
        "join_card": 200,
    }
    got = {name: client.get(url).status_code for name, url in _urls(session, attachment).items()}
    assert got == expected


@pytest.mark.parametrize("persona", ["other_patient", "other_doctor", "staff"])
def test_everyone_else_gets_404(request, session, attachment, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    got = {name: client.get(url).status_code for name, url in _urls(session, attachment).items()}
    assert set(got.values()) == {404}


def test_stranger_gets_404_from_the_cached_poll_too(session, client_for, patient, other_patient):
    poll.store_snapshot(session)
    response = client_for(other_patient).get(
        reverse("consultations:poll", args=[session.pk]),
        {"after": 0, "v": poll.current_version(session.pk), "phase": "open"},
    )
    assert response.status_code == 404


def test_anonymous_is_sent_to_login(session, attachment, client):
    for name, url in _urls(session, attachment).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("accounts:login")), name


def test_unknown_ids_are_404(client_for, patient, session, attachment):
    client = client_for(patient)
    assert client.get(reverse("consultations:room", args=[999999])).status_code == 404
    assert client.get(reverse("consultations:poll", args=[999999])).status_code == 404
    assert client.get(reverse("consultations:file", args=[session.pk, 999999])).status_code == 404
    assert client.get(reverse("consultations:file", args=[999999, attachment.pk])).status_code == 404


def test_garbage_poll_parameters_never_give_500(client_for, patient, session):
    client = client_for(patient)
    for after in ("abc", "-5", "9" * 40, ""):
        response = client.get(reverse("consultations:poll", args=[session.pk]), {"after": after, "v": "x"})
        assert response.status_code == 200


def test_room_header_names_the_doctor_with_registration(client_for, patient, session):
    html = client_for(patient).get(reverse("consultations:room", args=[session.pk])).content.decode()
    assert "KMC-12345" in html
    assert "Karnataka Medical Council" in html
