from django import forms
from django.forms import BaseFormSet, formset_factory
from django.utils import timezone

from core.forms import CleanTextMixin
from prescriptions.models import ConsultKind, Prescription, PrescriptionItem
from profiles.models import Gender, Mode

MAX_ITEMS = 60
ITEM_PREFIX = "items"


class PrescriptionForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = Prescription
        fields = [
            "patient_date_of_birth",
            "patient_gender",
            "consult_kind",
            "same_condition_follow_up",
            "unrestricted_confirmed",
            "complaints",
            "diagnosis",
            "investigations",
            "advice",
            "follow_up_on",
        ]
        widgets = {
            "patient_date_of_birth": forms.DateInput(attrs={"type": "date"}),
            "follow_up_on": forms.DateInput(attrs={"type": "date"}),
            "complaints": forms.Textarea(attrs={"rows": 2}),
            "diagnosis": forms.Textarea(attrs={"rows": 2}),
            "investigations": forms.Textarea(attrs={"rows": 2}),
            "advice": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "patient_date_of_birth": "Patient's date of birth",
            "patient_gender": "Patient's gender",
            "diagnosis": "Diagnosis (provisional)",
        }
        help_texts = {
            "patient_date_of_birth": "Not in the patient's profile: please record it (a prescription states the age).",
            "patient_gender": "Not in the patient's profile: please record it.",
        }

    def __init__(self, *args, appointment, age_and_gender_known=False, video_from_call=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient_gender"].choices = [("", "Choose"), *Gender.choices]
        if age_and_gender_known:
            # Known (from the profile, or recorded earlier): nothing to ask.
            del self.fields["patient_date_of_birth"]
            del self.fields["patient_gender"]
        if appointment.mode == Mode.IN_PERSON:
            del self.fields["consult_kind"]
            del self.fields["unrestricted_confirmed"]
        elif video_from_call:
            # The call record says video (issue 14): nothing to declare; the editor says so.
            del self.fields["consult_kind"]
        else:
            kind = self.fields["consult_kind"]
            kind.choices = [(k.value, k.label) for k in ConsultKind if k != ConsultKind.IN_PERSON]
            kind.help_text = "The telemedicine rules depend on it: some medicines need a video consultation."
            kind.widget = forms.RadioSelect(choices=kind.choices)

    def clean_patient_date_of_birth(self):
        born = self.cleaned_data.get("patient_date_of_birth")
        if born and born > timezone.localdate():
            raise forms.ValidationError("A date of birth cannot be in the future.")
        if born and born.year < 1900:
            raise forms.ValidationError("Please check the year.")
        return born

    def clean_follow_up_on(self):
        day = self.cleaned_data.get("follow_up_on")
        if day and day < timezone.localdate():
            raise forms.ValidationError("The follow-up date cannot be in the past.")
        if day and (day - timezone.localdate()).days > 3 * 366:
            raise forms.ValidationError("Please choose a follow-up within three years.")
        return day


class ItemForm(CleanTextMixin, forms.Form):
    name = forms.CharField(
        label="Medicine (generic name)",
        max_length=120,
        widget=forms.TextInput(attrs={"list": "medicine-names", "autocomplete": "off"}),
    )
    strength = forms.CharField(
        max_length=60, required=False, widget=forms.TextInput(attrs={"placeholder": "500 mg"})
    )
    form = forms.CharField(
        max_length=40, required=False, widget=forms.TextInput(attrs={"placeholder": "tablet"})
    )
    dose = forms.CharField(
        max_length=60, required=False, widget=forms.TextInput(attrs={"placeholder": "1 tablet"})
    )
    frequency = forms.CharField(max_length=40, widget=forms.TextInput(attrs={"placeholder": "1-0-1"}))
    duration = forms.IntegerField(
        min_value=1,
        max_value=3650,
        error_messages={"min_value": "The duration must be at least 1."},
        widget=forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
    )
    duration_unit = forms.ChoiceField(
        label="Unit",
        choices=PrescriptionItem.DurationUnit.choices,
        initial=PrescriptionItem.DurationUnit.DAYS,
    )
    route = forms.CharField(
        max_length=40, required=False, widget=forms.TextInput(attrs={"placeholder": "oral"})
    )
    instructions = forms.CharField(
        max_length=200, required=False, widget=forms.TextInput(attrs={"placeholder": "after food"})
    )

    def has_changed(self):
        # The unit's default alone is not a row the doctor wrote.
        return any(self[name].value() not in (None, "") for name in self.fields if name != "duration_unit")


class BaseItemFormSet(BaseFormSet):
    """Every row is a new one: the items are replaced whole on each save, so a
    blank row (added and left empty, or left by a removed one) is simply skipped."""

    def initial_form_count(self):
        return 0 if self.is_bound else super().initial_form_count()

    def filled_forms(self):
        return [form for form in self.forms if form.has_changed() and form not in self.deleted_forms]

    def clean(self):
        super().clean()
        if not any(form.has_changed() for form in self.forms):
            raise forms.ValidationError("Add at least one medicine.", code="no_items")


ItemFormSet = formset_factory(
    ItemForm, formset=BaseItemFormSet, extra=0, max_num=MAX_ITEMS, validate_max=True, absolute_max=MAX_ITEMS
)

ITEM_FIELD_NAMES = list(ItemForm.base_fields)


def posted_rows(data) -> list[dict]:
    """The item rows as posted (raw strings, unchecked), for adding or removing
    a row without validating the others."""
    try:
        total = min(int(data.get(f"{ITEM_PREFIX}-TOTAL_FORMS", 0)), MAX_ITEMS)
    except (TypeError, ValueError):
        total = 0
    rows = []
    for index in range(max(total, 0)):
        rows.append({name: data.get(f"{ITEM_PREFIX}-{index}-{name}", "") for name in ITEM_FIELD_NAMES})
    return rows


def item_rows(rows) -> BaseItemFormSet:
    """An unbound formset showing `rows` (at least one, possibly empty)."""
    return ItemFormSet(prefix=ITEM_PREFIX, initial=rows or [{}])


class RevokeForm(CleanTextMixin, forms.Form):
    reason = forms.CharField(
        label="Reason for revoking", max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
