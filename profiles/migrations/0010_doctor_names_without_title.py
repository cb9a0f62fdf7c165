"""Doctors' names are stored without "Dr." (added on display by
accounts.models.doctor_display_name): strip it from existing doctors and their
accounts, and from the name line of their search documents."""

import re

from django.db import migrations

# A copy of accounts.models.DOCTOR_TITLE_RE as it was when this ran.
TITLE_RE = re.compile(r"^(?:\s*dr\b\.?)+\s*", re.IGNORECASE)


def _bare(name):
    return TITLE_RE.sub("", name or "").strip()


def strip_titles(apps, schema_editor):
    DoctorProfile = apps.get_model("profiles", "DoctorProfile")
    User = apps.get_model("accounts", "User")
    changed = []
    # "dr" at the start finds every candidate (and "Drishti", which _bare leaves alone).
    candidates = DoctorProfile.objects.filter(full_name__istartswith="dr").only("pk", "full_name", "search_text")
    for profile in candidates.iterator():
        bare = _bare(profile.full_name)
        if not bare or bare == profile.full_name:
            continue
        first, _, rest = profile.search_text.partition("\n")
        if first == profile.full_name:
            profile.search_text = f"{bare}\n{rest}" if rest else bare
        profile.full_name = bare
        changed.append(profile)
    DoctorProfile.objects.bulk_update(changed, ["full_name", "search_text"], batch_size=1000)
    users = []
    for user in User.objects.filter(role="DOCTOR", full_name__istartswith="dr").only("pk", "full_name").iterator():
        bare = _bare(user.full_name)
        if bare and bare != user.full_name:
            user.full_name = bare
            users.append(user)
    User.objects.bulk_update(users, ["full_name"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_email_verified_at"),
        ("profiles", "0009_doctor_photos_192px"),
    ]

    operations = [migrations.RunPython(strip_titles, migrations.RunPython.noop)]
