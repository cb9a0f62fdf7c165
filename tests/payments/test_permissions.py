"""Who may see and do what: the patient, their doctor, another patient, another doctor, staff, anonymous."""

import pytest
from django.urls import reverse

from payments.models import Payment
from tests.factories import bookable_doctor
from tests.payments.conftest import checkout_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(payment):
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.CAPTURED, payment_id="pay_P1")
    payment.refresh_from_db()
    return payment


@pytest.fixture
def personas(payer, online_doctor, other_patient, staff):
    return {
        "patient": payer,
        "their doctor": online_doctor.user,
        "another patient": other_patient,
        "another doctor": bookable_doctor().user,
        "staff": staff,
        "anonymous": None,
    }


def visit(client, user, method, url, data=None):
    if user is not None:
        client.force_login(user)
    return getattr(client, method)(url, data or {})


PATIENT_ONLY = {
    "patient": 200,
    "their doctor": 403,
    "another patient": 404,
    "another doctor": 403,
    "staff": 403,
    "anonymous": 302,
}


@pytest.mark.parametrize("who", list(PATIENT_ONLY))
def test_payment_page_is_the_patients_own(client, personas, held, who):
    response = visit(client, personas[who], "get", reverse("payments:pay", args=[held.pk]))

    assert response.status_code == PATIENT_ONLY[who]
    if who == "patient":
        assert "Pay for your consultation" in response.content.decode()
    if who == "anonymous":
        assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("who", list(PATIENT_ONLY))
def test_callback_is_the_patients_own(client, personas, payment, who):
    response = visit(
        client,
        personas[who],
        "post",
        reverse("payments:callback", args=[payment.pk]),
        checkout_fields(payment),
    )

    expected = 302 if who == "patient" else PATIENT_ONLY[who]
    assert response.status_code == expected
    payment.refresh_from_db()
    assert payment.status == (Payment.Status.CAPTURED if who == "patient" else Payment.Status.CREATED)


@pytest.mark.parametrize("who", list(PATIENT_ONLY))
def test_receipt_is_the_patients_own(client, personas, paid, who):
    response = visit(client, personas[who], "get", reverse("payments:receipt", args=[paid.pk]))

    assert response.status_code == PATIENT_ONLY[who]
    if who == "patient":
        page = response.content.decode()
        assert paid.order_id in page
        assert "pay_P1" in page
        assert "MMC-2008-12345" in page


def test_receipt_of_an_unpaid_order_is_not_found(client_for, payer, payment):
    assert client_for(payer).get(reverse("payments:receipt", args=[payment.pk])).status_code == 404


FRAGMENT = {
    "patient": 200,
    "their doctor": 200,
    "another patient": 404,
    "another doctor": 404,
    "staff": 404,
    "anonymous": 302,
}


@pytest.mark.parametrize("who", list(FRAGMENT))
def test_payments_fragment_shows_to_the_patient_and_their_doctor_only(client, personas, paid, who):
    url = reverse("payments:appointment_payments", args=[paid.appointment_id])

    response = visit(client, personas[who], "get", url)

    assert response.status_code == FRAGMENT[who]
    if who in ("patient", "their doctor"):
        page = response.content.decode()
        assert "Paid" in page
        assert ("Receipt" in page) == (who == "patient")


@pytest.mark.parametrize("who", list(PATIENT_ONLY))
def test_fake_checkout_is_the_patients_own(client, personas, payment, who):
    response = visit(client, personas[who], "get", reverse("payments:fake_checkout", args=[payment.pk]))

    assert response.status_code == PATIENT_ONLY[who]


def test_fake_checkout_is_gone_with_the_real_gateway(client_for, payer, payment, settings):
    settings.PAYMENT_GATEWAY = "razorpay"

    assert client_for(payer).get(reverse("payments:fake_checkout", args=[payment.pk])).status_code == 404


def test_earnings_are_for_doctors(client_for, online_doctor, payer, paid):
    page = client_for(online_doctor.user).get(reverse("payments:earnings"))

    assert page.status_code == 200
    assert "₹500" in page.content.decode()
    assert client_for(payer).get(reverse("payments:earnings")).status_code == 403
