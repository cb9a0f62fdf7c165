"""Staff cancel from admin: the lifecycle's staff row, a full refund whatever the
hours left, both parties told, an audit row; and the doctor who stops
practising, whose upcoming appointments staff cancel in one step."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from appointments import lifecycle
from appointments import services as appointment_services
from appointments.models import Appointment, AppointmentEvent
from core.models import AuditLog, Notification
from payments.models import Refund
from profiles.models import Mode
from tests.factories import AppointmentFactory, PatientFactory, UserFactory
from tests.payments.conftest import checkout_fields

pytestmark = pytest.mark.django_db
Status = Appointment.Status


@pytest.fixture
def paid(client_for, payer, payment):
    client_for(payer).post(reverse("payments:callback", args=[payment.pk]), checkout_fields(payment))
    payment.refresh_from_db()
    # Starting in 90 minutes: a patient cancelling now would get nothing back.
    start = timezone.now() + timedelta(minutes=90)
    Appointment.objects.filter(pk=payment.appointment_id).update(
        start=start, end=start + timedelta(minutes=30)
    )
    return payment


def cancel_url(appointment):
    return reverse("admin:appointments_appointment_cancel", args=[appointment.pk])


def test_staff_cancel_refunds_in_full_tells_both_and_audits(
    client_for, staff, paid, payer, online_doctor, django_capture_on_commit_callbacks
):
    appointment = Appointment.objects.get(pk=paid.appointment_id)
    assert appointment.payment_state == Appointment.PaymentState.PAID

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post(cancel_url(appointment), {"reason": "Doctor unwell today"})

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED
    event = appointment.events.order_by("-pk").first()
    assert (event.actor, event.from_status, event.to_status, event.reason) == (
        staff,
        Status.CONFIRMED,
        Status.CANCELLED,
        "Doctor unwell today",
    )
    refund = Refund.objects.get()
    assert (refund.payment_id, refund.amount) == (paid.pk, paid.amount)
    assert refund.reason == "MedConsult cancelled the appointment."
    told = Notification.objects.filter(kind="appointment.cancelled").order_by("user_id")
    assert {n.user for n in told} == {payer, online_doctor.user}
    assert all("Doctor unwell today" in n.body for n in told)
    assert "refunded in full" in told.get(user=payer).body
    audit = AuditLog.objects.get(action="appointment.cancelled_by_staff")
    assert (audit.actor, audit.subject, audit.target_id, audit.detail) == (
        staff,
        payer,
        str(appointment.pk),
        "Doctor unwell today",
    )


def test_staff_cancel_without_reason_shows_the_error_and_changes_nothing(client_for, staff):
    appointment = AppointmentFactory()

    response = client_for(staff).post(cancel_url(appointment), {"reason": "   "})

    assert response.status_code == 200
    assert "Please give a reason." in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED
    assert not AuditLog.objects.filter(action="appointment.cancelled_by_staff").exists()


def test_staff_cancel_of_a_finished_appointment_is_refused_with_the_lifecycle_message(client_for, staff):
    appointment = AppointmentFactory(status=Status.COMPLETED)

    response = client_for(staff).post(cancel_url(appointment), {"reason": "Complaint"})

    assert "A completed appointment cannot be cancelled by staff." in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Status.COMPLETED


@pytest.mark.parametrize("persona", ["patient", "doctor", "anonymous"])
def test_staff_cancel_page_is_for_staff_only(client, client_for, persona):
    appointment = AppointmentFactory()
    if persona != "anonymous":
        client_for(appointment.patient if persona == "patient" else appointment.doctor.user)

    response = client.post(cancel_url(appointment), {"reason": "Spite"})

    assert response.status_code == 302  # to the admin login
    assert "/admin/login/" in response.url
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


def test_staff_without_the_change_permission_cannot_cancel(client_for):
    viewer = UserFactory(role=User.Role.ADMIN, is_superuser=False)
    appointment = AppointmentFactory()

    response = client_for(viewer).post(cancel_url(appointment), {"reason": "No"})

    assert response.status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


@pytest.mark.parametrize("object_id", ["999999", "abc"])
def test_staff_cancel_of_an_unknown_appointment_is_404(client_for, staff, object_id):
    response = client_for(staff).get(f"/admin/appointments/appointment/{object_id}/cancel/")

    assert response.status_code == 404


def test_lifecycle_staff_row_allows_staff_only(online_doctor, payer, staff):
    appointment = AppointmentFactory(doctor=online_doctor, patient=payer)
    now = timezone.now()

    move = lifecycle.check(appointment, action="staff_cancel", actor=staff, now=now)

    assert move.target == Status.CANCELLED
    for someone in (payer, online_doctor.user, PatientFactory()):
        with pytest.raises(lifecycle.Refused, match="Only MedConsult staff"):
            lifecycle.check(appointment, action="staff_cancel", actor=someone, now=now)


# --- Doctors who stop practising ------------------------------------------------------------


def upcoming_url(doctor):
    return reverse("admin:doctor_upcoming", args=[doctor.pk])


def test_deactivating_a_doctor_cancels_every_upcoming_appointment_in_one_step(
    client_for, staff, paid, payer, online_doctor, django_capture_on_commit_callbacks
):
    other = PatientFactory(full_name="Karan Mehta")
    unpaid = AppointmentFactory(
        doctor=online_doctor, patient=other, mode=Mode.IN_PERSON, start=timezone.now() + timedelta(days=3)
    )
    past = AppointmentFactory(
        doctor=online_doctor, patient=other, start=timezone.now() - timedelta(days=3), status=Status.COMPLETED
    )
    browser = client_for(staff)
    listing = browser.get(upcoming_url(online_doctor)).content.decode()
    assert "Karan Mehta" in listing
    assert "Priya Nair" in listing

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            upcoming_url(online_doctor), {"reason": "Stopped practising", "deactivate": "on"}
        )

    assert response.status_code == 302
    online_doctor.user.refresh_from_db()
    assert not online_doctor.user.is_active
    statuses = dict(Appointment.objects.filter(doctor=online_doctor).values_list("pk", "status"))
    assert statuses == {
        paid.appointment_id: Status.CANCELLED,
        unpaid.pk: Status.CANCELLED,
        past.pk: Status.COMPLETED,
    }
    assert not Appointment.objects.filter(Appointment.upcoming(timezone.now()), doctor=online_doctor).exists()
    refund = Refund.objects.get()
    assert refund.amount == paid.amount
    # Each patient is offered the doctor's specialty in the doctor's city instead.
    offer = Notification.objects.get(user=other, kind="appointment.cancelled")
    clinic = online_doctor.clinics.get()
    assert offer.url == f"/find/{clinic.city.slug}/dermatologist/"
    assert "Stopped practising" in offer.body
    assert f"other Dermatologist doctors in {clinic.city.name}" in offer.body
    assert AuditLog.objects.filter(action="appointment.cancelled_by_staff").count() == 2
    assert AuditLog.objects.filter(action="account.deactivated", subject=online_doctor.user).count() == 1
    follow = browser.get(upcoming_url(online_doctor)).content.decode()
    assert "nothing is left booked with this doctor" in follow


def test_doctor_cancel_all_rolls_back_when_one_cancellation_fails(monkeypatch, online_doctor, staff):
    first = AppointmentFactory(doctor=online_doctor, start=timezone.now() + timedelta(days=2))
    second = AppointmentFactory(doctor=online_doctor, start=timezone.now() + timedelta(days=3))
    calls = []
    real = appointment_services.appointment_staff_cancel

    def flaky(**kwargs):
        calls.append(kwargs["appointment"].pk)
        if len(calls) == 2:
            raise appointment_services.IllegalTransition("changed meanwhile")
        return real(**kwargs)

    monkeypatch.setattr(appointment_services, "appointment_staff_cancel", flaky)

    with pytest.raises(appointment_services.IllegalTransition):
        appointment_services.doctor_appointments_cancel(doctor=online_doctor, actor=staff, reason="Stopped")

    assert set(Appointment.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {
        Status.CONFIRMED
    }
    assert not AppointmentEvent.objects.filter(to_status=Status.CANCELLED).exists()


def test_doctors_stopped_page_lists_unbookable_doctors_with_bookings_only(client_for, staff, online_doctor):
    from tests.factories import verified_doctor

    AppointmentFactory(doctor=online_doctor, start=timezone.now() + timedelta(days=2))
    still_practising = verified_doctor(full_name="Dr. Still Here")
    AppointmentFactory(doctor=still_practising, start=timezone.now() + timedelta(days=2))
    online_doctor.status = online_doctor.Status.PENDING  # sent back to verification
    online_doctor.save(update_fields=["status"])

    response = client_for(staff).get(reverse("admin:doctors_stopped"))

    assert [d.pk for d in response.context["doctors"]] == [online_doctor.pk]
    assert response.context["doctors"][0].upcoming == 1


def test_user_admin_deactivating_a_doctor_links_to_their_upcoming_appointments(
    client_for, staff, online_doctor
):
    user = online_doctor.user
    url = reverse("admin:accounts_user_change", args=[user.pk])
    browser = client_for(staff)
    form = browser.get(url).context["adminform"].form
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None
        and k
        not in (
            "groups",
            "user_permissions",
            "password",
            "is_active",
            "last_login",
            "date_joined",
            "is_staff",
        )
    }
    data.update(email=user.email, role=user.role, full_name=user.full_name)

    response = browser.post(url, data, follow=True)

    user.refresh_from_db()
    assert not user.is_active
    assert upcoming_url(online_doctor) in response.content.decode()
    entry = AuditLog.objects.get(action="account.edited_by_staff")
    assert "is_active" in entry.detail
    assert entry.actor == staff


@pytest.mark.parametrize("rows", [1, 5])
def test_doctor_upcoming_page_query_count_does_not_grow_with_rows(
    client_for, staff, online_doctor, django_assert_num_queries, rows
):
    for i in range(rows):
        AppointmentFactory(doctor=online_doctor, start=timezone.now() + timedelta(days=2 + i))
    browser = client_for(staff)
    browser.get(upcoming_url(online_doctor))

    # The user, the doctor, the appointments with their patients, the
    # alternatives' specialty and clinic.
    with django_assert_num_queries(5):
        response = browser.get(upcoming_url(online_doctor))

    assert len(response.context["appointments"]) == rows


@pytest.mark.parametrize("doctors", [1, 4])
def test_doctors_stopped_page_query_count_does_not_grow_with_rows(
    client_for, staff, django_assert_num_queries, doctors
):
    for i in range(doctors):
        AppointmentFactory(start=timezone.now() + timedelta(days=2 + i))  # each with a DRAFT doctor
    browser = client_for(staff)
    browser.get(reverse("admin:doctors_stopped"))

    with django_assert_num_queries(2):  # the user, the doctors with their counts
        response = browser.get(reverse("admin:doctors_stopped"))

    assert len(response.context["doctors"]) == doctors


def test_doctor_upcoming_page_of_an_unknown_doctor_is_404(client_for, staff):
    assert client_for(staff).get(reverse("admin:doctor_upcoming", args=[999999])).status_code == 404


@pytest.mark.parametrize("persona", ["patient", "doctor", "anonymous"])
def test_doctor_stop_pages_are_for_staff_only(client, client_for, persona, online_doctor, payer):
    AppointmentFactory(doctor=online_doctor, start=timezone.now() + timedelta(days=2))
    if persona != "anonymous":
        client_for(payer if persona == "patient" else online_doctor.user)

    listing = client.get(reverse("admin:doctors_stopped"))
    cancel = client.post(upcoming_url(online_doctor), {"reason": "Spite", "deactivate": "on"})

    assert listing.status_code == cancel.status_code == 302
    online_doctor.user.refresh_from_db()
    assert online_doctor.user.is_active
    assert Appointment.objects.get(doctor=online_doctor).status == Status.CONFIRMED


def test_doctor_stop_without_a_reason_shows_the_error_and_cancels_nothing(client_for, staff, online_doctor):
    AppointmentFactory(doctor=online_doctor, start=timezone.now() + timedelta(days=2))

    response = client_for(staff).post(upcoming_url(online_doctor), {"reason": "", "deactivate": "on"})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    online_doctor.user.refresh_from_db()
    assert online_doctor.user.is_active
    assert Appointment.objects.get(doctor=online_doctor).status == Status.CONFIRMED
