import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User, normalize_email, without_doctor_title
from accounts.signals import user_registered
from core import throttle as core_throttle
from core.audit import audit_record

logger = logging.getLogger(__name__)

# How long the link in a verification email works.
VERIFY_MAX_AGE = timedelta(days=3)
_VERIFY_SALT = "accounts.email-verification"
# One verification email per account per this interval, however often the
# resend button is pressed.
VERIFY_RESEND_INTERVAL = timedelta(minutes=2)
# Sign-up with a taken address tells its owner, but not more often than this:
# otherwise the sign-up form would be a way to flood someone's inbox.
SIGNUP_NOTICE_INTERVAL = timedelta(minutes=15)


class EmailTaken(Exception):
    """Another account already uses this email address (in any letter case)."""


class VerificationLinkInvalid(Exception):
    """The email verification link is expired, tampered with, or for an address
    the account no longer has; the message is for the user."""


def user_register(*, email: str, password: str, role: str, full_name: str = "") -> User:
    """Create an account for a patient or a doctor.

    Raises EmailTaken when the address is in use, including when a parallel
    sign-up wins the race the form's check cannot see.

    Side effects: after commit, sends `accounts.signals.user_registered` with
    the new user, so the floors above can set up what belongs to them.
    """
    if role not in (User.Role.PATIENT, User.Role.DOCTOR):
        raise ValueError(f"Self sign-up is for patients and doctors, not {role!r}.")
    # A doctor's "Dr." is added on display (accounts.models.doctor_display_name).
    full_name = without_doctor_title(full_name) if role == User.Role.DOCTOR else full_name.strip()
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, role=role, full_name=full_name)
            transaction.on_commit(lambda: user_registered.send(sender=User, user=user))
    except IntegrityError as error:
        raise EmailTaken(email) from error
    return user


def user_signup(*, email: str, password: str, role: str, full_name: str = "") -> None:
    """Self sign-up that does not tell the caller whether the address already
    has an account (OWASP ASVS 2.x / 3.x: no account enumeration).

    Returns nothing on purpose: the view answers the same either way.

    Side effects, new address: the account (see `user_register`) and, after
    commit, an email with the verification link.
    Existing address: no change to the account; after commit, an email to its
    owner saying someone tried to sign up, with links to log in and to reset
    the password (at most one per SIGNUP_NOTICE_INTERVAL per address). The
    password is hashed anyway so both answers take about as long.
    """
    email = normalize_email(email)
    if not User.objects.filter(email=email).exists():
        try:
            user = user_register(email=email, password=password, role=role, full_name=full_name)
        except EmailTaken:
            pass  # a parallel sign-up took it between the check and the insert
        else:
            user_email_verification_send(user=user, throttle=False)
            return
    else:
        make_password(password)
    owner = User.objects.filter(email=email).first()
    if owner is not None and core_throttle.first_in(
        "signup-notice", email, period=_seconds(SIGNUP_NOTICE_INTERVAL)
    ):
        _email_after_commit(
            user=owner,
            subject="Someone tried to sign up with your email address",
            template="emails/signup_attempt",
            context={
                "login_url": _absolute(reverse("accounts:login")),
                "reset_url": _absolute(reverse("accounts:password_reset")),
            },
        )


def email_verification_token(user: User) -> str:
    """A signed, timestamped token naming the account and the address it
    confirms, so a link stops working if the address changes."""
    return signing.dumps({"u": user.pk, "e": user.email}, salt=_VERIFY_SALT)


def user_email_verification_send(*, user: User, throttle: bool = True) -> bool:
    """Email `user` a link that confirms their address.

    Returns False (and sends nothing) when the account is already verified, or
    when `throttle` is on and a link went out less than VERIFY_RESEND_INTERVAL ago.

    Side effects: after commit, one email with the link.
    """
    if user.email_verified:
        return False
    period = _seconds(VERIFY_RESEND_INTERVAL)
    if throttle and not core_throttle.first_in("verify-sent", user.pk, period=period):
        return False
    if not throttle:
        # The sign-up email counts as the first send: "resend" right after it waits.
        core_throttle.start_period("verify-sent", user.pk, period=period)
    token = email_verification_token(user)
    _email_after_commit(
        user=user,
        subject="Confirm your email address for MedConsult",
        template="emails/verify_email",
        context={
            "verify_url": _absolute(reverse("accounts:verify_email", args=[token])),
            "valid_days": VERIFY_MAX_AGE.days,
        },
    )
    return True


def user_email_verify(*, token: str, now=None) -> User:
    """Mark the account named by `token` as having a confirmed address.

    Opening the link again later is harmless: the account stays verified with
    its first date. Raises VerificationLinkInvalid for an expired or forged
    token, or one for an address the account no longer has.

    Side effects: sets `email_verified_at`.
    """
    try:
        payload = signing.loads(token, salt=_VERIFY_SALT, max_age=VERIFY_MAX_AGE)
    except signing.SignatureExpired:
        raise VerificationLinkInvalid("This link has expired. Ask for a new one below.") from None
    except signing.BadSignature:
        raise VerificationLinkInvalid("This link is not valid. Ask for a new one below.") from None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=payload.get("u"), email=payload.get("e")).first()
        if user is None:
            raise VerificationLinkInvalid("This link is not valid. Ask for a new one below.")
        if not user.email_verified:
            user.email_verified_at = now or timezone.now()
            user.save(update_fields=["email_verified_at"])
    return user


def _seconds(interval: timedelta) -> int:
    return int(interval.total_seconds())


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _email_after_commit(*, user: User, subject: str, template: str, context: dict) -> None:
    """Send `<template>.txt` / `.html` to `user` once the transaction commits.

    Sent straight through Django's email, as the password reset is, not through
    core's outbox: these emails carry a credential (the link) that should not
    sit in the notifications table, and a failed one is asked for again by the
    person waiting for it. A failure is logged, never shown: the page must
    read the same whether or not an email went out.
    """
    ctx = {"user": user, **context}
    text = render_to_string(f"{template}.txt", ctx)
    html = render_to_string(f"{template}.html", ctx)
    to = user.email

    def send():
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
        message.attach_alternative(html, "text/html")
        try:
            message.send()
        except Exception:
            logger.exception(
                "Failed to send account email %r to user %s",
                template,
                user.pk,
                extra={"event": "email.failed", "template": template, "recipient_user_id": user.pk},
            )

    transaction.on_commit(send)


def user_deactivate(*, user: User, actor, request=None) -> User:
    """Close `user`'s account (staff): they can no longer log in, and a doctor
    leaves search and booking at once. Their rows stay (appointments, records,
    the audit trail). Side effects: audit row.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.is_active:
            return user
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit_record(action="account.deactivated", actor=actor, target=user, subject=user, request=request)
    return user
