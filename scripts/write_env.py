"""Write a local development .env from .env.example, unless one exists.

Development speaks plain http on 127.0.0.1, so the production security
switches are turned off here explicitly, DEBUG is on and the secret is fresh.
"""

import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL_VALUES = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "DEBUG": "on",
    "SERVE_MEDIA": "on",
    "SECURE_SSL_REDIRECT": "off",
    "SESSION_COOKIE_SECURE": "off",
    "CSRF_COOKIE_SECURE": "off",
    "SECURE_HSTS_SECONDS": "0",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "off",
    "SECURE_HSTS_PRELOAD": "off",
    "SECURE_PROXY_SSL_HEADER": "off",
    # Readable log lines in the terminal (production writes JSON).
    "LOG_FORMAT": "plain",
    # The offline gateway: its own checkout page, no Razorpay account needed.
    "PAYMENT_GATEWAY": "fake",
}


def main() -> int:
    target = ROOT / ".env"
    if target.exists():
        print(".env exists; leaving it as it is.")
        return 0
    lines = []
    for line in (ROOT / ".env.example").read_text().splitlines():
        key = line.split("=", 1)[0].strip()
        if not line.lstrip().startswith("#") and key in LOCAL_VALUES:
            line = f"{key}={LOCAL_VALUES[key]}"
        lines.append(line)
    target.write_text("\n".join(lines) + "\n")
    print("Wrote .env for local development (DEBUG on, plain http, new SECRET_KEY).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
