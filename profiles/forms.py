from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import timezone

from accounts.models import without_doctor_title
from core.forms import CleanTextMixin
from core.uploads import detect_document, signature_image, square_thumbnail
from profiles.models import (
    City,
    Clinic,
    DoctorDocument,
    DoctorProfile,
    Language,
    Locality,
    PatientProfile,
    Specialty,
)


class RupeesField(forms.IntegerField):
    """Fees are typed in whole rupees and stored in paise."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 100_000)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return value // 100 if isinstance(value, int) else value

    def clean(self, value):
        rupees = super().clean(value)
        return None if rupees is None else rupees * 100


class DoctorProfileForm(CleanTextMixin, forms.ModelForm):
    specialties = forms.ModelMultipleChoiceField(
        queryset=Specialty.objects.all(), widget=forms.CheckboxSelectMultiple, required=False
    )
    languages = forms.ModelMultipleChoiceField(
        queryset=Language.objects.all(), widget=forms.CheckboxSelectMultiple, required=False
    )
    fee_online = RupeesField(label="Online consultation fee (₹)")
    fee_in_person = RupeesField(label="Clinic visit fee (₹)")

    class Meta:
        model = DoctorProfile
        fields = [
            "full_name",
            "gender",
            "registration_number",
            "registration_council",
            "practising_since",
            "specialties",
            "languages",
            "offers_online",
            "fee_online",
            "offers_in_person",
            "fee_in_person",
            "time_zone",
            "bio",
        ]
        labels = {
            "practising_since": "Practising since (year)",
            "offers_online": "I offer online consultations (video and chat)",
            "offers_in_person": "I see patients at a clinic",
            "time_zone": "Time zone",
        }
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"full_name": "As on your medical registration. Patients see “Dr.” before it."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.verification_locked:
            for name in DoctorProfile.VERIFICATION_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = "Locked while verification is pending."

    def clean_full_name(self):
        # "Dr." is added on display: typed or not, it is not part of the name.
        name = without_doctor_title(self.cleaned_data.get("full_name", ""))
        if not name:
            raise ValidationError("Please enter your name as on your medical registration.")
        return name

    def clean_practising_since(self):
        year = self.cleaned_data.get("practising_since")
        if year and year > timezone.localdate().year:
            raise ValidationError("That year is in the future.")
        return year

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("offers_online") and not cleaned.get("fee_online"):
            self.add_error("fee_online", "Set a fee for online consultations, or untick them.")
        if cleaned.get("offers_in_person") and not cleaned.get("fee_in_person"):
            self.add_error("fee_in_person", "Set a fee for clinic visits, or untick them.")
        return cleaned


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label="Profile photo", help_text="A clear photo of your face. JPEG, PNG or WebP, at most 5 MB."
    )

    def clean_photo(self):
        return square_thumbnail(self.cleaned_data["photo"])


class SignatureForm(forms.Form):
    signature = forms.FileField(
        label="Signature image",
        help_text="Your signature on white, as a PNG or JPEG of at most 5 MB. It is printed on your prescriptions.",
    )

    def clean_signature(self):
        return signature_image(self.cleaned_data["signature"])


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label="Document", choices=DoctorDocument.Kind.choices)
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


class QualificationForm(CleanTextMixin, forms.Form):
    degree = forms.CharField(max_length=80, help_text="For example MBBS, MD (Dermatology), BDS.")
    institution = forms.CharField(max_length=150)
    year = forms.IntegerField(min_value=1950)

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise ValidationError("That year is in the future.")
        return year


class ClinicForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = Clinic
        fields = ["name", "address", "city", "locality", "phone"]
        labels = {"name": "Clinic name"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        city_field, locality_field = self.fields["city"], self.fields["locality"]
        city_field.queryset = City.objects.all()
        # Choosing a city brings its localities (HTMX swaps the locality field;
        # without JavaScript a "Show localities" button re-renders the form).
        city_field.widget.attrs.update(
            {
                "hx-get": reverse_lazy("profiles:clinic_localities"),
                "hx-target": "#clinic-locality",
                "hx-swap": "outerHTML",
                "aria-controls": "id_locality",
            }
        )
        city_field.template_name = "profiles/partials/clinic_city_field.html"
        locality_field.template_name = "profiles/partials/clinic_locality_field.html"
        # Any locality validates, so that one of another city is refused in
        # clean() with a message naming both; the list shows the chosen city's.
        locality_field.queryset = Locality.objects.all()
        self.chosen_city = self._chosen_city()
        if self.chosen_city is None:
            locality_field.widget.choices = [("", "Choose a city first")]
            locality_field.help_text = "Choose the city first: its localities appear here."
        else:
            locality_field.widget.choices = [("", "---------")] + [
                (loc.pk, loc.name)
                for loc in Locality.objects.filter(city=self.chosen_city).only("pk", "name")
            ]

    def _chosen_city(self):
        value = self["city"].value()
        if isinstance(value, City):
            return value
        try:
            return City.objects.filter(pk=int(value)).first() if value not in (None, "") else None
        except (TypeError, ValueError):
            return None

    # A locality of another city is refused by Clinic.clean(), at the field.


class RejectForm(CleanTextMixin, forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown to the doctor. Say what to fix, e.g. 'The registration certificate is unreadable'.",
    )


class PatientProfileForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = PatientProfile
        fields = [
            "full_name",
            "date_of_birth",
            "gender",
            "phone",
            "city",
            "time_zone",
            "blood_group",
            "allergies",
            "chronic_conditions",
            "emergency_contact_name",
            "emergency_contact_phone",
        ]
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}),
            "allergies": forms.Textarea(attrs={"rows": 3}),
            "chronic_conditions": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "allergies": "Medicines, foods or anything else. Your doctors see this.",
            "chronic_conditions": "For example diabetes, hypertension, asthma.",
        }

    def clean_date_of_birth(self):
        born = self.cleaned_data.get("date_of_birth")
        if born and born > timezone.localdate():
            raise ValidationError("The date of birth cannot be in the future.")
        return born
