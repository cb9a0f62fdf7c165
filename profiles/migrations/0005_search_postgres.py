"""Doctor search indexes, on PostgreSQL only (SQLite searches search_text plainly).

- `search_vector`: a stored generated column, to_tsvector('english', search_text),
  so it can never disagree with the document; GIN-indexed for `@@`. It is not
  declared on the model (Django never writes it); profiles.search reads it
  through raw SQL.
- a trigram GIN index on lower(full_name) for `<%` (word similarity): typos
  and partial names ("Kulkarny").
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER TABLE profiles_doctorprofile
    ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('english'::regconfig, coalesce(search_text, ''))) STORED;
CREATE INDEX profiles_doctor_search_vector ON profiles_doctorprofile USING gin (search_vector);
CREATE INDEX profiles_doctor_name_trgm ON profiles_doctorprofile USING gin (lower(full_name) gin_trgm_ops);
"""
DROP = """
DROP INDEX IF EXISTS profiles_doctor_name_trgm;
DROP INDEX IF EXISTS profiles_doctor_search_vector;
ALTER TABLE profiles_doctorprofile DROP COLUMN IF EXISTS search_vector;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("profiles", "0004_search_text")]

    operations = [migrations.RunPython(create, drop)]
