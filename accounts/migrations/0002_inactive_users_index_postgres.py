"""On PostgreSQL, a tiny partial index of deactivated accounts: search checks
that a doctor's account is active with an anti-join on it, which then reads a
handful of rows instead of every user."""

from django.db import migrations

CREATE = "CREATE INDEX IF NOT EXISTS accounts_user_inactive ON accounts_user (id) WHERE NOT is_active;"
DROP = "DROP INDEX IF EXISTS accounts_user_inactive;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
