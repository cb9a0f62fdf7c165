from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting

from core.text import clean_multiline, has_control_characters, strip_bidi


class FormRenderer(TemplatesSetting):
    """Every form renders the same way: label above, help below, errors inline
    under the field and a summary at the top (shared/UI.md, Forms)."""

    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"


def refuse_control_characters(value):
    """A validator for one-line text: a line break or other control character is refused."""
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(
            "Please use plain text on one line: line breaks and other control characters are not allowed.",
            code="control_characters",
        )


def _is_text(field) -> bool:
    # Passwords are compared, never shown or sent, and may hold any character.
    return isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput)


def _is_multiline(field) -> bool:
    return isinstance(field.widget, forms.Textarea)


class CleanTextMixin:
    """For every form with user-typed text: one-line text fields refuse control
    characters (with a form error under the field); every text field loses bidi
    override characters, and text areas keep their newlines but lose other
    control characters. Put it first among the form's bases."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if _is_text(field) and not _is_multiline(field):
                field.validators.append(refuse_control_characters)

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            value = cleaned.get(name)
            if not _is_text(field) or not isinstance(value, str):
                continue
            value = clean_multiline(value) if _is_multiline(field) else strip_bidi(value)
            if field.strip:
                value = value.strip()
            if field.required and not value:
                # Nothing but invisible characters is as good as nothing.
                self.add_error(name, field.error_messages["required"])
                continue
            cleaned[name] = value
        return cleaned
