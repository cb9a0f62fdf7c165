"""Doctor photos: stored at the size pages show them (twice 96 px, for 2x screens),
under names that change with the photo, and served with a cache lifetime that
matches (issue 10, point 20)."""

import importlib
import io
from email.utils import formatdate
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from core.uploads import PHOTO_PIXELS, is_generated_name
from tests.factories import DoctorProfileFactory, png_bytes

pytestmark = pytest.mark.django_db

A_YEAR = "public, max-age=31536000, immutable"


def upload_photo(client_for, profile, size=(1200, 900)):
    response = client_for(profile.user).post(
        reverse("profiles:doctor_photo"),
        {"photo": SimpleUploadedFile("holiday.png", png_bytes(size=size), content_type="image/png")},
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    return profile.photo


@pytest.fixture
def profile():
    return DoctorProfileFactory()


def test_uploaded_photo_is_stored_at_twice_the_largest_size_shown(client_for, profile):
    photo = upload_photo(client_for, profile)

    with Image.open(photo.path) as image:
        assert image.format == "JPEG"
        assert image.size == (192, 192)
    assert PHOTO_PIXELS == 192


def test_uploaded_photo_is_stored_under_a_generated_name_not_the_uploaders(client_for, profile):
    photo = upload_photo(client_for, profile)

    assert photo.name.startswith("doctors/photos/")
    assert "holiday" not in photo.name
    assert is_generated_name(photo.name)


def test_a_new_photo_gets_a_new_url(client_for, profile, django_capture_on_commit_callbacks):
    first = upload_photo(client_for, profile, size=(500, 500)).name

    with django_capture_on_commit_callbacks(execute=True):
        second = upload_photo(client_for, profile, size=(700, 600)).name

    assert second != first
    assert profile.photo.storage.exists(second)
    assert not profile.photo.storage.exists(first)


def test_photo_is_served_with_a_year_long_cache_lifetime(client_for, profile, client):
    photo = upload_photo(client_for, profile)

    response = client.get(photo.url)

    assert response.status_code == 200
    assert response["Cache-Control"] == A_YEAR
    assert response["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as image:
        assert image.size == (192, 192)


def test_photo_is_served_cached_to_a_logged_in_visitor_too(client_for, profile):
    photo = upload_photo(client_for, profile)

    response = client_for(profile.user).get(photo.url)

    assert response["Cache-Control"] == A_YEAR


def test_media_file_under_a_name_of_its_own_is_revalidated_on_every_use(client, settings):
    placed = Path(settings.MEDIA_ROOT) / "doctors" / "photos" / "dr-rao.jpg"
    placed.parent.mkdir(parents=True)
    placed.write_bytes(png_bytes())

    response = client.get("/media/doctors/photos/dr-rao.jpg")

    assert response.status_code == 200
    assert response["Cache-Control"] == "public, no-cache"
    assert response["Last-Modified"]


def test_revalidated_media_file_answers_not_modified_with_the_same_policy(client, settings):
    placed = Path(settings.MEDIA_ROOT) / "doctors" / "photos" / "dr-rao.jpg"
    placed.parent.mkdir(parents=True)
    placed.write_bytes(png_bytes())

    response = client.get(
        "/media/doctors/photos/dr-rao.jpg", headers={"If-Modified-Since": formatdate(usegmt=True)}
    )

    assert response.status_code == 304
    assert response["Cache-Control"] == "public, no-cache"


def test_missing_media_file_is_not_found_and_not_cached(client):
    response = client.get("/media/doctors/photos/0123456789abcdef0123456789abcdef.jpg")

    assert response.status_code == 404
    assert "max-age=31536000" not in response.get("Cache-Control", "")


def test_migration_shrinks_a_stored_400_px_photo_under_a_new_name(
    profile, django_capture_on_commit_callbacks
):
    from django.apps import apps
    from django.core.files.base import ContentFile

    shrink_photos = importlib.import_module("profiles.migrations.0009_doctor_photos_192px").shrink_photos
    buffer = io.BytesIO()
    Image.new("RGB", (400, 400), (20, 99, 216)).save(buffer, "JPEG")
    profile.photo.save("0123456789abcdef0123456789abcdef.jpg", ContentFile(buffer.getvalue()))
    old = profile.photo.name
    small = DoctorProfileFactory()
    small.photo.save("fedcba9876543210fedcba9876543210.jpg", ContentFile(png_bytes(size=(192, 192))))

    with django_capture_on_commit_callbacks(execute=True):
        shrink_photos(apps, None)

    profile.refresh_from_db()
    assert profile.photo.name != old
    assert is_generated_name(profile.photo.name)
    with Image.open(profile.photo.path) as image:
        assert image.size == (192, 192)
    assert not profile.photo.storage.exists(old)
    kept = small.photo.name
    small.refresh_from_db()
    assert small.photo.name == kept
