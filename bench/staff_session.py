"""A logged-in staff session for the benchmark's admin endpoints (analytics):
an ADMIN account and a stored session for it, whose key is written to
bench/data/staff_session.txt for wrk's Cookie header and count_queries.py.

    DATABASE_URL=.../medconsult_bench SECRET_KEY=<the run's> python bench/staff_session.py
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medconsult.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.cached_db import SessionStore  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.sessions import LAST_SEEN  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
EMAIL = "bench-admin@bench.invalid"


def main():
    user = User.objects.filter(email=EMAIL).first() or User.objects.create_superuser(
        email=EMAIL, password=None, full_name="Bench Admin"
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[LAST_SEEN] = int(time.time())
    session.set_expiry(60 * 60)
    session.save()
    (DATA / "staff_session.txt").write_text(session.session_key)
    print(f"  staff session for {EMAIL} in bench/data/staff_session.txt")


if __name__ == "__main__":
    main()
