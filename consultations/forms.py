from django import forms

from core.forms import CleanTextMixin
from core.uploads import MAX_DOCUMENT_BYTES

MAX_BODY = 5000


class MessageForm(CleanTextMixin, forms.Form):
    body = forms.CharField(
        label="Message",
        required=False,
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_BODY, "placeholder": "Type a message"}),
        error_messages={"max_length": "A message can be at most 5,000 characters (it has %(show_value)d)."},
    )
    # The composer's own id for this message: a retried send carries the same one.
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    file = forms.FileField(
        label="Attach a photo or PDF",
        required=False,
        help_text=f"JPEG, PNG or PDF, up to {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("body") and not cleaned.get("file"):
            raise forms.ValidationError("Type a message or attach a file.", code="empty")
        return cleaned


class InPersonForm(CleanTextMixin, forms.Form):
    note = forms.CharField(
        label="Note for the patient (optional)",
        required=False,
        max_length=300,
        help_text="The consultation ends, the patient is refunded in full and offered your clinic slots.",
    )
