"""Search finds the demo doctors after `make run` (bug 1.1): seed_demo refreshes each
doctor's search text as real edits do. Checked on the suite's database and, in every
`make test`, on a temporary SQLite file as `make run` uses (a subprocess)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from profiles.models import DoctorProfile

SCRIPT = Path(__file__).with_name("seed_search_script.py")
DOCTOR = "Dr. Aditi Shetty"  # a verified demo doctor: Dentist in Jayanagar, Bengaluru
QUERIES = [
    "shetty",  # the surname
    "aditi shetty",  # the full name
    "dr aditi shetty",
    "Dr. Aditi Shetty",
    "toothache jayanagar",  # a synonym of Dentist, and a locality of one of her clinics
]


def found_by(name, queries) -> dict:
    """For each query, whether /doctors/ links to the doctor's page."""
    page = reverse("profiles:doctor_page", args=[DoctorProfile.objects.get(full_name=name).slug])
    client = Client()
    return {q: page in client.get(reverse("profiles:search"), {"q": q}).content.decode() for q in queries}


@pytest.fixture
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
@pytest.mark.usefixtures("_fast_passwords")
def test_seed_demo_doctor_is_found_by_name_synonym_and_locality():
    call_command("seed_demo", "--force", stdout=open(os.devnull, "w"))  # noqa: SIM115

    assert found_by(DOCTOR, QUERIES) == dict.fromkeys(QUERIES, True)


def test_seed_demo_doctor_is_found_on_a_fresh_sqlite_file(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}"}

    done = subprocess.run(
        [sys.executable, str(SCRIPT), DOCTOR, *QUERIES],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == dict.fromkeys(QUERIES, True)
