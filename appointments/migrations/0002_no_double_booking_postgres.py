"""No double booking, guaranteed by PostgreSQL: an exclusion constraint over
the doctor and the booked time range of every active appointment, so two
overlapping active bookings of one doctor cannot both exist, whatever their
lengths. Back-to-back slots ([10:00, 10:15) and [10:15, 10:30)) do not overlap.

Created only on PostgreSQL; elsewhere the portable unique constraint on
(doctor, start) from 0001 is the closest guard.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE appointments_appointment
    ADD CONSTRAINT appointments_no_overlap
    EXCLUDE USING gist (
        doctor_id WITH =,
        tstzrange("start", "end", '[)') WITH &&
    )
    WHERE (status IN ('REQUESTED', 'PENDING_PAYMENT', 'CONFIRMED'));
"""
DROP = "ALTER TABLE appointments_appointment DROP CONSTRAINT IF EXISTS appointments_no_overlap;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("appointments", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
