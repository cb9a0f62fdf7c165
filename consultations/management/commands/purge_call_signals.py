"""Delete video-call signalling past its lifetime (VIDEO_SIGNAL_TTL) and that of
finished calls. Calls clean up after themselves when they end; this catches
calls whose browsers vanished. Safe to run at any time (run_periodic does)."""

from django.core.management.base import BaseCommand

from consultations.calls import purge_signals


class Command(BaseCommand):
    help = "Delete expired video-call signalling messages."

    def handle(self, *args, **options):
        deleted = purge_signals()
        self.stdout.write(f"Deleted {deleted} signalling message(s).")
