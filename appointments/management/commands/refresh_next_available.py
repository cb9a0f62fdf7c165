"""Every 5 minutes, from `manage.py run_periodic` (or cron): `python manage.py refresh_next_available`.

The services refresh a doctor's next free slot whenever a booking or the
availability changes; this catches what only the clock moves (a slot that is
now inside the minimum notice, or past).
"""

import time

from django.core.management.base import BaseCommand

from appointments.next_available import BATCH_SIZE, refresh_all


class Command(BaseCommand):
    help = (
        "Recompute every verified doctor's next free online and in-person slot, in bulk, "
        "and clear the values of doctors who are no longer bookable."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"Doctors computed and written together (default {BATCH_SIZE}).",
        )

    def handle(self, *args, batch_size, **options):
        started = time.perf_counter()
        totals = refresh_all(batch_size=max(batch_size, 1))
        seconds = time.perf_counter() - started
        rate = totals["doctors"] / seconds if seconds else 0
        self.stdout.write(
            f"Next available: {totals['doctors']} doctor(s) ({totals['bookable']} bookable) "
            f"in {totals['batches']} batch(es), {totals['changed']} changed, "
            f"{seconds:.2f} s ({rate:.0f} doctors/s)."
        )
