"""Issue 13 item 4: the doctor sees a minor's accompanying adult in the room's header."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _room(client, session):
    return client.get(reverse("consultations:room", args=[session.pk])).content.decode()


def test_room_header_shows_the_minors_accompanying_adult_to_the_doctor(client_for, doctor, session):
    session.appointment.companion_name = "Meera <b>Iyer</b>"
    session.appointment.companion_relation = "Mother"
    session.appointment.save(update_fields=["companion_name", "companion_relation"])

    html = _room(client_for(doctor), session)

    header = html.split('class="card room-head"', 1)[1].split("</header>", 1)[0]
    assert "accompanied by Meera &lt;b&gt;Iyer&lt;/b&gt; (Mother)" in header


def test_room_header_has_no_companion_line_for_an_adult_patient(client_for, doctor, session):
    assert "room-companion" not in _room(client_for(doctor), session)


def test_room_header_companion_line_is_for_the_doctor_only(client_for, patient, session):
    session.appointment.companion_name = "Meera Iyer"
    session.appointment.companion_relation = "Mother"
    session.appointment.save(update_fields=["companion_name", "companion_relation"])

    assert "room-companion" not in _room(client_for(patient), session)
