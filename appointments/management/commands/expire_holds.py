"""Every minute, from `manage.py run_periodic` (or cron): `python manage.py expire_holds`."""

from django.core.management.base import BaseCommand

from appointments.services import expire_lapsed


class Command(BaseCommand):
    help = (
        "Expire unpaid holds past their 10 minutes and decline requests that reached their start unanswered."
    )

    def handle(self, *args, **options):
        expired, declined = expire_lapsed()
        if expired or declined or options["verbosity"] > 1:
            self.stdout.write(f"Expired {expired} hold(s); declined {declined} unanswered request(s).")
