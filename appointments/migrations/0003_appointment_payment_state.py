from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0002_no_double_booking_postgres"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="payment_ref",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="appointment",
            name="payment_state",
            field=models.CharField(
                choices=[
                    ("UNPAID", "Unpaid"),
                    ("PAID", "Paid"),
                    ("REFUND_PENDING", "Refund pending"),
                    ("REFUNDED", "Refunded"),
                ],
                db_index=True,
                default="UNPAID",
                max_length=16,
            ),
        ),
    ]
