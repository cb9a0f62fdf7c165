"""The admin as the control room: the index's tiles (each count equal to the
rows its link lists), the analytics figures on a known data set, and the
pages' query counts."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from consultations.models import ConsultationSession, Message
from core.models import Notification
from medconsult.admin.analytics import figures
from medconsult.admin.rollup import rollup
from medconsult.admin.site import _digest
from medconsult.admin.tiles import action_tiles
from medconsult.management.commands.run_periodic import JOBS
from medconsult.models import DayFigure, RolledDay
from payments.models import Payment, Refund, WebhookEvent
from profiles.models import DoctorProfile, Mode
from tests.factories import (
    AppointmentFactory,
    CityFactory,
    ClinicFactory,
    DoctorProfileFactory,
    LocalityFactory,
    PatientFactory,
    SpecialtyFactory,
)
from tests.factories import AppointmentFactory as _AppointmentFactory

pytestmark = pytest.mark.django_db
KOLKATA = ZoneInfo("Asia/Kolkata")
Status = Appointment.Status
PaymentState = Appointment.PaymentState
# A Monday noon in India, so the weeks of the window are easy to name.
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=KOLKATA)


def days_ago(n, hour=10):
    return datetime.combine(NOW.date() - timedelta(days=n), time(hour), KOLKATA)


def listed_count(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["cl"].result_count


# --- The tiles -------------------------------------------------------------------------------


@pytest.fixture
def needs_action(patient):
    now = timezone.now()
    # Appointments with a doctor who can still see them, except where a test wants otherwise.
    practising = DoctorProfileFactory(status=DoctorProfile.Status.VERIFIED)

    def AppointmentFactory(**kwargs):
        return _AppointmentFactory(**{"doctor": practising, **kwargs})

    for waited in (timedelta(days=3, hours=2), timedelta(hours=5)):
        DoctorProfileFactory(status=DoctorProfile.Status.PENDING, submitted_at=now - waited)
    appointment = AppointmentFactory(patient=patient, start=now + timedelta(hours=1))
    AppointmentFactory(start=now + timedelta(hours=2), status=Status.CANCELLED)
    AppointmentFactory(start=now - timedelta(days=20), status=Status.COMPLETED)  # not today
    failed = Payment.objects.create(
        appointment=appointment, gateway="fake", receipt="r1", order_id="o1", amount=50000, status="FAILED"
    )
    Payment.objects.create(
        appointment=appointment,
        gateway="fake",
        receipt="r0",
        order_id="o0",
        amount=50000,
        status="FAILED",
        created_at=now - timedelta(days=30),  # too old for the tile
    )
    for key, status in (("k1", "FAILED"), ("k2", "PENDING"), ("k3", "PENDING"), ("k4", "PROCESSED")):
        Refund.objects.create(payment=failed, amount=100, reason="x", status=status, idempotency_key=key)
    WebhookEvent.objects.create(
        event="payment.captured", body="{}", signature_valid=False, outcome="rejected: bad"
    )
    WebhookEvent.objects.create(
        event_id="e2", event="payment.captured", body="{}", signature_valid=True, outcome="error: KeyError"
    )
    WebhookEvent.objects.create(
        event_id="e3", event="order.paid", body="{}", signature_valid=True, outcome="paid"
    )
    Notification.objects.create(user=patient, kind="x", title="t", email_status="FAILED")
    Notification.objects.create(user=patient, kind="x", title="t", email_status="SENT")
    session = ConsultationSession.objects.create(appointment=appointment, status="IN_PROGRESS")
    Message.objects.create(
        session=session,
        sender=patient,
        body="Still itching",
        client_id=_uuid(1),
        created_at=now - timedelta(hours=5),
    )
    answered = ConsultationSession.objects.create(
        appointment=AppointmentFactory(start=now + timedelta(days=3)), status="IN_PROGRESS"
    )
    Message.objects.create(
        session=answered,
        sender=answered.appointment.patient,
        body="Hello",
        client_id=_uuid(2),
        created_at=now - timedelta(hours=6),
    )
    Message.objects.create(
        session=answered,
        sender=answered.appointment.doctor.user,
        body="Hello, tell me more",
        client_id=_uuid(3),
        created_at=now - timedelta(hours=5),
    )
    # A doctor sent back to verification with a booking left.
    stopped = DoctorProfileFactory(status=DoctorProfile.Status.PENDING, submitted_at=now - timedelta(hours=1))
    _AppointmentFactory(doctor=stopped, start=now + timedelta(days=4))


def _uuid(n):
    import uuid

    return uuid.UUID(int=n)


def test_admin_home_counts_what_needs_action_and_each_link_lists_exactly_those_rows(
    client_for, staff, needs_action
):
    browser = client_for(staff)
    tiles = {tile.title: tile for tile in action_tiles()}

    counts = {title: tile.count for title, tile in tiles.items()}
    assert counts == {
        "Doctors waiting for verification": 3,
        "Doctors who stopped practising with bookings left": 1,
        "Failed payments, last 7 days": 1,
        "Failed refunds, last 7 days": 1,
        "Pending refunds, last 7 days": 2,
        "Failed webhook events, last 7 days": 2,
        "Emails that failed to send, last 7 days": 1,
        "Consultations with a patient message unanswered for more than 4 hours": 1,
        "Appointments today": counts["Appointments today"],
    }
    assert tiles["Doctors waiting for verification"].note == "oldest waiting 3\xa0days, 2\xa0hours"
    for title, tile in tiles.items():
        if title == "Doctors who stopped practising with bookings left":
            assert len(browser.get(tile.url).context["doctors"]) == tile.count
            continue
        assert listed_count(browser, tile.url) == tile.count, title
        for label, count, url in tile.rows:
            assert listed_count(browser, url) == count, label
    # The date filters the links set are the list's own choices, shown as chosen.
    payments = browser.get(tiles["Failed payments, last 7 days"].url).content.decode()
    assert re.search(r'<li class="selected">\s*<a href="[^"]*">Past 7 days</a>', payments)
    today = browser.get(tiles["Appointments today"].url).content.decode()
    assert re.search(r'<li class="selected">\s*<a href="[^"]*">Today</a>', today)


def test_admin_home_shows_the_tiles_to_staff(client_for, staff, needs_action):
    page = client_for(staff).get(reverse("admin:index")).content.decode()

    assert "Needs action today" in page
    assert "Doctors waiting for verification" in page
    assert reverse("admin:analytics") in page


@pytest.mark.parametrize("persona", ["patient", "doctor", "anonymous"])
def test_admin_home_is_for_staff_only(client, client_for, persona, patient, doctor):
    if persona != "anonymous":
        client_for(patient if persona == "patient" else doctor)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert "/admin/login/" in response.url


@pytest.mark.parametrize("extra", [0, 5])
def test_admin_home_query_count_does_not_grow_with_rows(
    client_for, staff, django_assert_num_queries, needs_action, extra
):
    for i in range(extra):
        DoctorProfileFactory(status=DoctorProfile.Status.PENDING, submitted_at=timezone.now())
        AppointmentFactory(start=timezone.now() + timedelta(minutes=30 + i))
    browser = client_for(staff)
    browser.get(reverse("admin:index"))

    # The user (sessions are cached), then one query per tile (nine; the
    # refunds share one); admin's own app list needs none.
    with django_assert_num_queries(10):
        browser.get(reverse("admin:index"))


# --- Analytics --------------------------------------------------------------------------------


@pytest.fixture
def known_data():
    pune = LocalityFactory(city=CityFactory(name="Pune"), name="Kothrud")
    mumbai = LocalityFactory(city=CityFactory(name="Mumbai"), name="Bandra")
    derma = SpecialtyFactory(name="Dermatologist", slug="dermatologist")
    cardio = SpecialtyFactory(name="Cardiologist", slug="cardiologist")
    verified = DoctorProfile.Status.VERIFIED
    asha = DoctorProfileFactory(status=verified, submitted_at=days_ago(10), decided_at=days_ago(8))
    vikram = DoctorProfileFactory(
        status=verified, submitted_at=days_ago(5, hour=4), decided_at=days_ago(5, hour=10)
    )
    DoctorProfileFactory(status=verified, submitted_at=days_ago(70), decided_at=days_ago(60))
    asha.specialties.add(derma)
    vikram.specialties.add(cardio)
    pune_clinic = ClinicFactory(doctor=asha, locality=pune)
    mumbai_clinic = ClinicFactory(doctor=vikram, locality=mumbai)
    patient = PatientFactory()

    def book(
        doctor, created, *, mode=Mode.ONLINE, status=Status.CONFIRMED, paid=PaymentState.UNPAID, clinic=None
    ):
        start = NOW + timedelta(days=1 + Appointment.objects.count())
        return AppointmentFactory(
            doctor=doctor,
            patient=patient,
            mode=mode,
            clinic=clinic,
            status=status,
            payment_state=paid,
            created_at=created,
            start=start,
        )

    paid_one = book(asha, days_ago(1), paid=PaymentState.PAID)
    book(asha, days_ago(1, hour=11), status=Status.EXPIRED)
    book(vikram, days_ago(0, hour=9), status=Status.PENDING_PAYMENT)
    book(asha, days_ago(2), mode=Mode.IN_PERSON, clinic=pune_clinic, status=Status.CANCELLED)
    book(vikram, days_ago(2), mode=Mode.IN_PERSON, clinic=mumbai_clinic, status=Status.COMPLETED)
    book(asha, days_ago(3), mode=Mode.IN_PERSON, clinic=pune_clinic, status=Status.NO_SHOW)
    old = book(vikram, days_ago(40), paid=PaymentState.PAID, status=Status.COMPLETED)
    payment = Payment.objects.create(
        appointment=paid_one,
        gateway="fake",
        receipt="r1",
        order_id="o1",
        amount=50000,
        status="CAPTURED",
        captured_at=days_ago(1, hour=10),
    )
    Payment.objects.create(
        appointment=old,
        gateway="fake",
        receipt="r2",
        order_id="o2",
        amount=70000,
        status="CAPTURED",
        captured_at=days_ago(40),
    )
    Refund.objects.create(
        payment=payment,
        amount=20000,
        reason="x",
        status="PROCESSED",
        idempotency_key="k",
        processed_at=days_ago(0),
    )


@pytest.fixture(params=["live", "rolled"])
def known_figures(request, known_data):
    """The known data set, with its closed days computed live or read from the roll-up."""
    if request.param == "rolled":
        Appointment.objects.update(updated_at=NOW - timedelta(days=1))  # entered before the roll-up
        assert rollup(now=NOW) == 90
    return request.param


def test_analytics_figures_on_a_known_data_set_30_days(known_figures, is_postgres):
    data = figures(days=30, now=NOW)

    assert (data.first_day, data.last_day) == (NOW.date() - timedelta(days=29), NOW.date())
    nonzero = [
        (day, held, confirmed, revenue, refunds)
        for day, held, confirmed, revenue, refunds in data.daily
        if held or revenue or refunds
    ]
    assert nonzero == [
        (NOW.date() - timedelta(days=1), 2, 1, 50000, 0),
        (NOW.date(), 1, 0, 0, 20000),
    ]
    assert len(data.daily) == 30
    assert data.by_mode == [("Video consultation", 3), ("Clinic visit", 3)]
    assert data.totals == {
        "booked": 5,
        "online": 3,
        "in_person": 3,
        "cancelled": 1,
        "no_show": 1,
        "completed": 1,
    }
    assert data.cancellation_rate == pytest.approx(0.2)
    assert data.no_show_rate == pytest.approx(0.5)
    assert data.top_specialties == [("Dermatologist", 4), ("Cardiologist", 2)]
    assert data.top_cities == [("Pune", 2), ("Mumbai", 1)]
    weeks = dict(data.weekly_verified)
    assert sum(weeks.values()) == 2
    assert weeks[NOW.date() - timedelta(days=14)] == 1  # verified 8 days ago: the week of Mon 16 Nov
    assert weeks[NOW.date() - timedelta(days=7)] == 1  # 5 days ago: the week of Mon 23 Nov
    # Waits of 2 days and 6 hours: PostgreSQL's median is their mean.
    expected = timedelta(days=1, hours=3) if is_postgres else timedelta(hours=6)
    assert data.median_verification == expected


def test_analytics_figures_on_a_known_data_set_90_days(known_figures):
    data = figures(days=90, now=NOW)

    assert len(data.daily) == 90
    assert sum(held for _, held, *_ in data.daily) == 4
    assert sum(revenue for *_, revenue, _ in data.daily) == 120000
    assert data.by_mode == [("Video consultation", 4), ("Clinic visit", 3)]
    assert sum(n for _, n in data.weekly_verified) == 3


def test_analytics_page_draws_each_chart_with_its_table(client_for, staff, known_data):
    response = client_for(staff).get(reverse("admin:analytics"), {"days": "90"})

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('<svg class="chart') == 6
    for heading in (
        "Online bookings: held and confirmed by payment, per day",
        "Revenue and refunds per day",
        "Bookings by mode",
        "Doctors verified per week",
        "Top specialties",
        "Top cities (clinic visits)",
        "Cancellation rate",
        "Median time from submission to verification",
    ):
        assert heading in page
    assert "<strong>90 days</strong>" in page


def test_analytics_page_shows_a_booking_made_since_the_last_view(client_for, staff):
    browser = client_for(staff)
    before = browser.get(reverse("admin:analytics")).context["data"]

    AppointmentFactory(created_at=timezone.now(), start=timezone.now() + timedelta(days=3))
    response = browser.get(reverse("admin:analytics"))

    data = response.context["data"]
    assert (before.daily[-1][1], data.daily[-1][1]) == (0, 1)
    assert response.context["digest"] != _digest(before)
    assert "<td>1</td>" in response.content.decode()  # the table's markup follows the figures


def test_analytics_page_ignores_a_bad_window(client_for, staff):
    response = client_for(staff).get(reverse("admin:analytics"), {"days": "100000"})

    assert response.status_code == 200
    assert response.context["data"].days == 30


@pytest.mark.parametrize("days", [30, 90])
@pytest.mark.parametrize("rows", [0, 1])
def test_analytics_page_costs_a_fixed_number_of_queries(
    client_for, staff, django_assert_num_queries, known_figures, days, rows
):
    for i in range(rows * 5):
        AppointmentFactory(
            created_at=timezone.now() - timedelta(days=i), start=timezone.now() + timedelta(days=i + 5)
        )
    browser = client_for(staff)
    browser.get(reverse("admin:index"))

    # The user (sessions are cached), then the figures: the rolled days, those changed since,
    # the roll-up's rows, today's bookings by mode and status, by specialty, by city, money in,
    # money out, verified per week, the median wait. No cache: each request counts afresh.
    for _ in range(2):
        with django_assert_num_queries(11):
            browser.get(reverse("admin:analytics"), {"days": days})


def _rolled_up(known_data):
    Appointment.objects.update(updated_at=NOW - timedelta(days=1))
    return rollup(now=NOW)


@pytest.mark.parametrize("days", [30, 90])
def test_analytics_rollup_figures_equal_figures_from_scratch(known_data, days):
    assert _rolled_up(known_data) == 90

    data = figures(days=days, now=NOW)

    assert data == figures(days=days, now=NOW, use_rollup=False)
    assert data.live_days == 0  # today rolled up to 5 minutes ago, the rest read live
    assert RolledDay.objects.get(day=NOW.date()).until == NOW - timedelta(minutes=5)
    assert DayFigure.objects.filter(rolled__day=NOW.date() - timedelta(days=1)).exists()


def test_analytics_rollup_counts_what_happens_today_after_it(known_data):
    _rolled_up(known_data)
    book_later = AppointmentFactory(created_at=NOW - timedelta(minutes=1), start=NOW + timedelta(days=50))

    data = figures(days=30, now=NOW)

    assert data.daily[-1][1] == 2  # held today: the one rolled up and the one since
    assert data == figures(days=30, now=NOW, use_rollup=False)
    assert book_later.mode == Mode.ONLINE


def test_analytics_rollup_day_changed_since_is_computed_live_then_rolled_again(known_data):
    _rolled_up(known_data)
    cancelled = Appointment.objects.get(status=Status.CANCELLED)  # booked 2 days ago
    cancelled.status = Status.COMPLETED
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        cancelled.save()

        data = figures(days=30, now=NOW + timedelta(minutes=1))
        assert (data.totals["cancelled"], data.totals["completed"]) == (0, 2)
        assert data == figures(days=30, now=NOW + timedelta(minutes=1), use_rollup=False)
        assert data.live_days == 1  # the changed day
        assert rollup(now=NOW + timedelta(minutes=10)) == 2  # that day and today
        assert rollup(now=NOW + timedelta(minutes=20)) == 1  # today only
    # Every day now holds as of the last run: the page looks for changes since then only.
    assert set(RolledDay.objects.values_list("rolled_at", flat=True)) == {NOW + timedelta(minutes=15)}


def test_analytics_rollup_cleared_when_a_doctors_specialties_change(known_data):
    _rolled_up(known_data)
    doctor = DoctorProfile.objects.filter(specialties__name="Cardiologist").get()

    doctor.specialties.add(SpecialtyFactory(name="Neurologist", slug="neurologist"))

    assert not RolledDay.objects.exists()
    data = figures(days=30, now=NOW)
    assert ("Neurologist", 2) in data.top_specialties
    assert data == figures(days=30, now=NOW, use_rollup=False)


def test_analytics_rollup_for_another_zone_reads_every_day_live(known_data):
    _rolled_up(known_data)

    with timezone.override(ZoneInfo("Europe/London")):
        data = figures(days=30, now=NOW)
        assert data.live_days == 30
        assert data == figures(days=30, now=NOW, use_rollup=False)


def test_analytics_rollup_is_a_periodic_job():
    assert "rollup_analytics" in dict(JOBS)
    call_command("rollup_analytics")
    assert RolledDay.objects.count() == 90  # today and the 89 days before


# --- The first admin ------------------------------------------------------------------------


def test_createsuperuser_makes_an_admin_who_is_staff():
    call_command("createsuperuser", "--noinput", email="root@example.com", verbosity=0)

    user = get_user_model().objects.get(email="root@example.com")
    assert user.role == "ADMIN"
    assert user.is_staff
    assert user.is_superuser
