"""What patients and doctors see of payments: marks, the cancel step's refund, the fragment's queries, admin."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from payments.models import Payment, Refund
from tests.factories import AppointmentFactory, DoctorProfileFactory
from tests.payments.conftest import checkout_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(client_for, payer, payment):
    client_for(payer).post(reverse("payments:callback", args=[payment.pk]), checkout_fields(payment))
    payment.refresh_from_db()
    return payment


def test_doctor_list_marks_paid_and_refunded_consults(client_for, online_doctor, paid):
    AppointmentFactory(
        doctor=online_doctor,
        start=paid.appointment.start + timedelta(hours=1),
        status=Appointment.Status.CANCELLED,
        payment_state=Appointment.PaymentState.REFUNDED,
    )

    page = (
        client_for(online_doctor.user).get(reverse("appointments:doctor_list") + "?tab=week").content.decode()
    )

    assert 'pay-mark">Paid</span>' in page
    assert 'pay-mark">Refunded</span>' in page


def test_cancel_step_states_the_refund_for_the_patient(client_for, payer, paid):
    start = timezone.now() + timedelta(hours=3)
    Appointment.objects.filter(pk=paid.appointment_id).update(start=start, end=start + timedelta(minutes=30))

    page = client_for(payer).get(reverse("appointments:detail", args=[paid.appointment_id])).content.decode()

    assert "You get ₹250 of ₹500 back. Cancel up to 4 hours before the start for a full refund" in page


def test_cancel_step_states_the_full_refund_for_the_doctor(client_for, online_doctor, paid):
    page = client_for(online_doctor.user).get(reverse("appointments:detail", args=[paid.appointment_id]))

    assert "The patient gets the full fee back (₹500)." in page.content.decode()


def test_appointment_page_pulls_the_payments_fragment_with_a_link_fallback(client_for, payer, paid):
    page = client_for(payer).get(reverse("appointments:detail", args=[paid.appointment_id])).content.decode()

    url = reverse("payments:appointment_payments", args=[paid.appointment_id])
    assert f'hx-get="{url}"' in page
    assert f'href="{url}"' in page


@pytest.mark.parametrize("refunds", [1, 3])
def test_payments_fragment_costs_a_fixed_number_of_queries(
    client_for, payer, paid, refunds, django_assert_num_queries
):
    for n in range(refunds):
        Refund.objects.create(payment=paid, amount=100, reason="Test", idempotency_key=f"key-{n}-{refunds}")
    client = client_for(payer)
    url = reverse("payments:appointment_payments", args=[paid.appointment_id])

    # session, user, appointment with doctor, its payments, their refunds
    with django_assert_num_queries(5):
        response = client.get(url, headers={"HX-Request": "true"})

    assert response.content.decode().count("Refund in progress") == refunds


def test_admin_lists_payments_read_only_with_filters_and_totals(client_for, staff, paid):
    client = client_for(staff)

    page = client.get(reverse("admin:payments_payment_changelist") + "?status__exact=CAPTURED")

    assert page.status_code == 200
    text = page.content.decode()
    assert paid.receipt in text
    assert "Totals for this selection" in text
    assert client.get(reverse("admin:payments_payment_add")).status_code == 403
    change = client.get(reverse("admin:payments_payment_change", args=[paid.pk])).content.decode()
    assert 'name="_save"' not in change
    for name in ("refund", "webhookevent"):
        assert client.get(reverse(f"admin:payments_{name}_changelist")).status_code == 200


def test_admin_exports_a_date_range_as_csv(client_for, staff, paid):
    old = Payment.objects.create(
        appointment=paid.appointment, gateway="fake", receipt="mc-old", order_id="order_old", amount=100
    )
    Payment.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    today = timezone.localdate()

    response = client_for(staff).get(
        reverse("admin:payments_payment_export"), {"start": today - timedelta(days=1), "end": today}
    )

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["created_at", "receipt", "status"]
    assert [row[1] for row in rows[1:]] == [paid.receipt]
    assert rows[1][6] == str(paid.amount)
    from core.models import AuditLog

    exported = AuditLog.objects.get(action="payments.exported")
    assert (exported.actor, exported.detail) == (staff, f"{today - timedelta(days=1)} to {today}")


def test_admin_export_is_for_staff_only(client_for, payer):
    response = client_for(payer).get(reverse("admin:payments_payment_export"))

    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_doctor_without_paid_consults_sees_an_empty_earnings_page(client_for):
    doctor = DoctorProfileFactory()

    page = client_for(doctor.user).get(reverse("payments:earnings")).content.decode()

    assert "No paid consultations yet" in page
