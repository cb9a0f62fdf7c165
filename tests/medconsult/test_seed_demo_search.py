"""The demo doctors are found by name, specialty synonym and place after
`seed_demo` (bug 1.1): seed_demo writes profiles around the services, so it
must refresh their search documents itself. The factories refresh on their
own, which is why these tests go through seed_demo's own path, once on the
suite's database and once on a fresh SQLite file, as `make run` uses."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command

from medconsult.management.commands.seed_demo import DEMO_DOCTOR
from profiles.models import DoctorProfile

ROOT = Path(django_settings.BASE_DIR)
Status = DoctorProfile.Status


def searches_for(doctor) -> list[str]:
    """What a patient types to find `doctor`: surname, full name, "dr <name>",
    a word patients use for the specialty, and a clinic's locality."""
    name = doctor.full_name.removeprefix("Dr. ")
    specialty = doctor.specialties.first()
    synonym = next(word.strip() for word in specialty.keywords.split(",") if word.strip())
    return [
        name.split()[-1].lower(),
        name,
        f"dr {name.lower()}",
        synonym,
        doctor.clinics.first().locality.name,
    ]


def found(client, words, full_name) -> bool:
    """Whether `full_name` is among the results for `words`, on any page."""
    for page in range(1, 20):
        html = client.get("/doctors/", {"q": words, "page": page}).content.decode()
        if full_name in html:
            return True
        if f"page={page + 1}" not in html:
            return False
    return False


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True
    # seed_demo hashes the demo password with the first hasher; the real one is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    yield
    cache.clear()


def test_seed_demo_writes_every_doctors_search_text(seeded):
    doctors = list(DoctorProfile.objects.prefetch_related("clinics"))

    assert doctors
    for doctor in doctors:
        assert doctor.search_text.startswith(doctor.full_name + "\n"), doctor.full_name
        for clinic in doctor.clinics.all():
            assert clinic.name in doctor.search_text


def test_seed_demo_doctors_are_found_by_name_specialty_and_place(seeded, client):
    demo = DoctorProfile.objects.get(user__email=DEMO_DOCTOR)
    generated = (
        DoctorProfile.objects.filter(status=Status.VERIFIED).exclude(pk=demo.pk).order_by("pk").first()
    )

    missed = [
        (doctor.full_name, words)
        for doctor in (demo, generated)
        for words in searches_for(doctor)
        if not found(client, words, doctor.full_name)
    ]

    assert missed == []


# What the subprocess runs after migrate and seed_demo: each search, answered
# through the real page as on `make run`.
CHECK = """
import json
from django.test import Client
from medconsult.management.commands.seed_demo import DEMO_DOCTOR
from profiles.models import DoctorProfile
from tests.medconsult.test_seed_demo_search import found, searches_for

client = Client()
demo = DoctorProfile.objects.get(user__email=DEMO_DOCTOR)
print(json.dumps([[w, found(client, w, demo.full_name)] for w in searches_for(demo)]))
"""


def test_seed_demo_search_on_a_fresh_sqlite_file(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DEBUG": "on",
        "SECRET_KEY": "seed-demo-search-test",
        "ENV_FILE": "",
        "ALLOWED_HOSTS": "testserver",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private_media"),
    }

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )

    manage("migrate", "--noinput", "-v0")
    manage("seed_demo")
    answers = json.loads(manage("shell", "-c", CHECK).stdout.strip().splitlines()[-1])

    assert len(answers) == 5
    assert [words for words, hit in answers if not hit] == []
