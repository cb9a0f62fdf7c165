from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.forms import CleanTextMixin
from core.uploads import detect_document
from prescriptions.models import Prescription
from prescriptions.records.models import MedicalReport
from prescriptions.records.selectors import SOURCES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
EARLIEST = date(1900, 1, 1)


def _not_in_future(value):
    if value > timezone.localdate():
        raise ValidationError("That date is in the future.")
    if value < EARLIEST:
        raise ValidationError("Please check the year.")


class ReportUploadForm(CleanTextMixin, forms.Form):
    title = forms.CharField(max_length=120, help_text="For example “Blood count, Apollo Labs”.")
    kind = forms.ChoiceField(label="Type", choices=MedicalReport.Kind.choices)
    report_date = forms.DateField(
        label="Date of the report",
        widget=DATE,
        validators=[_not_in_future],
        help_text="The date on the report.",
    )
    file = forms.FileField(label="File", help_text="PDF, JPEG or PNG, at most 10 MB.")

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None:
            try:
                cleaned["detected"] = detect_document(upload)
            except ValidationError as error:
                self.add_error("file", error)
        return cleaned


class ReportRenameForm(CleanTextMixin, forms.Form):
    title = forms.CharField(max_length=120)


# "report:LAB" and the like filter the reports by their type.
TYPE_CHOICES = [
    ("", "Everything"),
    *[(kind, source.label) for kind, source in SOURCES.items()],
    *[(f"report:{value}", f"Reports: {label}") for value, label in MedicalReport.Kind.choices],
    ("hidden", "Hidden uploads"),
]


# The filter's dates become local midnights (a day later for the end): years
# near 1 or 9999 would overflow a datetime, so they are refused as typos.
LATEST = date(2999, 12, 31)


def _plausible(value):
    if not EARLIEST <= value <= LATEST:
        raise ValidationError("Please check the year.")


class TimelineFilter(forms.Form):
    type = forms.ChoiceField(label="Show", choices=TYPE_CHOICES, required=False)
    start = forms.DateField(label="From", required=False, widget=DATE, validators=[_plausible])
    end = forms.DateField(label="To", required=False, widget=DATE, validators=[_plausible])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", "The end date is before the start date.")
        return cleaned

    def query(self) -> dict:
        """The timeline's arguments: everything for an empty or invalid filter."""
        if not self.is_valid():
            return {}
        chosen = self.cleaned_data.get("type") or ""
        query = {"first": self.cleaned_data.get("start"), "last": self.cleaned_data.get("end")}
        if chosen == "hidden":
            query["hidden"] = True
        elif chosen.startswith("report:"):
            query.update(kinds=["report"], report_kind=chosen.split(":", 1)[1])
        elif chosen:
            query["kinds"] = [chosen]
        return query


class ShareForm(forms.Form):
    reports = forms.ModelMultipleChoiceField(
        label="Your reports",
        queryset=MedicalReport.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    prescriptions = forms.ModelMultipleChoiceField(
        label="Earlier prescriptions from other doctors",
        queryset=Prescription.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, reports, prescriptions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reports"].queryset = reports
        self.fields["prescriptions"].queryset = prescriptions
        self.fields["prescriptions"].label_from_instance = lambda rx: (
            f"{rx.doctor.display_name} · {rx.issued_at:%-d %b %Y} · {rx.get_status_display()}"
        )
        self.fields["reports"].label_from_instance = lambda r: (
            f"{r.title} · {r.get_kind_display()} · {r.report_date:%-d %b %Y}"
        )
