"""Every minute, from `manage.py run_periodic` (or cron): `python manage.py send_notifications`."""

from django.core.management.base import BaseCommand

from core.notifications import deliver_due_emails


class Command(BaseCommand):
    help = "Email the notifications that are due (new, retried after a failure, or scheduled)."

    def handle(self, *args, **options):
        sent, not_sent = deliver_due_emails()
        if sent or not_sent or options["verbosity"] > 1:
            self.stdout.write(f"Sent {sent} email(s); {not_sent} not sent (will be retried).")
