"""Paths for the consultation poll rows of `make bench` and the readiness row.

    DATABASE_URL=... CACHE_URL=redis://... python bench/poll_paths.py

Signs in the patient with the most consultation rooms (a real session, stored
as the server stores them), writes its cookie to bench/data/poll_cookie.txt,
and for each of that patient's rooms:
- poll_empty.txt: the poll as a browser sends it after rendering the room
  (`after` = the newest message, `v` = the room's change version in the shared
  cache, `phase` = what it shows, `o=0`: the doctor is not in the room, `t`:
  the signed poll token): the answer is 204;
- poll_one.txt: the poll of a browser that is one message behind and holds an
  old version: the answer renders that one message.
ready.txt holds `/healthz?db=1`, the one-query readiness view.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medconsult.settings")

import django  # noqa: E402

django.setup()

from django.db.models import Count, Max  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from consultations import lifecycle, poll  # noqa: E402
from consultations.models import ConsultationSession  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"


def main():
    DATA.mkdir(exist_ok=True)
    busiest = (
        ConsultationSession.objects.values("appointment__patient")
        .annotate(rooms=Count("pk"))
        .order_by("-rooms")
        .first()
    )
    patient = User.objects.get(pk=busiest["appointment__patient"])
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(patient)
    (DATA / "poll_cookie.txt").write_text(f"sessionid={client.cookies['sessionid'].value}\n")
    now = timezone.now()
    rooms = (
        ConsultationSession.objects.filter(appointment__patient=patient)
        .select_related("appointment__doctor__user", "appointment__patient")
        .annotate(last=Max("messages__pk"))
        .order_by("pk")
    )
    empty, one = [], []
    for room in rooms:
        poll.store_snapshot(room)
        version = poll.current_version(room.pk)
        phase = lifecycle.room_phase(room, now)
        base = f"/consultations/{room.pk}/poll/"
        # as the room page renders it, for the session of the cookie above
        token = poll.token_for(room.pk, patient.pk, session_key=client.cookies["sessionid"].value)
        empty.append(f"{base}?after={room.last or 0}&v={version}&phase={phase}&o=0&t={token}")
        one.append(f"{base}?after={(room.last or 1) - 1}&v=0&phase={phase}&o=0&t={token}")
    (DATA / "poll_empty.txt").write_text("\n".join(empty) + "\n")
    (DATA / "poll_one.txt").write_text("\n".join(one) + "\n")
    (DATA / "ready.txt").write_text("/healthz?db=1\n")
    print(f"  poll paths: {len(empty)} rooms of patient {patient.pk} ({patient.email})")


if __name__ == "__main__":
    main()
