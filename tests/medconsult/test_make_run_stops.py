"""Review of issue 9, point 11: `make run` stops both the server (runserver's
autoreloader and the server process it starts) and run_periodic, on Ctrl+C
and on a SIGTERM sent to make. The recipe is taken from the Makefile as is and
run with a stand-in manage.py that starts the same processes and sleeps."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FAKE_MANAGE = """
import os, subprocess, sys, time
here = os.path.dirname(os.path.abspath(__file__))
def mark(name):
    open(os.path.join(here, name + ".pid"), "w").write(str(os.getpid()))
if sys.argv[1] == "run_periodic":
    mark("worker")
elif sys.argv[1] == "runserver" and not os.environ.get("RUN_MAIN"):
    mark("reloader")  # like Django's autoreloader: the server is a child process
    subprocess.run([sys.executable, __file__, "runserver"], env={**os.environ, "RUN_MAIN": "true"})
    sys.exit(0)
else:
    mark("server")
time.sleep(600)
"""

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def run_recipe(tmp_path) -> list[str]:
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^run:.*?\n((?:\t.*\n)+)", makefile, re.M).group(1)
    lines = [line for line in recipe.splitlines() if not line.startswith("\t@echo")]
    (tmp_path / "Makefile").write_text(
        f"SHELL := /bin/bash\nPY := {sys.executable}\nrun:\n" + "\n".join(lines) + "\n"
    )
    (tmp_path / "manage.py").write_text(FAKE_MANAGE)
    return ["make", "-s", "-f", str(tmp_path / "Makefile"), "run"]


def alive(pid) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.parametrize("how", ["ctrl_c", "sigterm_to_make"])
def test_make_run_stops_server_and_worker(tmp_path, how):
    command = run_recipe(tmp_path)
    make = subprocess.Popen(command, cwd=tmp_path, start_new_session=True)
    names = ("worker", "reloader", "server")
    deadline = time.monotonic() + 30
    while not all((tmp_path / f"{n}.pid").exists() for n in names) and time.monotonic() < deadline:
        time.sleep(0.1)
    pids = {n: int((tmp_path / f"{n}.pid").read_text()) for n in names}
    try:
        if how == "ctrl_c":
            os.killpg(make.pid, signal.SIGINT)  # the terminal signals the foreground group
        else:
            make.send_signal(signal.SIGTERM)
        make.wait(timeout=20)
        deadline = time.monotonic() + 10
        while any(alive(p) for p in pids.values()) and time.monotonic() < deadline:
            time.sleep(0.1)

        assert {n: alive(p) for n, p in pids.items()} == dict.fromkeys(names, False)
    finally:
        for pid in pids.values():
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
