from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0003_appointment_payment_state"),
    ]

    operations = [
        migrations.AlterField(
            model_name="appointment",
            name="payment_state",
            field=models.CharField(
                choices=[
                    ("UNPAID", "Unpaid"),
                    ("PAID", "Paid"),
                    ("REFUND_PENDING", "Refund pending"),
                    ("REFUNDED", "Refunded"),
                    ("PARTLY_REFUNDED", "Partly refunded"),
                    ("KEPT", "Paid, not refunded"),
                ],
                db_index=True,
                default="UNPAID",
                max_length=16,
            ),
        ),
    ]
