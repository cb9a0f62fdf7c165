"""Where private files live: under PRIVATE_MEDIA_ROOT, which no URL maps to."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateFileStorage(FileSystemStorage):
    """Files that only their app's download view may hand out.

    The location is read from settings on every use (tests point it at a
    temporary folder), and there is deliberately no URL: a template that tries
    `file.url` fails loudly instead of leaking a path.
    """

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through a download view.")


private_storage = PrivateFileStorage()
