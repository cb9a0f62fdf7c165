import pytest

from prescriptions import services
from tests.prescriptions.conftest import issued, item


@pytest.fixture
def rx(appointment):
    return issued(
        appointment,
        items=[item("Cetirizine")],
        diagnosis="Allergic rhinitis",
        advice="Avoid dust",
        unrestricted_confirmed=True,
    )


def shown(response):
    return response.content.decode()


def test_verify_valid_shows_only_doctor_registration_date_and_initials(client, rx):
    response = client.get(f"/rx/verify/{rx.verification_code}/")
    assert response.status_code == 200
    text = shown(response)
    assert "Valid." in text
    assert "Dr. Asha Rao" in text
    assert "MMC-2008-12345" in text
    assert "P.N." in text
    assert rx.issued_at.strftime("%-d %b %Y") in text
    for private in (
        "Priya",
        "Nair",
        "Cetirizine",
        "CETIRIZINE",
        "Allergic rhinitis",
        "Avoid dust",
        "priya.rx@",
    ):
        assert private not in text


def test_verify_superseded(client, rx, appointment):
    correction = services.prescription_correct(prescription=rx, actor=appointment.doctor.user)
    services.prescription_issue(prescription=correction, actor=appointment.doctor.user)
    text = shown(client.get(f"/rx/verify/{rx.verification_code}/"))
    assert "Superseded." in text
    assert "Valid." not in text


def test_verify_revoked(client, rx, appointment):
    services.prescription_revoke(
        prescription=rx, actor=appointment.doctor.user, reason="Wrong dose, ask again"
    )
    text = shown(client.get(f"/rx/verify/{rx.verification_code}/"))
    assert "Revoked." in text
    assert "Wrong dose" not in text  # the reason is medical detail: not for the pharmacist


@pytest.mark.parametrize("code", ["abcdefghijklmnop", "x", "a" * 200, "%3Cscript%3E"])
def test_verify_unknown_code_is_a_clear_404(client, rx, code):
    response = client.get(f"/rx/verify/{code}/")
    assert response.status_code == 404
    assert "Prescription not found" in shown(response)


def test_verify_of_a_draft_is_unknown(client, appointment):
    from tests.prescriptions.conftest import draft_with

    draft = draft_with(appointment)
    assert draft.verification_code is None
    assert client.get("/rx/verify/None/").status_code == 404


def test_verify_rate_limited_per_address(client, rx, settings):
    settings.RX_VERIFY_PER_MINUTE = 3
    url = f"/rx/verify/{rx.verification_code}/"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get(url)
    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    assert client.get(url, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_verify_page_query_count(client, rx, django_assert_num_queries):
    with django_assert_num_queries(1):
        client.get(f"/rx/verify/{rx.verification_code}/")
