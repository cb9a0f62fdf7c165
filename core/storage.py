"""Where private files live: on local disk under PRIVATE_MEDIA_ROOT (which no
URL maps to), or in an S3-compatible bucket under `private/` (STORAGE_BACKEND=s3),
never readable without a short-lived signed URL."""

import os
import threading

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.core.signals import setting_changed
from django.utils.deconstruct import deconstructible
from django.utils.http import content_disposition_header

PRIVATE_PREFIX = "private"
PUBLIC_PREFIX = "public"
# Settings that decide which backend private files use (a change rebuilds it).
BACKEND_SETTINGS = (
    "STORAGE_BACKEND",
    "PRIVATE_MEDIA_ROOT",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_S3_REGION_NAME",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "PRIVATE_URL_SECONDS",
)


class PrivateLocalStorage(FileSystemStorage):
    """Private files on local disk; the location is read from settings on every use
    (tests point it at a temporary folder). Deliberately no URL."""

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through a download view.")


def s3_options(*, prefix: str) -> dict:
    """django-storages' S3Storage options for our bucket, from settings."""
    return {
        "bucket_name": settings.AWS_STORAGE_BUCKET_NAME,
        "endpoint_url": settings.AWS_S3_ENDPOINT_URL or None,
        "region_name": settings.AWS_S3_REGION_NAME or None,
        "access_key": settings.AWS_ACCESS_KEY_ID or None,
        "secret_key": settings.AWS_SECRET_ACCESS_KEY or None,
        "location": prefix,
        # A stored name is never reused for other content, and nothing overwrites.
        "file_overwrite": False,
        "signature_version": "s3v4",
    }


def _private_s3_storage():
    from storages.backends.s3 import S3Storage

    return S3Storage(
        **s3_options(prefix=PRIVATE_PREFIX),
        default_acl="private",
        querystring_auth=True,
        querystring_expire=settings.PRIVATE_URL_SECONDS,
        object_parameters={"CacheControl": "private, no-store"},
        # django-storages would otherwise take AWS_S3_CUSTOM_DOMAIN (the CDN in front of
        # public/) from settings and hand out a bare, unsigned, never-lapsing CDN link.
        custom_domain=None,
    )


_backends = threading.local()


def _backend() -> Storage:
    key = tuple(str(getattr(settings, name, "")) for name in BACKEND_SETTINGS)
    cached = getattr(_backends, "value", None)
    if cached is None or cached[0] != key:
        backend = _private_s3_storage() if settings.STORAGE_BACKEND == "s3" else PrivateLocalStorage()
        cached = (key, backend)
        _backends.value = cached
    return cached[1]


@setting_changed.connect
def _forget_backend(*, setting, **kwargs):
    if setting in BACKEND_SETTINGS:
        _backends.value = None


@deconstructible(path="core.storage.PrivateFileStorage")
class PrivateFileStorage(Storage):
    """Files that only their app's download view may hand out.

    Model fields keep this one storage whatever STORAGE_BACKEND says; each call
    goes to the backend the settings name (local disk or the bucket). There is
    deliberately no `url()`: a template that tries `file.url` fails loudly
    instead of leaking a path. On S3 the download views hand out `signed_url()`,
    valid for PRIVATE_URL_SECONDS, through core.files.
    """

    @property
    def is_remote(self) -> bool:
        return settings.STORAGE_BACKEND == "s3"

    def _open(self, name, mode="rb"):
        return _backend().open(name, mode)

    def _save(self, name, content):
        return _backend()._save(name, content)

    def save(self, name, content, max_length=None):
        return _backend().save(name, content, max_length=max_length)

    def get_valid_name(self, name):
        return _backend().get_valid_name(name)

    def get_available_name(self, name, max_length=None):
        return _backend().get_available_name(name, max_length=max_length)

    def generate_filename(self, filename):
        return _backend().generate_filename(filename)

    def delete(self, name):
        return _backend().delete(name)

    def exists(self, name):
        return _backend().exists(name)

    def listdir(self, path):
        return _backend().listdir(path)

    def size(self, name):
        return _backend().size(name)

    def path(self, name):
        return _backend().path(name)

    def get_modified_time(self, name):
        return _backend().get_modified_time(name)

    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through a download view.")

    def signed_url(self, name, *, download_name: str, content_type: str) -> str:
        """A URL the bucket honours for PRIVATE_URL_SECONDS, naming the download
        as an attachment with our display name and type (S3 only)."""
        if not self.is_remote:
            raise ValueError("Signed URLs exist only with STORAGE_BACKEND=s3.")
        return _backend().url(
            name,
            parameters={
                "ResponseContentDisposition": content_disposition_header(True, download_name),
                "ResponseContentType": content_type,
                "ResponseCacheControl": "private, no-store",
            },
            expire=settings.PRIVATE_URL_SECONDS,
        )


private_storage = PrivateFileStorage()
