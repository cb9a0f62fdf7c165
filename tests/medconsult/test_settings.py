import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_passes_with_production_env(tmp_path):
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "medconsult.settings",
        "DEBUG": "False",
        "SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(50)),
        "ALLOWED_HOSTS": "example.com",
        "ENV_FILE": "",
        "RAZORPAY_KEY_ID": "rzp_live_example",
        "RAZORPAY_KEY_SECRET": "live-key-secret-example",
        "RAZORPAY_WEBHOOK_SECRET": "live-webhook-secret-example",
        # Our own deploy checks (core/checks.py) want real email, https links and a shared cache.
        "EMAIL_URL": "smtp+tls://user:password@smtp.example.com:587",
        "SITE_URL": "https://example.com",
        "CACHE_URL": "redis://127.0.0.1:6379/1",
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_settings_refuse_to_start_without_secret_key(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "medconsult.settings",
        "ENV_FILE": "",
    }

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_fresh_checkout_can_compare_models_and_migrations_without_a_secret(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "ENV_FILE": "",
        "DATABASE_URL": "sqlite://:memory:",
    }

    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "makemigrations", "--check", "--dry-run"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout
