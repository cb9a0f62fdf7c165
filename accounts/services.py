from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.signals import user_registered


class EmailTaken(Exception):
    """Another account already uses this email address (in any letter case)."""


def user_register(*, email: str, password: str, role: str, full_name: str = "") -> User:
    """Create an account for a patient or a doctor.

    Raises EmailTaken when the address is in use, including when a parallel
    sign-up wins the race the form's check cannot see.

    Side effects: after commit, sends `accounts.signals.user_registered` with
    the new user, so the floors above can set up what belongs to them.
    """
    if role not in (User.Role.PATIENT, User.Role.DOCTOR):
        raise ValueError(f"Self sign-up is for patients and doctors, not {role!r}.")
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, role=role, full_name=full_name.strip()
            )
            transaction.on_commit(lambda: user_registered.send(sender=User, user=user))
    except IntegrityError as error:
        raise EmailTaken(email) from error
    return user
