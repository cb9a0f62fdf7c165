"""Doctor photos were stored as 400 px squares, and pages show them at 96 px at
most. Re-encode each larger one at core.uploads.PHOTO_PIXELS under a new
generated name: photos are now cached for a year by name, so a changed photo
must never keep its old name.

A photo that is missing or unreadable is left as it is; the old file of a
re-encoded one is deleted once the migration has committed.
"""

from django.core.exceptions import ValidationError
from django.db import migrations, transaction
from PIL import Image

from core.uploads import PHOTO_PIXELS, square_thumbnail


def shrink_photos(apps, schema_editor):
    DoctorProfile = apps.get_model("profiles", "DoctorProfile")
    for profile in DoctorProfile.objects.exclude(photo="").only("pk", "photo").iterator():
        storage, old = profile.photo.storage, profile.photo.name
        try:
            with storage.open(old, "rb") as stored:
                with Image.open(stored) as image:
                    if max(image.size) <= PHOTO_PIXELS:
                        continue
                stored.seek(0)
                thumbnail = square_thumbnail(stored)
        except (OSError, ValidationError):
            continue
        profile.photo.save(thumbnail.name, thumbnail, save=False)
        DoctorProfile.objects.filter(pk=profile.pk).update(photo=profile.photo.name)
        transaction.on_commit(lambda storage=storage, old=old: storage.delete(old))


class Migration(migrations.Migration):
    dependencies = [("profiles", "0008_clinic_archived_at")]

    operations = [migrations.RunPython(shrink_photos, migrations.RunPython.noop)]
