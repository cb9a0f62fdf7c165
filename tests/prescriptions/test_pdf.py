import io
import subprocess

import pytest
from django.core.files.base import ContentFile
from pypdf import PdfReader

from accounts.models import User
from tests.factories import png_bytes
from tests.prescriptions.conftest import issued, item


def pages_text(rx):
    with rx.pdf.storage.open(rx.pdf.name, "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return [page.extract_text() for page in reader.pages]


def test_pdf_holds_items_in_capitals_registration_and_verification_code(appointment):
    rx = issued(
        appointment,
        items=[item("Paracetamol"), item("Ciprofloxacin eye drops", form="eye drops", route="ophthalmic")],
        complaints="Fever and red eyes",
        investigations="CBC",
        advice="Rest and fluids",
    )
    [text] = pages_text(rx)
    assert "PARACETAMOL" in text
    assert "CIPROFLOXACIN EYE DROPS" in text
    assert "MMC-2008-12345" in text
    assert "Maharashtra Medical Council" in text
    assert rx.verification_code in text
    assert f"/rx/verify/{rx.verification_code}/" in text
    assert "Priya Nair" in text
    assert "36 years" in text or "35 years" in text
    assert "Female" in text
    assert "Online: video" in text
    assert "Page 1 of 1" in text
    for words in ("Fever and red eyes", "CBC", "Rest and fluids", "1-0-1", "5 days", "after food"):
        assert words in text


def test_pdf_keeps_a_devanagari_name(appointment):
    User.objects.filter(pk=appointment.patient_id).update(full_name="प्रिया नायर")
    appointment.patient.refresh_from_db()
    rx = issued(appointment)
    # pdftotext maps the shaped glyphs back to text through the embedded font's ToUnicode table.
    with rx.pdf.storage.open(rx.pdf.name, "rb") as handle:
        text = subprocess.run(
            ["/usr/bin/pdftotext", "-", "-"], input=handle.read(), capture_output=True, check=True
        ).stdout
    assert "प्रिया नायर" in text.decode()


def test_pdf_of_forty_items_flows_onto_pages_with_the_header_on_each(appointment):
    items = [item(f"Testmedicine {n}", instructions="after food, with plenty of water") for n in range(1, 41)]
    rx = issued(appointment, items=items, unrestricted_confirmed=True)
    pages = pages_text(rx)
    assert len(pages) > 1
    for number, text in enumerate(pages, start=1):
        assert "Dr. Asha Rao" in text
        assert "Reg. No. MMC-2008-12345" in text
        assert f"Page {number} of {len(pages)}" in text
        assert rx.verification_code in text
    everything = "".join(pages)
    assert all(f"TESTMEDICINE {n}" in everything for n in range(1, 41))


def test_pdf_carries_the_doctors_signature_when_uploaded(appointment):
    doctor = appointment.doctor
    doctor.signature.save("sig.png", ContentFile(png_bytes((300, 100))), save=True)
    rx = issued(appointment)
    with rx.pdf.storage.open(rx.pdf.name, "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    images = [image for page in reader.pages for image in page.images]
    assert images, "the signature image is embedded"


@pytest.mark.parametrize("content_type", ["text/html"])
def test_signature_upload_refuses_what_is_not_an_image(client, rx_doctor, content_type):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(rx_doctor.user)
    bad = SimpleUploadedFile("sig.png", b"<html>not an image</html>", content_type=content_type)
    response = client.post("/doctor/profile/signature/", {"signature": bad})
    assert response.status_code == 400
    rx_doctor.refresh_from_db()
    assert not rx_doctor.signature
    good = SimpleUploadedFile("sig.jpg", png_bytes((1200, 400)), content_type="image/png")
    response = client.post("/doctor/profile/signature/", {"signature": good})
    assert response.status_code == 302
    rx_doctor.refresh_from_db()
    assert rx_doctor.signature.name.endswith(".png")
    with rx_doctor.signature.storage.open(rx_doctor.signature.name, "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"


def test_pdf_names_a_minors_accompanying_adult(appointment):
    appointment.companion_name, appointment.companion_relation = "Anita Nair", "Mother"
    appointment.save()
    [text] = pages_text(issued(appointment))
    assert "Accompanying adult: Anita Nair (Mother)" in text
