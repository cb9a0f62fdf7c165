from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from appointments.models import Mode


class SlotField(forms.CharField):
    """A slot's start as the picker links it: an ISO 8601 instant with its offset."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            moment = parse_datetime(value.replace(" ", "+"))
        except ValueError:
            moment = None
        if moment is None or timezone.is_naive(moment):
            raise forms.ValidationError("That is not a valid time. Please pick a slot from the list.")
        return moment


class BookForm(forms.Form):
    start = SlotField(widget=forms.HiddenInput)
    mode = forms.ChoiceField(choices=Mode.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Reason for the visit",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A few words for the doctor, e.g. 'Itchy rash on both arms for a week'.",
    )


class RescheduleForm(forms.Form):
    start = SlotField(widget=forms.HiddenInput)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class PickerQuery(forms.Form):
    """The slot picker's query string; anything odd falls back to the defaults."""

    day = forms.DateField(required=False)
    mode = forms.ChoiceField(choices=Mode.choices, required=False)
