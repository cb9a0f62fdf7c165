"""Roll up the analytics page's closed days (medconsult.admin.rollup)."""

from django.core.management.base import BaseCommand

from medconsult.admin.rollup import rollup


class Command(BaseCommand):
    help = "Write the analytics roll-up for closed days that are missing or changed since (last 90 days)."

    def handle(self, *args, **options):
        written = rollup()
        if written:
            self.stdout.write(f"Analytics roll-up: {written} day(s) written.")
