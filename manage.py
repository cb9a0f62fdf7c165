#!/usr/bin/env python
"""Django's command-line utility for MedConsult."""

import os
import sys

# Commands that only compare the models with the migrations never sign
# anything: a fresh checkout (no .env, no SECRET_KEY) can run them. Every other
# command still stops at start-up without the real key.
KEYLESS_COMMANDS = {"makemigrations"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medconsult.settings")
    if len(sys.argv) > 1 and sys.argv[1] in KEYLESS_COMMANDS:
        os.environ.setdefault("SECRET_KEY", "not-a-secret-makemigrations-signs-nothing")
        # Nor does it take payments: no Razorpay keys needed to compare migrations.
        os.environ.setdefault("PAYMENT_GATEWAY", "fake")
        os.environ.setdefault("ALLOW_FAKE_GATEWAY", "on")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
