"""Two patients booking one slot on `make run`'s SQLite file: one wins, the others are told.

Runs in every `make test`, whatever database the suite itself uses: the race
happens on a temporary SQLite file in a subprocess (tests/appointments/sqlite_race_script.py).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("sqlite_race_script.py")


def run_race(tmp_path, patients):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}", "CONN_MAX_AGE": "0"}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(patients)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_sqlite_concurrent_bookings_of_one_slot_one_wins_others_told_taken(tmp_path):
    result = run_race(tmp_path, patients=6)

    statuses = sorted(answer["status"] for answer in result["answers"])
    assert statuses == [302, 409, 409, 409, 409, 409], result
    losers = [answer for answer in result["answers"] if answer["status"] == 409]
    assert all(answer["taken"] for answer in losers), result
    assert result["booked"] == 1
