"""Issue 13 item 9: the booking's confirmation after payment links to the page
where the patient chooses what the doctor may see (My Records' share page)."""

import pytest
from django.urls import reverse

from tests.payments.conftest import checkout_fields

pytestmark = pytest.mark.django_db


def test_payment_confirmation_links_to_the_share_page(client_for, payer, payment):
    client = client_for(payer)

    response = client.post(
        reverse("payments:callback", args=[payment.pk]), checkout_fields(payment), follow=True
    )

    page = response.content.decode()
    assert "Payment received. Your appointment is confirmed" in page
    share = reverse("records:share", args=[payment.appointment_id])
    assert f'<a href="{share}">Share your reports with the doctor</a>' in page
    assert client.get(share).status_code == 200
