"""The slot picker, the booking page and one appointment's page, through HTTP."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments import services
from appointments.forms import BookForm
from appointments.models import Appointment, AppointmentEvent
from profiles.models import Mode
from tests.appointments.conftest import next_slot
from tests.factories import AppointmentFactory, DoctorProfileFactory, PatientFactory, bookable_doctor

pytestmark = pytest.mark.django_db
Status = Appointment.Status


def slot_links(html):
    return [link.replace("&amp;", "&") for link in re.findall(r'class="slot" href="([^"]+)"', html)]


def picker(client, doctor, **params):
    return client.get(reverse("appointments:slots", args=[doctor.slug]), params)


# --- slot picker --------------------------------------------------------------------------


def test_picker_fragment_and_full_page_show_the_same_slots(client, clinic_doctor):
    full = picker(client, clinic_doctor).content.decode()
    fragment = client.get(reverse("appointments:slots", args=[clinic_doctor.slug]), HTTP_HX_REQUEST="true")

    assert "<html" in full
    assert "<html" not in fragment.content.decode()
    assert slot_links(full) == slot_links(fragment.content.decode())
    assert slot_links(full)


def test_picker_shows_seven_day_tabs_with_counts_and_parts_of_day(client, clinic_doctor):
    html = picker(
        client, clinic_doctor, mode="IN_PERSON", day=(timezone.localdate() + timedelta(days=1)).isoformat()
    )

    page = html.content.decode()
    assert len(re.findall(r'<a class="day-tab(?: is-[a-z]+)*"', page)) == 7
    assert 'aria-label="Later days"' in page
    assert 'aria-label="Earlier days"' not in page
    assert "Today" in page
    assert "Tomorrow" in page
    assert "8 slots" in page  # 13:00-17:00 in 30-minute slots
    assert "Afternoon" in page
    assert "Evening" not in page


def test_picker_mode_toggle_shows_fees_and_switches(client, clinic_doctor):
    online = picker(
        client, clinic_doctor, mode="ONLINE", day=(timezone.localdate() + timedelta(days=1)).isoformat()
    )

    page = online.content.decode()
    assert "₹500" in page
    assert "₹700" in page
    assert "Morning" in page
    assert all("mode=ONLINE" in link for link in slot_links(page))


def test_picker_names_the_zone_when_the_viewer_is_elsewhere(client, clinic_doctor):
    client.cookies["tz"] = "Europe/London"

    page = picker(client, clinic_doctor, mode="ONLINE").content.decode()

    assert "Times are in your time zone, Europe/London. The doctor is in Asia/Kolkata." in page


def test_picker_does_not_name_the_zone_for_a_viewer_in_the_doctors_zone(client, clinic_doctor):
    page = picker(client, clinic_doctor).content.decode()

    assert "Times are in your time zone" not in page


def test_picker_empty_day_offers_next_available(client):
    doctor = bookable_doctor(weekdays=[(timezone.localdate() + timedelta(days=3)).weekday()])

    page = picker(client, doctor, mode="IN_PERSON", day=timezone.localdate().isoformat()).content.decode()

    assert "No free slots on" in page
    assert "Next available:" in page


@pytest.mark.parametrize("params", [{"day": "abc", "mode": "XYZ"}, {"day": "2099-01-01"}, {"mode": ""}])
def test_picker_bad_params_give_a_normal_page(client, clinic_doctor, params):
    response = picker(client, clinic_doctor, **params)

    assert response.status_code == 200
    assert slot_links(response.content.decode())


def test_picker_is_404_for_unverified_doctors(client):
    assert picker(client, DoctorProfileFactory()).status_code == 404


def test_doctor_page_renders_the_pickers_first_state_and_links_its_url(client, clinic_doctor):
    page = client.get(reverse("profiles:doctor_page", args=[clinic_doctor.slug])).content.decode()
    url = reverse("appointments:slots", args=[clinic_doctor.slug])

    # Rendered with the page (issue 10, point 19: no layout shift when HTMX brought it in).
    assert 'hx-trigger="load"' not in page
    assert slot_links(page) == slot_links(picker(client, clinic_doctor).content.decode())
    assert f'href="{url}?' in page


@pytest.mark.parametrize("booked", [1, 8])
def test_picker_query_count_is_constant(client, clinic_doctor, django_assert_num_queries, booked):
    for index in range(booked):
        slot = next_slot(clinic_doctor, index=index)
        AppointmentFactory(doctor=clinic_doctor, start=slot.start, end=slot.end, mode=Mode.IN_PERSON)

    # doctor, clinics, rules, exceptions, taken, settings
    with django_assert_num_queries(6):
        response = picker(client, clinic_doctor, mode="IN_PERSON")

    assert response.status_code == 200


# --- booking page ----------------------------------------------------------------------------


def first_link(client, doctor, mode="IN_PERSON"):
    day = (timezone.localdate() + timedelta(days=1)).isoformat()
    return slot_links(picker(client, doctor, mode=mode, day=day).content.decode())[0]


def test_anonymous_booking_goes_to_login_and_back(client, clinic_doctor):
    link = first_link(client, clinic_doctor)

    response = client.get(link)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert "next=" in response.url


def test_patient_books_a_slot_from_the_picker(client_for, clinic_doctor, booker):
    client = client_for(booker)
    link = first_link(client, clinic_doctor)
    query = {k: v[0] for k, v in parse_qs(urlparse(link).query).items()}

    summary = client.get(link)
    response = client.post(link, {**query, "reason": "Rash on both arms"})

    assert "Confirm your booking" in summary.content.decode()
    appointment = Appointment.objects.get()
    assert response.url == reverse("appointments:detail", args=[appointment.pk])
    assert (appointment.patient, appointment.status, appointment.reason) == (
        booker,
        Status.CONFIRMED,
        "Rash on both arms",
    )


def test_booking_a_slot_just_taken_says_so_with_fresh_slots(client_for, clinic_doctor, booker):
    client = client_for(booker)
    link = first_link(client, clinic_doctor)
    query = {k: v[0] for k, v in parse_qs(urlparse(link).query).items()}
    form = BookForm({**query, "reason": "x"})
    assert form.is_valid()
    services.appointment_book(
        patient=PatientFactory(),
        doctor=clinic_doctor,
        start=form.cleaned_data["start"],
        mode="IN_PERSON",
        reason="x",
    )

    response = client.post(link, {**query, "reason": "x"})

    assert response.status_code == 409
    page = response.content.decode()
    assert "That slot was just taken, please pick another." in page
    assert link not in slot_links(page)
    assert slot_links(page)


def test_booking_without_reason_shows_the_error_inline(client_for, clinic_doctor, booker):
    client = client_for(booker)
    link = first_link(client, clinic_doctor)
    query = {k: v[0] for k, v in parse_qs(urlparse(link).query).items()}

    response = client.post(link, {**query, "reason": ""})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "start",
    [
        "not-a-time",
        "2026-13-45T99:00",
        "2030-01-01T10:00",
        "2026-12-01T10:00:00+16:00",
        "2026-12-01T10:00:00+23:59",
        "9999-12-31T23:59:00-12:00",
        "0001-01-01T00:00:00+14:00",
    ],
)
def test_booking_with_a_malformed_time_is_sent_back_to_the_picker(client_for, clinic_doctor, booker, start):
    response = client_for(booker).get(
        reverse("appointments:book", args=[clinic_doctor.slug]), {"start": start, "mode": "IN_PERSON"}
    )

    assert response.status_code == 302
    assert response.url == reverse("appointments:slots", args=[clinic_doctor.slug])


def test_an_empty_booking_post_is_sent_back_to_the_picker(client_for, clinic_doctor, booker):
    """No body at all (a script, or HTMX with the CSRF token in its header): no booking, no 500."""
    response = client_for(booker).post(reverse("appointments:book", args=[clinic_doctor.slug]))

    assert response.status_code == 302
    assert response.url == reverse("appointments:slots", args=[clinic_doctor.slug])
    assert not Appointment.objects.exists()


def test_doctor_accounts_cannot_open_the_booking_page(client_for, clinic_doctor, other_doctor):
    link = first_link(client_for(other_doctor), clinic_doctor)

    assert client_for(other_doctor).get(link).status_code == 403


# --- one appointment -------------------------------------------------------------------------------

PERSONAS = ["owner", "their_doctor", "other_patient", "other_doctor", "staff", "anonymous"]


@pytest.fixture
def appointment(clinic_doctor, booker):
    return AppointmentFactory(
        doctor=clinic_doctor, patient=booker, mode=Mode.IN_PERSON, clinic=clinic_doctor.clinics.first()
    )


def as_persona(request, client, client_for, persona, appointment):
    if persona == "anonymous":
        return client
    user = {
        "owner": appointment.patient,
        "their_doctor": appointment.doctor.user,
    }.get(persona) or request.getfixturevalue(persona)
    return client_for(user)


URLS = ["detail", "reschedule"]


@pytest.mark.parametrize("url_name", URLS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_appointment_pages_are_for_its_patient_and_doctor_only(
    request, client, client_for, appointment, persona, url_name
):
    http = as_persona(request, client, client_for, persona, appointment)

    response = http.get(reverse(f"appointments:{url_name}", args=[appointment.pk]))

    allowed = persona in ("owner", "their_doctor")
    if persona == "anonymous":
        # Emails link here: a logged-out patient is asked to log in first.
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
        return
    assert response.status_code == (200 if allowed else 404)
    if allowed:
        assert appointment.reason in response.content.decode() or url_name == "reschedule"


@pytest.mark.parametrize("action", ["cancel", "accept", "decline", "complete", "no_show", "reschedule"])
@pytest.mark.parametrize("persona", ["other_patient", "other_doctor", "staff", "anonymous"])
def test_strangers_get_404_on_every_action(request, client, client_for, appointment, persona, action):
    http = as_persona(request, client, client_for, persona, appointment)

    response = http.post(
        reverse(f"appointments:{action}", args=[appointment.pk]), {"reason": "x", "start": "x"}
    )

    assert response.status_code == (302 if persona == "anonymous" else 404)
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


def test_unknown_appointment_is_404(client_for, booker):
    assert client_for(booker).get(reverse("appointments:detail", args=[99999])).status_code == 404


def test_patient_cancels_from_the_page_with_a_reason(client_for, appointment):
    client = client_for(appointment.patient)

    refused = client.post(reverse("appointments:cancel", args=[appointment.pk]), {"reason": ""}, follow=True)
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED
    assert "Please give a reason." in refused.content.decode()

    done = client.post(
        reverse("appointments:cancel", args=[appointment.pk]), {"reason": "Recovered"}, follow=True
    )

    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED
    page = done.content.decode()
    assert "The appointment is cancelled." in page
    assert "Recovered" in page  # in the history


def test_detail_shows_history_with_the_old_time_after_a_move(client_for, clinic_doctor, booker):
    slot = next_slot(clinic_doctor)
    appointment = services.appointment_book(
        patient=booker, doctor=clinic_doctor, start=slot.start, mode=slot.mode, reason="x"
    )
    client = client_for(booker)
    new = next_slot(clinic_doctor, index=3)

    confirm = client.get(
        reverse("appointments:reschedule", args=[appointment.pk]), {"start": new.start.isoformat()}
    )
    client.post(reverse("appointments:reschedule", args=[appointment.pk]), {"start": new.start.isoformat()})
    page = client.get(reverse("appointments:detail", args=[appointment.pk])).content.decode()

    assert "Move my appointment" in confirm.content.decode()
    assert "Moved" in page
    assert 'class="is-struck"' in page


@pytest.mark.parametrize("events", [1, 6])
def test_detail_query_count_is_constant(client_for, appointment, django_assert_num_queries, events):
    for _ in range(events - 1):
        AppointmentEvent.objects.create(
            appointment=appointment, actor=appointment.patient, to_status="CONFIRMED"
        )
    client = client_for(appointment.patient)

    # user, their zone, the appointment with its people, its events, the bell
    with django_assert_num_queries(5):
        response = client.get(reverse("appointments:detail", args=[appointment.pk]))

    assert response.status_code == 200


def test_payment_required_page_for_online_holds(client_for, clinic_doctor, booker):
    slot = next_slot(clinic_doctor, Mode.ONLINE)
    appointment = services.appointment_book(
        patient=booker, doctor=clinic_doctor, start=slot.start, mode=slot.mode, reason="x"
    )

    page = client_for(booker).get(reverse("appointments:detail", args=[appointment.pk])).content.decode()

    assert "Payment required." in page
    assert appointment.hold_expires_at > timezone.now()


@pytest.mark.parametrize("start", ["2026-12-01T10:00:00+16:00", "9999-12-31T23:59:00-12:00"])
def test_odd_times_posted_to_booking_and_reschedule_are_refused_not_500(client_for, appointment, start):
    client = client_for(appointment.patient)

    booked = client.post(
        reverse("appointments:book", args=[appointment.doctor.slug]),
        {"start": start, "mode": "IN_PERSON", "reason": "x"},
    )
    moved = client.post(reverse("appointments:reschedule", args=[appointment.pk]), {"start": start})
    confirm = client.get(reverse("appointments:reschedule", args=[appointment.pk]), {"start": start})

    assert booked.status_code == 302
    assert moved.status_code == 200
    assert "Please pick a time from the list." in moved.content.decode()
    assert confirm.status_code == 200
    assert "Move my appointment" not in confirm.content.decode()


def test_next_available_beyond_the_week_opens_that_week(client):
    far = timezone.localdate() + timedelta(days=10)
    from tests.factories import AvailabilityExceptionFactory

    doctor = bookable_doctor()
    # Leave for the coming nine days: the first free day is ten days away.
    AvailabilityExceptionFactory(doctor=doctor, date=timezone.localdate(), end_date=far - timedelta(days=1))

    page = picker(client, doctor, mode="IN_PERSON").content.decode()
    link = re.search(r'href="([^"]+)"[^>]*>Next available:', page).group(1).replace("&amp;", "&")
    followed = client.get(link).content.decode()

    assert slot_links(followed)
    assert f"day={far.isoformat()}" in link
    assert 'aria-label="Earlier days"' in followed


def test_patient_page_says_too_late_only_for_upcoming_appointments(client_for, clinic_doctor, booker):
    soon = timezone.now() + timedelta(minutes=90)
    upcoming = AppointmentFactory(
        doctor=clinic_doctor, patient=booker, start=soon, end=soon + timedelta(minutes=30)
    )
    past = AppointmentFactory(
        doctor=clinic_doctor,
        patient=booker,
        start=soon - timedelta(days=3),
        end=soon - timedelta(days=3, minutes=-30),
    )
    client = client_for(booker)

    assert (
        "Less than 2 hours to go"
        in client.get(reverse("appointments:detail", args=[upcoming.pk])).content.decode()
    )
    assert (
        "Less than 2 hours to go"
        not in client.get(reverse("appointments:detail", args=[past.pk])).content.decode()
    )


def test_appointment_page_names_the_zone_for_a_viewer_elsewhere(client_for, clinic_doctor, booker):
    from tests.factories import PatientProfileFactory

    PatientProfileFactory(user=booker, time_zone="Europe/London")
    slot = next_slot(clinic_doctor, Mode.ONLINE)
    appointment = services.appointment_book(
        patient=booker, doctor=clinic_doctor, start=slot.start, mode=slot.mode, reason="x"
    )

    page = client_for(booker).get(reverse("appointments:detail", args=[appointment.pk])).content.decode()

    assert "GMT" in page
    assert "Payment required." in page
