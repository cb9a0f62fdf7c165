"""Every 5 minutes, from `manage.py run_periodic` (or cron): `python manage.py reconcile_payments`."""

from django.core.management.base import BaseCommand

from payments.services import reconcile


class Command(BaseCommand):
    help = (
        "Settle orders still unpaid after 15 minutes from the gateway's own records, refund captured "
        "payments of cancelled or expired appointments that have no refund, send pending refunds, and settle "
        "refunds whose webhook never came."
    )

    def handle(self, *args, **options):
        counts = reconcile()
        if any(counts.values()) or options["verbosity"] > 1:
            self.stdout.write(
                f"Asked about {counts['orders']} order(s); created {counts['refunds_created']} refund(s); "
                f"sent {counts['refunds_sent']} refund(s); settled {counts['refunds_settled']} refund(s)."
            )
