"""Upload rules for verification documents and photos: by content, never by name."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from core.uploads import MAX_DOCUMENT_BYTES
from profiles.models import DoctorDocument
from tests.factories import MINIMAL_PDF, DoctorProfileFactory, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile():
    return DoctorProfileFactory()


def upload_document(client_for, profile, name, content, kind="REGISTRATION", content_type="application/pdf"):
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    return client_for(profile.user).post(reverse("profiles:document_upload"), {"kind": kind, "file": upload})


def test_good_pdf_is_stored_privately_under_a_generated_name(client_for, profile, settings):
    response = upload_document(client_for, profile, "../../etc/My Certificate.pdf", MINIMAL_PDF)

    assert response.status_code == 302
    document = DoctorDocument.objects.get(doctor=profile)
    assert document.original_name == "My Certificate.pdf"
    assert document.content_type == "application/pdf"
    assert document.file.name.startswith("doctor-documents/")
    assert "Certificate" not in document.file.name
    assert document.file.path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    with pytest.raises(ValueError, match="no public URL"):
        document.file.url  # noqa: B018


def test_good_png_is_accepted_as_png(client_for, profile):
    response = upload_document(
        client_for, profile, "id.png", png_bytes(), kind="GOVERNMENT_ID", content_type="image/png"
    )

    assert response.status_code == 302
    document = DoctorDocument.objects.get(doctor=profile)
    assert document.content_type == "image/png"
    assert document.file.name.endswith(".png")


def test_oversize_file_is_refused(client_for, profile):
    content = MINIMAL_PDF + b"0" * (MAX_DOCUMENT_BYTES + 1)

    response = upload_document(client_for, profile, "big.pdf", content)

    assert response.status_code == 400
    assert "the limit is 10 MB" in response.content.decode()
    assert not DoctorDocument.objects.exists()


def test_html_named_pdf_is_refused(client_for, profile):
    response = upload_document(client_for, profile, "cert.pdf", b"<html><script>alert(1)</script></html>")

    assert response.status_code == 400
    assert "whatever its name says" in response.content.decode()
    assert not DoctorDocument.objects.exists()


def test_executable_with_image_extension_is_refused(client_for, profile):
    response = upload_document(
        client_for, profile, "scan.png", b"MZ\x90\x00" + b"\x00" * 200, content_type="image/png"
    )

    assert response.status_code == 400
    assert not DoctorDocument.objects.exists()


def test_truncated_png_under_good_extension_is_refused(client_for, profile):
    response = upload_document(client_for, profile, "scan.png", png_bytes()[:60], content_type="image/png")

    assert response.status_code == 400
    assert "not a readable image" in response.content.decode()


def test_gif_is_refused_even_though_it_is_an_image(client_for, profile):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "GIF")

    response = upload_document(client_for, profile, "scan.gif", buffer.getvalue(), content_type="image/gif")

    assert response.status_code == 400


def decompression_bomb() -> bytes:
    """A small PNG file that claims a 20000 x 20000 canvas (400 megapixels)."""
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")
    return buffer.getvalue()


def test_decompression_bomb_is_refused_as_document_and_photo(client_for, profile):
    bomb = decompression_bomb()

    document = upload_document(client_for, profile, "scan.png", bomb, content_type="image/png")
    photo = client_for(profile.user).post(
        reverse("profiles:doctor_photo"),
        {"photo": SimpleUploadedFile("me.png", bomb, content_type="image/png")},
    )

    assert document.status_code == 400
    assert photo.status_code == 400
    assert "far too large in pixels" in photo.content.decode()
    profile.refresh_from_db()
    assert not profile.photo


def test_photo_becomes_square_jpeg_thumbnail_served_publicly(client_for, profile, client):
    response = client_for(profile.user).post(
        reverse("profiles:doctor_photo"),
        {"photo": SimpleUploadedFile("me.png", png_bytes(size=(800, 500)), content_type="image/png")},
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    with Image.open(profile.photo.path) as image:
        assert image.format == "JPEG"
        assert image.size == (192, 192)
    served = client.get(profile.photo.url)
    assert served.status_code == 200


def test_photo_that_is_not_an_image_is_refused(client_for, profile):
    response = client_for(profile.user).post(
        reverse("profiles:doctor_photo"), {"photo": SimpleUploadedFile("me.jpg", MINIMAL_PDF)}
    )

    assert response.status_code == 400
    assert "not a readable image" in response.content.decode()


def test_jpeg_header_followed_by_html_is_refused(client_for, profile):
    fake = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"<html><script>alert(1)</script></html>" * 20

    document = upload_document(client_for, profile, "scan.jpg", fake, content_type="image/jpeg")
    photo = client_for(profile.user).post(
        reverse("profiles:doctor_photo"),
        {"photo": SimpleUploadedFile("me.jpg", fake, content_type="image/jpeg")},
    )

    assert document.status_code == 400
    assert photo.status_code == 400
    assert not DoctorDocument.objects.exists()


def test_truncated_jpeg_photo_is_refused_not_a_500(client_for, profile):
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), (200, 30, 30)).save(buffer, "JPEG")

    response = client_for(profile.user).post(
        reverse("profiles:doctor_photo"),
        {"photo": SimpleUploadedFile("me.jpg", buffer.getvalue()[:400], content_type="image/jpeg")},
    )

    assert response.status_code == 400
    assert "not a readable image" in response.content.decode()


def test_image_over_our_pixel_limit_but_under_pillows_is_refused(client_for, profile):
    buffer = io.BytesIO()
    Image.new("1", (8000, 6000)).save(buffer, "PNG")  # 48 megapixels, a few KB

    response = upload_document(client_for, profile, "scan.png", buffer.getvalue(), content_type="image/png")

    assert response.status_code == 400
    assert "far too large in pixels" in response.content.decode()
