"""The periodic jobs in one long-running process: `python manage.py run_periodic`.

`make run` starts it beside the server, and production runs it as the
Procfile's `worker` (cron lines calling the three commands remain an
alternative). Each job is an existing management command, run on its own
schedule; a job that fails is logged and tried again at its next turn, so
one failure never stops the loop or the other jobs. SIGINT or SIGTERM stops
the loop after the job that is running, if any, has finished.
"""

import logging
import signal
import threading
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

logger = logging.getLogger("medconsult.periodic")

# (command, every so many seconds). Each command is safe to run while a previous
# run of it, elsewhere, is still going (see their own modules).
JOBS = (
    ("deliver_fake_webhooks", 5),  # the offline gateway's webhooks (PAYMENT_GATEWAY=fake only)
    ("send_notifications", 60),  # email outbox: new, retried, scheduled
    ("expire_holds", 60),  # unpaid holds after 10 min; unanswered requests at their start
    ("refresh_next_available", 5 * 60),  # each doctor's next free slot, as time passes
    ("reconcile_payments", 5 * 60),  # missed webhooks, missing refunds, refunds to send
    ("consultations_tick", 60),  # missing rooms, doctors' no-shows, 4-hour nudges
    ("purge_call_signals", 5 * 60),  # video-call signalling past its lifetime
    ("rollup_analytics", 5 * 60),  # the analytics page's closed days, and days changed since
)


class Command(BaseCommand):
    help = (
        "Run the periodic jobs (send_notifications, expire_holds and consultations_tick every minute, "
        "refresh_next_available, reconcile_payments and rollup_analytics every 5 minutes, the fake gateway's "
        "webhooks every 5 seconds) until stopped with SIGINT or SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once, then exit.")

    def handle(self, *args, once=False, **options):
        stop = threading.Event()
        if not once:
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: stop.set())
        logger.info(
            "Periodic jobs starting: %s", ", ".join(f"{name} every {every} s" for name, every in JOBS)
        )
        due = dict.fromkeys((name for name, _ in JOBS), 0.0)
        while not stop.is_set():
            if not once:
                # A long-lived process: drop connections past CONN_MAX_AGE or broken
                # (a database restart), as Django does around each request.
                close_old_connections()
            for name, every in JOBS:
                if stop.is_set():
                    break
                if time.monotonic() >= due[name]:
                    due[name] = time.monotonic() + every
                    self.run_job(name)
            if once:
                break
            stop.wait(max(min(due.values()) - time.monotonic(), 0.1))
        logger.info("Periodic jobs stopped.")

    def run_job(self, name) -> bool:
        """Run one command; log and swallow its failure. Returns whether it succeeded."""
        started = time.perf_counter()
        try:
            call_command(name, stdout=self.stdout, stderr=self.stderr)
        except Exception:
            logger.exception("Periodic job %s failed; it runs again at its next turn.", name)
            return False
        # Debug level: the commands print what they did; a quiet minute stays quiet.
        logger.debug("Periodic job %s done in %.2f s.", name, time.perf_counter() - started)
        return True
