"""Run by test_seed_demo_search.py in a subprocess: `make run`'s path on a fresh SQLite file.

Migrates the file named by DATABASE_URL, loads the demo data with seed_demo,
then searches /doctors/ for each query given on the command line and prints
one JSON object: for each query, whether the doctor's page is linked from the results.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medconsult.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from tests.medconsult.test_seed_demo_search import found_by  # noqa: E402


def main(name, queries):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", "--force", stdout=open(os.devnull, "w"))  # noqa: SIM115
    print(json.dumps(found_by(name, queries)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
