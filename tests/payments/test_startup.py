"""Start-up refuses a payments set-up that could hand out free consults."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def start(tmp_path, **values):
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "medconsult.settings",
        "ENV_FILE": "",
        "SECRET_KEY": "x" * 50,
        "DEBUG": "off",
        **values,
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.PAYMENT_GATEWAY)",
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )


def test_startup_in_production_without_razorpay_keys_fails_with_a_clear_message(tmp_path):
    result = start(tmp_path)

    assert result.returncode != 0
    assert (
        "PAYMENT_GATEWAY=razorpay needs RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET, RAZORPAY_WEBHOOK_SECRET"
        in result.stderr
    )


def test_startup_in_production_with_the_fake_gateway_fails(tmp_path):
    result = start(tmp_path, PAYMENT_GATEWAY="fake")

    assert result.returncode != 0
    assert "PAYMENT_GATEWAY=fake takes no real money" in result.stderr


@pytest.mark.parametrize("switch", [{"DEBUG": "on"}, {"ALLOW_FAKE_GATEWAY": "on"}])
def test_startup_with_the_fake_gateway_in_development_or_tests_succeeds(tmp_path, switch):
    result = start(tmp_path, PAYMENT_GATEWAY="fake", **switch)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "fake"


def test_startup_in_production_with_razorpay_keys_succeeds(tmp_path):
    result = start(
        tmp_path, RAZORPAY_KEY_ID="rzp_live_x", RAZORPAY_KEY_SECRET="s", RAZORPAY_WEBHOOK_SECRET="w"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "razorpay"
