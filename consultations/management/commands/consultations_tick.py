"""The consultation room's periodic work (run_periodic, every minute):

- repair: a room for every confirmed online appointment that lacks one (a
  failed receiver must not leave a paid patient without a room);
- the doctor's no-show: consultations not started CONSULTATION_DOCTOR_NO_SHOW_MINUTES
  after their start are cancelled with a full refund, both told;
- the nudge: the doctor hears about a patient's message unanswered for
  CONSULTATION_NUDGE_HOURS (once per message).

"Room open" notifications are scheduled notifications (sent by
send_notifications) and the message emails are throttled when the message is
sent (consultations.services), so neither needs a job here. Each step is safe
to run twice at once: creation is idempotent, transitions lock the session and
nudges claim their message with a conditional update.
"""

from django.core.management.base import BaseCommand

from consultations import services


class Command(BaseCommand):
    help = "Repair missing consultation rooms, cancel consultations the doctor missed, nudge doctors."

    def handle(self, *args, **options):
        made = services.consultation_repair()
        missed = services.doctor_no_shows()
        nudged = services.nudge_unanswered()
        if made or missed or nudged:
            self.stdout.write(
                f"Consultations: {made} rooms repaired, {missed} doctor no-shows, {nudged} nudges."
            )
