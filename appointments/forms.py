from datetime import UTC, timedelta

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.forms import CleanTextMixin
from profiles.models import Mode

MIN_OFFSET, MAX_OFFSET = timedelta(hours=-12), timedelta(hours=14)


class SlotField(forms.CharField):
    """A slot's start as the picker links it: an ISO 8601 instant with its offset."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        invalid = forms.ValidationError("That is not a valid time. Please pick a slot from the list.")
        try:
            moment = parse_datetime(value.replace(" ", "+"))
            # No zone on Earth is further than -12 or +14 hours from UTC.
            if (
                moment is None
                or timezone.is_naive(moment)
                or not MIN_OFFSET <= moment.utcoffset() <= MAX_OFFSET
            ):
                raise invalid
            moment = moment.astimezone(UTC)
        except (ValueError, OverflowError) as error:
            raise invalid from error
        # Nothing real is further off than a year; refusing the rest keeps odd
        # offsets and years away from the database and the templates.
        now = timezone.now()
        if not now - timedelta(days=1) <= moment <= now + timedelta(days=366):
            raise invalid
        return moment


class BookForm(CleanTextMixin, forms.Form):
    start = SlotField(widget=forms.HiddenInput)
    mode = forms.ChoiceField(choices=Mode.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Reason for the visit",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A few words for the doctor, e.g. 'Itchy rash on both arms for a week'.",
    )
    # Shown, and required by the booking service, when a minor books online.
    companion_name = forms.CharField(
        label="Accompanying adult's full name",
        max_length=150,
        required=False,
        help_text="You are under 18: an adult must be with you during an online consultation.",
    )
    companion_relation = forms.CharField(
        label="Their relation to you",
        max_length=60,
        required=False,
        help_text="e.g. mother, father, guardian.",
    )

    def __init__(self, *args, companion=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not companion:
            del self.fields["companion_name"]
            del self.fields["companion_relation"]
        else:
            self.fields["companion_name"].required = True
            self.fields["companion_relation"].required = True


class RescheduleForm(forms.Form):
    start = SlotField(widget=forms.HiddenInput)


class ReasonForm(CleanTextMixin, forms.Form):
    reason = forms.CharField(label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class PickerQuery(forms.Form):
    """The slot picker's query string; anything odd falls back to the defaults."""

    day = forms.DateField(required=False)
    mode = forms.ChoiceField(choices=Mode.choices, required=False)
    clinic = forms.IntegerField(required=False, min_value=1)
