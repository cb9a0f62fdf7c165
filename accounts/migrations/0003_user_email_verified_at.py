"""Email verification: a new column, and every account that existed before it
counts as verified. Those people signed up under the old rules and some have
bookings already; locking them out of booking until they click a link they
were never sent would be a surprise, not a security gain."""

from django.db import migrations, models
from django.db.models.functions import Now


def mark_existing_verified(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.filter(email_verified_at__isnull=True).update(email_verified_at=Now())


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_inactive_users_index_postgres"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_verified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(mark_existing_verified, migrations.RunPython.noop),
    ]
