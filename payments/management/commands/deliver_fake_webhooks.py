"""The offline gateway's webhook deliveries, from `manage.py run_periodic`."""

from django.conf import settings
from django.core.management.base import BaseCommand

from payments.services import deliver_fake_webhooks


class Command(BaseCommand):
    help = "Deliver the fake gateway's queued webhooks to our webhook code (PAYMENT_GATEWAY=fake only)."

    def handle(self, *args, **options):
        if settings.PAYMENT_GATEWAY != "fake":
            return
        delivered = deliver_fake_webhooks()
        if delivered or options["verbosity"] > 1:
            self.stdout.write(f"Delivered {delivered} fake webhook(s).")
