"""STORAGE_BACKEND: private files on local disk, or in an S3 bucket (moto intercepts the S3 API)
handed out only as short-lived signed URLs by the permission-checked download views."""

from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from django.core.files.base import ContentFile
from django.urls import reverse
from moto import mock_aws

from core.models import AuditLog
from core.storage import private_storage
from tests.factories import MINIMAL_PDF, DoctorDocumentFactory, DoctorProfileFactory

pytestmark = pytest.mark.django_db

BUCKET = "medconsult-test"


@pytest.fixture
def s3(settings, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    settings.STORAGE_BACKEND = "s3"
    settings.AWS_STORAGE_BUCKET_NAME = BUCKET
    settings.AWS_S3_REGION_NAME = "ap-south-1"
    settings.AWS_S3_ENDPOINT_URL = ""
    settings.AWS_ACCESS_KEY_ID = "test-access-key"
    settings.AWS_SECRET_ACCESS_KEY = "test-secret-key-not-real"
    settings.PRIVATE_URL_SECONDS = 60
    with mock_aws():
        client = boto3.client(
            "s3",
            region_name="ap-south-1",
            aws_access_key_id="test-access-key",
            aws_secret_access_key="test-secret-key-not-real",
        )
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
        yield client


def make_document(doctor):
    return DoctorDocumentFactory(
        doctor=DoctorProfileFactory(user=doctor), original_name="my registration.pdf"
    )


def test_private_storage_local_writes_under_private_media_root(settings):
    name = private_storage.save("doctor-documents/a.pdf", ContentFile(MINIMAL_PDF))

    assert (settings.PRIVATE_MEDIA_ROOT / name).read_bytes() == MINIMAL_PDF
    with pytest.raises(ValueError, match="no public URL"):
        private_storage.url(name)
    with pytest.raises(ValueError, match="only with STORAGE_BACKEND=s3"):
        private_storage.signed_url(name, download_name="a.pdf", content_type="application/pdf")


def test_download_local_streams_the_file(client_for, doctor):
    document = make_document(doctor)

    response = client_for(doctor).get(reverse("profiles:document_download", args=[document.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == MINIMAL_PDF


def test_private_storage_s3_stores_in_the_bucket_privately(s3, settings):
    name = private_storage.save("doctor-documents/a.pdf", ContentFile(MINIMAL_PDF))

    stored = s3.get_object(Bucket=BUCKET, Key=f"private/{name}")
    assert stored["Body"].read() == MINIMAL_PDF
    grants = s3.get_object_acl(Bucket=BUCKET, Key=f"private/{name}")["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert "URI" not in grants[0]["Grantee"]  # no AllUsers / AuthenticatedUsers grant
    assert not (settings.PRIVATE_MEDIA_ROOT / name).exists()
    assert private_storage.exists(name)
    with pytest.raises(ValueError, match="no public URL"):
        private_storage.url(name)


def test_download_s3_redirects_owner_to_short_signed_url(s3, client_for, doctor):
    document = make_document(doctor)

    response = client_for(doctor).get(reverse("profiles:document_download", args=[document.pk]))

    assert response.status_code == 302
    url = response["Location"]
    query = parse_qs(urlsplit(url).query)
    assert urlsplit(url).path.endswith(f"/private/{document.file.name}")
    assert query["X-Amz-Expires"] == ["60"]
    assert "X-Amz-Signature" in query
    assert query["response-content-disposition"][0].startswith("attachment;")
    assert "my%20registration.pdf" in query["response-content-disposition"][0] or (
        "my registration.pdf" in query["response-content-disposition"][0]
    )
    assert query["response-content-type"] == ["application/pdf"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    fetched = requests.get(url, timeout=5)
    assert fetched.status_code == 200
    assert fetched.content == MINIMAL_PDF
    entry = AuditLog.objects.get()
    assert (entry.action, entry.outcome, entry.actor) == ("file.download", AuditLog.Outcome.ALLOWED, doctor)


def test_download_s3_other_doctor_gets_404_and_no_url(s3, client_for, doctor, other_doctor):
    document = make_document(doctor)

    response = client_for(other_doctor).get(reverse("profiles:document_download", args=[document.pk]))

    assert response.status_code == 404
    assert "Location" not in response
    assert AuditLog.objects.get().outcome == AuditLog.Outcome.DENIED


def test_download_s3_missing_object_gives_404_logged_denied(s3, client_for, doctor):
    document = make_document(doctor)
    s3.delete_object(Bucket=BUCKET, Key=f"private/{document.file.name}")

    response = client_for(doctor).get(reverse("profiles:document_download", args=[document.pk]))

    assert response.status_code == 404
    entry = AuditLog.objects.get()
    assert (entry.outcome, entry.detail) == (AuditLog.Outcome.DENIED, "file missing from storage")


def test_storage_switch_back_to_local_after_s3(settings, s3):
    settings.STORAGE_BACKEND = "local"

    name = private_storage.save("doctor-documents/b.pdf", ContentFile(b"%PDF-1.4 local"))

    assert (settings.PRIVATE_MEDIA_ROOT / name).exists()
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0


def test_download_s3_with_cdn_domain_still_signed_by_the_bucket(s3, settings, client_for, doctor):
    """AWS_S3_CUSTOM_DOMAIN is the CDN in front of the public photos: a private file's
    URL must still be the bucket's own, signed and lapsing, never a bare CDN link."""
    settings.AWS_S3_CUSTOM_DOMAIN = "cdn.medconsult.example.com"
    document = make_document(doctor)

    response = client_for(doctor).get(reverse("profiles:document_download", args=[document.pk]))

    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert url.hostname != "cdn.medconsult.example.com"
    assert url.hostname.startswith(f"{BUCKET}.s3.")
    query = parse_qs(url.query)
    assert query["X-Amz-Expires"] == ["60"]
    assert "X-Amz-Signature" in query


def test_settings_s3_with_cdn_domain_lets_images_from_the_bucket_through_csp(tmp_path):
    """Chat thumbnails redirect to the bucket's signed URL: img-src must allow the bucket
    as well as the CDN that serves the public photos."""
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(' '.join(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "medconsult.settings",
        "ENV_FILE": "",
        "SECRET_KEY": "x" * 50,
        "DEBUG": "on",
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_REGION_NAME": "ap-south-1",
        "AWS_S3_CUSTOM_DOMAIN": "cdn.medconsult.example.com",
    }

    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=60
    )

    sources = result.stdout.split()
    assert "https://cdn.medconsult.example.com" in sources
    assert f"https://{BUCKET}.s3.amazonaws.com" in sources
    assert f"https://{BUCKET}.s3.ap-south-1.amazonaws.com" in sources
