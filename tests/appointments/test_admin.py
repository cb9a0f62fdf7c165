"""Appointments in Django admin: a systemwide, read-only list for staff."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from appointments.models import (
    Appointment,
    AppointmentEvent,
    AvailabilityException,
    AvailabilityRule,
    BookingSettings,
    Mode,
)
from core.models import AuditLog
from tests.factories import (
    AppointmentFactory,
    AvailabilityExceptionFactory,
    AvailabilityRuleFactory,
    BookingSettingsFactory,
    DoctorProfileFactory,
    PatientFactory,
)

pytestmark = pytest.mark.django_db
Status = Appointment.Status
KOLKATA = ZoneInfo("Asia/Kolkata")
CHANGELIST = "admin:appointments_appointment_changelist"
MODELS = [Appointment, AvailabilityRule, AvailabilityException, BookingSettings]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The factories hash a password per user; the real hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def at(day_offset, hour, minute=0):
    """An aware time `day_offset` days from today at hour:minute in Kolkata."""
    day = timezone.localdate(timezone=KOLKATA) + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, minute), tzinfo=KOLKATA)


def change_url(appointment):
    return reverse("admin:appointments_appointment_change", args=[appointment.pk])


def listed(response):
    assert response.status_code == 200
    return sorted(a.pk for a in response.context["cl"].result_list)


@pytest.fixture
def two_appointments():
    asha = DoctorProfileFactory(full_name="Dr. Asha Rao")
    vikram = DoctorProfileFactory(full_name="Dr. Vikram Iyer")
    priya = PatientFactory(full_name="Priya Nair", email="priya.n@example.com")
    karan = PatientFactory(full_name="Karan Mehta", email="karan.m@example.com")
    confirmed = AppointmentFactory(
        doctor=asha,
        patient=priya,
        mode=Mode.ONLINE,
        start=at(1, 9),
        status=Status.CONFIRMED,
        reason="Acne on the cheeks",
        fee=50000,
    )
    cancelled = AppointmentFactory(
        doctor=vikram,
        patient=karan,
        mode=Mode.IN_PERSON,
        start=at(-10, 18),
        status=Status.CANCELLED,
        reason="Knee pain after running",
        fee=120000,
    )
    return confirmed, cancelled


# --- The list -----------------------------------------------------------------------------


def test_appointment_admin_list_shows_every_appointment_readably_for_staff(
    client_for, staff, two_appointments
):
    confirmed, cancelled = two_appointments

    response = client_for(staff).get(reverse(CHANGELIST))

    # Newest first across the whole system.
    assert [a.pk for a in response.context["cl"].result_list] == [confirmed.pk, cancelled.pk]
    page = response.content.decode()
    local = timezone.localtime(confirmed.start, KOLKATA)
    assert f"{local:%a, %-d %b %Y}, 9:00 AM IST" in page
    assert "Dr. Asha Rao" in page
    assert "Priya Nair &lt;priya.n@example.com&gt;" in page
    assert "1,200" in page  # the fee in rupees, not 120000 paise
    assert "Video consultation" in page
    assert "Cancelled" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status__exact": "CONFIRMED"}, "confirmed"),
        ({"status__exact": "CANCELLED"}, "cancelled"),
        ({"mode__exact": "IN_PERSON"}, "cancelled"),
        ({"q": "priya.n@example.com"}, "confirmed"),
        ({"q": "Karan"}, "cancelled"),
        ({"q": "Asha Rao"}, "confirmed"),
        ({"q": "Vikram"}, "cancelled"),
        ({"q": "knee"}, None),  # the reason for the visit is medical content: not searchable
    ],
)
def test_appointment_admin_filters_and_search_narrow_the_list(
    client_for, staff, two_appointments, query, expected
):
    confirmed, cancelled = two_appointments
    wanted = {"confirmed": [confirmed.pk], "cancelled": [cancelled.pk], None: []}[expected]

    response = client_for(staff).get(reverse(CHANGELIST), query)

    assert listed(response) == wanted


def test_appointment_admin_filters_by_doctor_and_date(client_for, staff, two_appointments):
    confirmed, cancelled = two_appointments
    browser = client_for(staff)
    tomorrow = at(1, 0)

    by_doctor = browser.get(reverse(CHANGELIST), {"doctor__id__exact": cancelled.doctor_id})
    by_date = browser.get(
        reverse(CHANGELIST),
        {"start__gte": tomorrow.date().isoformat(), "start__lt": (tomorrow + timedelta(days=1)).date()},
    )
    by_month = browser.get(
        reverse(CHANGELIST),
        {"start__year": cancelled.start.astimezone(KOLKATA).year, "start__month": cancelled.start.month},
    )

    assert listed(by_doctor) == [cancelled.pk]
    assert listed(by_date) == [confirmed.pk]
    assert cancelled.pk in listed(by_month)
    # The doctor filter offers only doctors who have appointments, not the whole directory.
    DoctorProfileFactory(full_name="Dr. Never Booked")
    page = browser.get(reverse(CHANGELIST)).content.decode()
    assert "Dr. Vikram Iyer" in page
    assert "Dr. Never Booked" not in page


@pytest.mark.parametrize("rows", [1, 10])
def test_appointment_admin_list_query_count_does_not_grow_with_rows(
    client_for, staff, django_assert_num_queries, rows
):
    # Each row with its own doctor and patient, so a per-row lookup would show.
    AppointmentFactory.create_batch(rows)
    browser = client_for(staff)
    browser.get(reverse(CHANGELIST))  # warms the session, as for any later page

    # Session, user, count, rows, the doctor filter's choices, the specialty and
    # city filters' reference lists, and the date hierarchy.
    with django_assert_num_queries(8):
        response = browser.get(reverse(CHANGELIST))

    assert len(response.context["cl"].result_list) == rows


# --- Read-only -------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_appointment_admins_give_staff_view_only(staff, model):
    request = RequestFactory().get("/")
    request.user = staff
    model_admin = admin.site._registry[model]

    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_appointment_admin_refuses_add_change_and_delete(client_for, staff, two_appointments):
    confirmed, _ = two_appointments
    browser = client_for(staff)
    before = list(Appointment.objects.values_list("pk", "status", "reason").order_by("pk"))

    add = browser.get(reverse("admin:appointments_appointment_add"))
    change = browser.post(change_url(confirmed), {"status": "CANCELLED", "reason": "changed"})
    delete = browser.post(
        reverse("admin:appointments_appointment_delete", args=[confirmed.pk]), {"post": "yes"}
    )
    bulk_delete = browser.post(
        reverse(CHANGELIST), {"action": "delete_selected", "_selected_action": [confirmed.pk], "post": "yes"}
    )

    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert bulk_delete.status_code == 200  # the list again: no such action
    assert list(Appointment.objects.values_list("pk", "status", "reason").order_by("pk")) == before


@pytest.mark.parametrize("persona", ["patient", "doctor", "anonymous"])
def test_appointment_admin_is_closed_to_everyone_but_staff(
    request, client, client_for, two_appointments, persona
):
    confirmed, _ = two_appointments
    browser = client if persona == "anonymous" else client_for(request.getfixturevalue(persona))

    for url in (reverse(CHANGELIST), change_url(confirmed)):
        response = browser.get(url)

        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url
    assert not AuditLog.objects.filter(action="appointment.viewed").exists()


# --- The detail page ----------------------------------------------------------------------------


def test_appointment_admin_detail_shows_its_history_read_only_and_audits_the_read(
    client_for, staff, two_appointments
):
    confirmed, _ = two_appointments
    AppointmentEvent.objects.create(
        appointment=confirmed,
        actor=confirmed.doctor.user,
        from_status=Status.CONFIRMED,
        to_status=Status.CANCELLED,
        reason="Called away for an emergency",
    )

    response = client_for(staff).get(change_url(confirmed))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Acne on the cheeks" in page
    assert "Called away for an emergency" in page
    assert confirmed.doctor.user.email in page  # the actor of the history entry
    assert "Awaiting payment" not in page
    assert page.count("Confirmed") >= 2  # the status, and the history's first "to" and next "from"
    assert 'name="_save"' not in page
    inline = response.context["inline_admin_formsets"][0]
    assert not inline.has_add_permission
    assert not inline.has_change_permission
    assert not inline.has_delete_permission
    entry = AuditLog.objects.get(action="appointment.viewed")
    assert (entry.actor, entry.subject, entry.target_id) == (staff, confirmed.patient, str(confirmed.pk))


@pytest.mark.parametrize("events", [1, 6])
def test_appointment_admin_detail_query_count_does_not_grow_with_history(
    client_for, staff, django_assert_num_queries, events
):
    appointment = AppointmentFactory()
    for _ in range(events - 1):
        AppointmentEvent.objects.create(
            appointment=appointment,
            actor=PatientFactory(),  # a different person each time: a per-row lookup would show
            from_status=Status.CONFIRMED,
            to_status=Status.CONFIRMED,
            reason="Rescheduled",
        )
    browser = client_for(staff)
    browser.get(change_url(appointment))

    with django_assert_num_queries(4):
        response = browser.get(change_url(appointment))

    assert len(response.context["inline_admin_formsets"][0].formset.forms) == events


# --- Availability -------------------------------------------------------------------------------


def test_availability_admins_list_and_filter_by_doctor(client_for, staff):
    asha = DoctorProfileFactory(full_name="Dr. Asha Rao")
    vikram = DoctorProfileFactory(full_name="Dr. Vikram Iyer")
    rule = AvailabilityRuleFactory(doctor=asha)
    AvailabilityRuleFactory(doctor=vikram)
    leave = AvailabilityExceptionFactory(doctor=asha, end_date=timezone.localdate(), note="Conference")
    AvailabilityExceptionFactory(doctor=vikram)
    settings = BookingSettingsFactory(doctor=asha, approval_required=True)
    BookingSettingsFactory(doctor=vikram)
    browser = client_for(staff)

    rules = browser.get(
        reverse("admin:appointments_availabilityrule_changelist"), {"doctor__id__exact": asha.pk}
    )
    exceptions = browser.get(reverse("admin:appointments_availabilityexception_changelist"), {"q": "Asha"})
    approving = browser.get(
        reverse("admin:appointments_bookingsettings_changelist"), {"approval_required__exact": "1"}
    )
    rule_page = browser.get(reverse("admin:appointments_availabilityrule_change", args=[rule.pk]))

    assert listed(rules) == [rule.pk]
    assert listed(exceptions) == [leave.pk]
    assert listed(approving) == [settings.pk]
    assert rule_page.status_code == 200
    assert 'name="_save"' not in rule_page.content.decode()


# --- Filters added for the control room (issue 15) --------------------------------------------


@pytest.fixture
def across_cities():
    from tests.factories import ClinicFactory, LocalityFactory, SpecialtyFactory

    derma = SpecialtyFactory(name="Dermatologist", slug="dermatologist")
    cardio = SpecialtyFactory(name="Cardiologist", slug="cardiologist")
    asha = DoctorProfileFactory(full_name="Dr. Asha Rao")
    vikram = DoctorProfileFactory(full_name="Dr. Vikram Iyer")
    asha.specialties.add(derma, cardio)  # two specialties: still one row per appointment
    vikram.specialties.add(cardio)
    pune = ClinicFactory(doctor=asha, locality=LocalityFactory(name="Kothrud"))
    ClinicFactory(doctor=vikram, locality=LocalityFactory(city__name="Mumbai", name="Bandra"))
    pune_visit = AppointmentFactory(
        doctor=asha, mode=Mode.IN_PERSON, clinic=pune, start=at(2, 10), payment_state="UNPAID"
    )
    asha_video = AppointmentFactory(doctor=asha, start=at(5, 10), payment_state="PAID")
    vikram_video = AppointmentFactory(doctor=vikram, start=at(9, 10), payment_state="REFUNDED")
    return pune_visit, asha_video, vikram_video


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"specialty": "dermatologist"}, [0, 1]),
        ({"specialty": "cardiologist"}, [0, 1, 2]),
        ({"city": "pune"}, [0, 1]),  # a video consult counts in its doctor's clinic city
        ({"city": "mumbai"}, [2]),
        ({"paid": "yes"}, [1, 2]),
        ({"paid": "no"}, [0]),
        ({"payment_state__exact": "REFUNDED"}, [2]),
        ({"start_from": "{d2}", "start_to": "{d5}"}, [0, 1]),
        ({"start_from": "{d6}"}, [2]),
        ({"start_to": "{d2}"}, [0]),
        ({"q": "vikram"}, [2]),
    ],
)
def test_appointment_admin_control_room_filters(client_for, staff, across_cities, query, expected):
    days = {f"{{d{n}}}": str(timezone.localdate(at(n, 10), KOLKATA)) for n in (2, 5, 6)}
    query = {key: days.get(value, value) for key, value in query.items()}

    response = client_for(staff).get(reverse(CHANGELIST), query)

    assert listed(response) == sorted(across_cities[i].pk for i in expected)


def test_appointment_admin_search_finds_an_appointment_by_number_and_doctor_email(
    client_for, staff, across_cities
):
    browser = client_for(staff)
    target = across_cities[2]

    assert listed(browser.get(reverse(CHANGELIST), {"q": str(target.pk)})) == [target.pk]
    assert listed(browser.get(reverse(CHANGELIST), {"q": f"#{target.pk}"})) == [target.pk]
    assert listed(browser.get(reverse(CHANGELIST), {"q": target.doctor.user.email})) == [target.pk]


def test_appointment_admin_bad_date_range_is_ignored_not_an_error(client_for, staff, across_cities):
    response = client_for(staff).get(reverse(CHANGELIST), {"start_from": "not-a-date"})

    assert len(listed(response)) == 3


def test_appointment_admin_detail_offers_staff_cancel_only_while_active(client_for, staff):
    browser = client_for(staff)
    active = AppointmentFactory()
    done = AppointmentFactory(status=Status.COMPLETED, start=at(-3, 10))
    cancel = reverse("admin:appointments_appointment_cancel", args=[active.pk])

    assert cancel in browser.get(change_url(active)).content.decode()
    assert "Cancel with a reason" not in browser.get(change_url(done)).content.decode()
