"""The doctor's search document, and a backfill for the doctors already there.

The backfill builds the same text as profiles.search_terms.search_document (a frozen
copy: a migration must not import code that may change after it).
"""

from django.db import migrations, models


def _document(doctor):
    parts = [doctor.full_name]
    for specialty in doctor.specialties.all():
        parts += [specialty.name, specialty.keywords]
    for clinic in doctor.clinics.all():
        parts += [clinic.name, clinic.locality.name, clinic.city.name]
    seen, kept = set(), []
    for part in (p.strip() for p in parts if p):
        if part and part.lower() not in seen:
            seen.add(part.lower())
            kept.append(part)
    return "\n".join(kept)


def backfill(apps, schema_editor):
    DoctorProfile = apps.get_model("profiles", "DoctorProfile")
    Clinic = apps.get_model("profiles", "Clinic")
    doctors = DoctorProfile.objects.order_by("pk").prefetch_related(
        "specialties",
        models.Prefetch("clinics", queryset=Clinic.objects.select_related("city", "locality")),
    )
    batch = []
    for doctor in doctors.iterator(chunk_size=1000):
        doctor.search_text = _document(doctor)
        batch.append(doctor)
        if len(batch) == 1000:
            DoctorProfile.objects.bulk_update(batch, ["search_text"])
            batch = []
    DoctorProfile.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [("profiles", "0003_next_available")]

    operations = [
        migrations.AddField(
            model_name="doctorprofile",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
