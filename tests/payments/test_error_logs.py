"""A failed payment is logged at error level, as one JSON line with its context."""

import pytest

from tests.payments.conftest import event_body, post_webhook

pytestmark = pytest.mark.django_db


def test_log_line_payment_failure_at_error_with_context(client, payment, log_lines):
    body = event_body("payment.failed", payment=payment, payment_id="pay_Failed00001")

    response = post_webhook(client, body, event_id="evt_failed")

    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == payment.Status.FAILED
    raw, lines = log_lines()
    [line] = [line for line in lines if line.get("event") == "payment.failed"]
    assert line["level"] == "ERROR"
    assert (line["payment_pk"], line["order_id"], line["appointment_id"]) == (
        payment.pk,
        payment.order_id,
        payment.appointment_id,
    )
    assert line["amount_paise"] == payment.amount
    assert "Rash on the arm" not in raw  # the appointment's reason is medical content
