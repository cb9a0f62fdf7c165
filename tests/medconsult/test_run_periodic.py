"""`manage.py run_periodic`: the three periodic jobs in one loop (bug 1.3)."""

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from appointments.models import Appointment
from core.models import Notification
from core.notifications import notify
from medconsult.management.commands import run_periodic
from profiles.models import DoctorProfile
from tests.appointments.conftest import next_slot
from tests.factories import AppointmentFactory, bookable_doctor

S = Appointment.Status
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def due_work(patient):
    """One piece of work for each job: an unsent email, a lapsed hold, a stale next-available."""
    notify(user=patient, kind="test", title="Your report is ready", body="Open it.", url="/patient/")
    doctor = bookable_doctor()
    DoctorProfile.objects.filter(pk=doctor.pk).update(next_online_at=None, next_in_person_at=None)
    slot = next_slot(doctor)
    hold = AppointmentFactory(
        doctor=doctor,
        patient=patient,
        status=S.PENDING_PAYMENT,
        start=slot.start + timedelta(days=1),
        hold_expires_at=timezone.now() - timedelta(minutes=1),
    )
    return doctor, hold


@pytest.mark.django_db
def test_run_periodic_once_runs_the_three_jobs(due_work):
    doctor, hold = due_work
    assert Notification.objects.get().email_status == Notification.EmailStatus.PENDING

    call_command("run_periodic", "--once")

    assert [message.subject for message in mail.outbox] == ["Your report is ready"]
    assert Appointment.objects.get(pk=hold.pk).status == S.EXPIRED
    doctor.refresh_from_db()
    assert doctor.next_online_at is not None
    assert doctor.next_in_person_at is not None


@pytest.mark.django_db
def test_run_periodic_one_failing_job_does_not_stop_the_others(due_work, monkeypatch, caplog):
    doctor, hold = due_work
    real_call_command = run_periodic.call_command

    def call_command_failing_outbox(name, **kwargs):
        if name == "send_notifications":
            raise ConnectionError("SMTP is down")
        return real_call_command(name, **kwargs)

    monkeypatch.setattr(run_periodic, "call_command", call_command_failing_outbox)

    with caplog.at_level(logging.DEBUG, logger="medconsult.periodic"):
        call_command("run_periodic", "--once")

    assert Appointment.objects.get(pk=hold.pk).status == S.EXPIRED
    doctor.refresh_from_db()
    assert doctor.next_online_at is not None
    assert "Periodic job send_notifications failed" in caplog.text
    assert "SMTP is down" in caplog.text


def test_run_periodic_stops_cleanly_on_sigterm(tmp_path):
    """The worker process as production runs it, on a temporary SQLite file."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'periodic.sqlite3'}", "LOG_LEVEL": "DEBUG"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT, timeout=240)
    worker = subprocess.Popen(
        [*manage, "run_periodic"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        log = ""
        while "Periodic job refresh_next_available done" not in log and time.monotonic() < deadline:
            line = worker.stdout.readline()
            if not line:  # the worker exited: its output says why
                break
            log += line
        worker.send_signal(signal.SIGTERM)
        rest, _ = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    log += rest

    assert worker.returncode == 0, log
    for job in ("send_notifications", "expire_holds", "refresh_next_available"):
        assert f"Periodic job {job} done" in log
    assert "Periodic jobs stopped." in log
    assert "Traceback" not in log
