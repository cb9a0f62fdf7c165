from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from accounts.forms import SignupForm
from accounts.models import User
from accounts.services import EmailTaken, user_register

# AxesStandaloneBackend only throttles; the account was just created with this
# password, so log in through the model backend directly.
_LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


@sensitive_post_parameters("password")
def signup_patient(request):
    return _signup(request, role=User.Role.PATIENT, template="accounts/signup_patient.html")


@sensitive_post_parameters("password")
def signup_doctor(request):
    return _signup(request, role=User.Role.DOCTOR, template="accounts/signup_doctor.html")


def _signup(request, *, role, template):
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_register(role=role, **form.cleaned_data)
        except EmailTaken:
            form.add_error("email", "An account with this email already exists.")
        else:
            login(request, user, backend=_LOGIN_BACKEND)
            messages.success(request, f"Welcome to MedConsult, {user.get_short_name()}.")
            return redirect("dashboard")
    return render(request, template, {"form": form})
