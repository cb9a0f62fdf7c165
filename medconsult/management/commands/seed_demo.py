"""Demo data for `make run`: known accounts for each role, safe to run again."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from accounts.services import user_register

DEMO_PASSWORD = "demo-pass-2026"
DEMO_ACCOUNTS = [
    # (email, full name, role)
    ("admin@medconsult.local", "Meera Admin", User.Role.ADMIN),
    ("patient@medconsult.local", "Rahul Sharma", User.Role.PATIENT),
    ("doctor@medconsult.local", "Dr. Asha Rao", User.Role.DOCTOR),
]


class Command(BaseCommand):
    help = "Create the demo accounts (and, as the apps grow, their data). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off. Never on a production database.",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with published passwords; it runs only with "
                "DEBUG on. Use --force to run it anyway on a non-production database."
            )
        with transaction.atomic():
            for email, full_name, role in DEMO_ACCOUNTS:
                self._ensure_account(email=email, full_name=full_name, role=role)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, _, role in DEMO_ACCOUNTS:
            self.stdout.write(f"  {role.label:<8} {email}")

    def _ensure_account(self, *, email, full_name, role):
        user = User.objects.filter(email=email).first()
        if user is None:
            if role == User.Role.ADMIN:
                user = User.objects.create_superuser(email=email, password=DEMO_PASSWORD, full_name=full_name)
            else:
                # Through the service, so the floors above set up profiles as for a real sign-up.
                user = user_register(email=email, password=DEMO_PASSWORD, role=role, full_name=full_name)
            return user
        # Re-running puts the known password back, so the printed logins always work.
        user.set_password(DEMO_PASSWORD)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
        return user
