from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from accounts.forms import SignupForm
from accounts.models import User
from accounts.services import (
    VERIFY_MAX_AGE,
    VerificationLinkInvalid,
    user_email_verification_send,
    user_email_verify,
    user_signup,
)
from core.throttle import client_ip, limit_posts


@sensitive_post_parameters("password")
def signup_patient(request):
    return _signup(request, role=User.Role.PATIENT, template="accounts/signup_patient.html")


@sensitive_post_parameters("password")
def signup_doctor(request):
    return _signup(request, role=User.Role.DOCTOR, template="accounts/signup_doctor.html")


# Per client address: nobody is signed in yet. Answers the same 429 page as booking.
_limit_signups = limit_posts("signup", setting="SIGNUP_POSTS_PER_HOUR", period=3600, key=client_ip)


@_limit_signups
def _signup(request, *, role, template):
    """A valid form always lands on the same "check your email" page, logged
    out, whether the address was new or already had an account: the email
    that follows tells its owner which it was."""
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user_signup(role=role, **form.cleaned_data)
        return redirect("accounts:signup_sent")
    return render(request, template, {"form": form})


def signup_sent(request):
    return render(request, "accounts/signup_sent.html", {"valid_days": VERIFY_MAX_AGE.days})


@sensitive_variables("token")
def verify_email(request, token):
    """The link from the verification email. It confirms the address but does
    not log in: a link that lands in the wrong hands must not open the account."""
    try:
        user = user_email_verify(token=token)
    except VerificationLinkInvalid as error:
        return render(request, "accounts/verify_email_failed.html", {"error": str(error)}, status=400)
    if request.user.is_authenticated and request.user.pk == user.pk:
        messages.success(
            request, "Thank you, your email address is confirmed. You can book appointments now."
        )
        return redirect("dashboard")
    messages.success(request, "Thank you, your email address is confirmed. Log in to continue.")
    return redirect("accounts:login")


@login_required
@require_POST
def verify_email_resend(request):
    user = request.user
    if user.email_verified:
        messages.info(request, "Your email address is already confirmed.")
    elif user_email_verification_send(user=user):
        messages.success(request, f"We have sent a new link to {user.email}. It may take a minute to arrive.")
    else:
        messages.info(
            request,
            "We sent you a link a moment ago. Please check your inbox and spam folder, "
            "or ask again in a couple of minutes.",
        )
    return redirect(_safe_next(request) or "dashboard")


def _safe_next(request):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None
