"""Indexes that let doctor search answer from indexes alone, on PostgreSQL.

A narrow index of what search filters and sorts on, for verified doctors only.
A doctor's row is wide (bio, the search document and its tsvector: ~1 KB), so
a search that matches thousands of doctors ("dentist") would read the whole
table to check status, filter by fee or availability and sort. With every
column it needs INCLUDEd here, PostgreSQL answers from this index alone
(an index-only scan: ~9 MB at 100,000 doctors instead of ~100 MB of rows).

The specialty, language and clinic filters go from the value to the doctors
("dermatologists", "in Pune"): two-column indexes in that order answer them
without visiting the link and clinic rows.
"""

from django.db import migrations

CREATE = """
CREATE INDEX profiles_doctor_search_cover ON profiles_doctorprofile (id)
    INCLUDE (user_id, next_online_at, next_in_person_at, practising_since, fee_online, fee_in_person,
             offers_online, offers_in_person, gender, full_name)
    WHERE status = 'VERIFIED';
CREATE INDEX profiles_specialty_doctors ON profiles_doctorprofile_specialties (specialty_id, doctorprofile_id);
CREATE INDEX profiles_language_doctors ON profiles_doctorprofile_languages (language_id, doctorprofile_id);
CREATE INDEX profiles_clinic_city_doctor ON profiles_clinic (city_id, doctor_id);
CREATE INDEX profiles_clinic_locality_doctor ON profiles_clinic (locality_id, doctor_id);
"""
DROP = """
DROP INDEX IF EXISTS profiles_clinic_locality_doctor;
DROP INDEX IF EXISTS profiles_clinic_city_doctor;
DROP INDEX IF EXISTS profiles_language_doctors;
DROP INDEX IF EXISTS profiles_specialty_doctors;
DROP INDEX IF EXISTS profiles_doctor_search_cover;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("profiles", "0005_search_postgres")]

    operations = [migrations.RunPython(create, drop)]
