"""Clinics are archived, not deleted, once appointments name them.

Search reads only current clinics (`archived_at IS NULL`), so on PostgreSQL
the three clinic indexes that search walks become partial on that condition:
the filters keep reading the index alone, without visiting clinic rows.
"""

from django.db import migrations, models

PLACES = (
    ("profiles_clinic_city_doctor", "(city_id, doctor_id)"),
    ("profiles_clinic_locality_doctor", "(locality_id, doctor_id)"),
    ("profiles_clinic_doctor_places", "(doctor_id, city_id, locality_id)"),
)


def _rebuild(schema_editor, where):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in PLACES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute(f"CREATE INDEX {name} ON profiles_clinic {columns}{where}")


def partial(apps, schema_editor):
    _rebuild(schema_editor, " WHERE archived_at IS NULL")


def whole(apps, schema_editor):
    _rebuild(schema_editor, "")


class Migration(migrations.Migration):
    dependencies = [("profiles", "0007_search_soonest_index")]

    operations = [
        migrations.AddField(
            model_name="clinic",
            name="archived_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(partial, whole),
    ]
