"""Run by test_sqlite_race.py in a subprocess, on a fresh SQLite file (what `make run` uses).

Migrates the file named by DATABASE_URL, builds a bookable doctor and N patients,
then has the N patients POST the same clinic slot at the same moment, each from
its own thread (so its own database connection), exactly as browsers would
through the booking page. Prints one JSON object: each answer's status and
whether it said the slot was taken, and how many active bookings the slot has.
"""

import json
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medconsult.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from appointments.models import Appointment  # noqa: E402
from tests.appointments.conftest import next_slot  # noqa: E402
from tests.factories import PatientFactory, bookable_doctor  # noqa: E402

TAKEN = "That slot was just taken"


def main(patients_count: int) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0, interactive=False)
    doctor = bookable_doctor()
    slot = next_slot(doctor)
    patients = [PatientFactory() for _ in range(patients_count)]
    url = reverse("appointments:book", args=[doctor.slug])
    data = {"start": slot.start.isoformat(), "mode": slot.mode, "reason": "Fever for three days"}
    clients = []
    for patient in patients:
        client = Client(raise_request_exception=False)
        client.force_login(patient)
        clients.append(client)
    connection.close()

    barrier = threading.Barrier(patients_count)
    answers = [None] * patients_count

    def attempt(index):
        try:
            barrier.wait()
            response = clients[index].post(url, data)
            body = response.content.decode()
            answers[index] = {"status": response.status_code, "taken": TAKEN in body}
        except Exception as error:  # reported to the test, never swallowed
            answers[index] = {"status": None, "error": repr(error)}
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(patients_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    booked = Appointment.objects.filter(
        doctor=doctor, start=slot.start, status__in=Appointment.ACTIVE
    ).count()
    print(json.dumps({"answers": answers, "booked": booked}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 6)
