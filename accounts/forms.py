from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.utils.functional import lazy

from accounts.models import User, normalize_email
from core.forms import CleanTextMixin


def password_rules() -> str:
    """The help text under every new-password field, read from the configured
    validators so it cannot drift from what they enforce."""
    min_length = next(
        (
            validator.min_length
            for validator in password_validation.get_default_password_validators()
            if isinstance(validator, password_validation.MinimumLengthValidator)
        ),
        None,
    )
    length = f"At least {min_length} characters. " if min_length else ""
    return (
        f"{length}Not a common password, not only numbers, and not like your name or email. "
        "Three or four unrelated words make a strong one."
    )


PASSWORD_RULES = lazy(password_rules, str)()
# static/js/password-strength.js puts a strength meter under inputs with this attribute.
NEW_PASSWORD_ATTRS = {"autocomplete": "new-password", "data-password-strength": ""}


class SignupForm(CleanTextMixin, forms.Form):
    """Sign-up for patients and doctors alike; the view decides the role."""

    full_name = forms.CharField(
        label="Full name",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name", "autofocus": True}),
    )
    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Create a password",
        strip=False,
        widget=forms.PasswordInput(attrs=NEW_PASSWORD_ATTRS),
        help_text=PASSWORD_RULES,
    )

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError("Please enter your name.")
        return name

    def clean_email(self):
        # No "already registered" error here: the answer must not tell whether
        # an address has an account (accounts.services.user_signup).
        return normalize_email(self.cleaned_data["email"])

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            # A throwaway user lets the similarity validator compare against
            # the name and email being registered.
            candidate = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "That email and password do not match an account. Please try again.",
        "inactive": "This account has been deactivated. Please contact support.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email"
        self.fields["username"].widget = forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})


class ResetForm(PasswordResetForm):
    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])


class _NewPasswordHint:
    """The rules and the strength meter on the new-password field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["new_password1"]
        field.help_text = PASSWORD_RULES
        field.widget.attrs.update(NEW_PASSWORD_ATTRS)


class PasswordChangeHintForm(_NewPasswordHint, PasswordChangeForm):
    pass


class SetPasswordHintForm(_NewPasswordHint, SetPasswordForm):
    pass
