"""The soonest-first order of doctor search as an index, on PostgreSQL.

Most searches sort by the earliest free slot in either mode (the default
order without text, and the tie-breaker of every other). A search that
matches thousands of doctors ("general physician") sorted them all to show
twenty; walking this index in order it stops after the page. The expression
is exactly profiles.search's (LEAST of the two modes, each falling back to
the other), with the columns it is made of and those the filters read
INCLUDEd, so that the walk reads the index alone. Walking it, each doctor's
clinics are checked against the city or locality asked for: from the index
alone too, by doctor.
"""

from django.db import migrations

CREATE = """
CREATE INDEX profiles_doctor_soonest ON profiles_doctorprofile (
    (LEAST(COALESCE(next_online_at, next_in_person_at), COALESCE(next_in_person_at, next_online_at))),
    full_name, id
) INCLUDE (user_id, next_online_at, next_in_person_at, offers_online, offers_in_person,
           fee_online, fee_in_person, practising_since, gender) WHERE status = 'VERIFIED';
CREATE INDEX profiles_clinic_doctor_places ON profiles_clinic (doctor_id, city_id, locality_id);
"""
DROP = """
DROP INDEX IF EXISTS profiles_clinic_doctor_places;
DROP INDEX IF EXISTS profiles_doctor_soonest;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("profiles", "0006_search_covering_index")]

    operations = [migrations.RunPython(create, drop)]
