"""Forms of the doctor's availability page. Each is built for one doctor: the
modes they offer, their own clinics, their time zone. The rules themselves
live in appointments.availability; the forms call its checks so that each
message lands next to its field."""

from django import forms

from appointments import availability
from appointments.availability import AvailabilityError
from appointments.models import AvailabilityException, AvailabilityRule
from core.forms import CleanTextMixin
from profiles.models import Mode

Kind = AvailabilityException.Kind

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _apply(form, check, *args, **kwargs):
    """Run one of availability's checks and file its message under the field it names."""
    try:
        check(*args, **kwargs)
    except AvailabilityError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))


class DoctorForm(CleanTextMixin, forms.Form):
    """A form that knows its doctor and their clinics (a list, fetched once per page)."""

    def __init__(self, *args, doctor, clinics=(), **kwargs):
        self.doctor = doctor
        self.clinics = {clinic.pk: clinic for clinic in clinics}
        super().__init__(*args, **kwargs)


class HoursFormMixin:
    """start, end, slot length, mode and clinic: weekly hours and extra hours."""

    def _hours_fields(self):
        offered = [(mode.value, mode.label) for mode in Mode if self.doctor.offers(mode)]
        self.fields["start"] = forms.TimeField(label="From", widget=TIME)
        self.fields["end"] = forms.TimeField(label="Until", widget=TIME)
        self.fields["slot_minutes"] = forms.IntegerField(
            label="Slot length (minutes)",
            min_value=10,
            max_value=60,
            initial=15,
            widget=forms.NumberInput(attrs={"step": 5}),
        )
        self.fields["mode"] = forms.ChoiceField(
            label="Consultation type",
            choices=offered,
            error_messages={
                "invalid_choice": "You don't offer that kind of consultation. Turn it on in your profile first."
            },
        )
        self.fields["clinic"] = forms.TypedChoiceField(
            label="Clinic",
            required=False,
            coerce=int,
            empty_value=None,
            choices=[("", "— (video consultations)")] + [(pk, c.name) for pk, c in self.clinics.items()],
            help_text="For clinic visits only.",
            error_messages={"invalid_choice": "Choose one of your own clinics."},
        )

    def _clean_hours(self, data):
        data["clinic"] = self.clinics.get(data.get("clinic"))
        if data.get("start") and data.get("end") and data.get("slot_minutes"):
            _apply(self, availability.check_hours, data["start"], data["end"], data["slot_minutes"])
        if data.get("mode") and "clinic" not in self.errors:
            _apply(self, availability.check_mode_and_clinic, self.doctor, data["mode"], data["clinic"])
        return data


class RuleForm(HoursFormMixin, DoctorForm):
    weekday = forms.TypedChoiceField(label="Day", choices=AvailabilityRule.Weekday.choices, coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._hours_fields()

    def clean(self):
        return self._clean_hours(super().clean())


class LeaveForm(DoctorForm):
    kind = Kind.LEAVE
    date = forms.DateField(label="First day", widget=DATE)
    end_date = forms.DateField(
        label="Last day", widget=DATE, required=False, help_text="Leave it empty for a single day."
    )
    note = forms.CharField(label="Note (only you see it)", max_length=200, required=False)

    def clean(self):
        data = super().clean()
        first = data.get("date")
        if first:
            _apply(self, availability.check_date, self.doctor, first)
            _apply(self, availability.check_leave, first, data.get("end_date") or first)
        return data


class BlockForm(DoctorForm):
    kind = Kind.BLOCK
    date = forms.DateField(label="Date", widget=DATE)
    start = forms.TimeField(label="From", widget=TIME)
    end = forms.TimeField(label="Until", widget=TIME)
    note = forms.CharField(label="Note (only you see it)", max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if data.get("date"):
            _apply(self, availability.check_date, self.doctor, data["date"])
        if data.get("start") and data.get("end"):
            _apply(self, availability.check_times, data["start"], data["end"])
        return data


class ExtraHoursForm(HoursFormMixin, DoctorForm):
    kind = Kind.EXTRA
    date = forms.DateField(label="Date", widget=DATE)
    note = forms.CharField(label="Note (only you see it)", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._hours_fields()
        self.order_fields(["date", "start", "end", "slot_minutes", "mode", "clinic", "note"])

    def clean(self):
        data = super().clean()
        if data.get("date"):
            _apply(self, availability.check_date, self.doctor, data["date"])
        return self._clean_hours(data)


EXCEPTION_FORMS = {"leave": LeaveForm, "block": BlockForm, "extra": ExtraHoursForm}


class BookingSettingsForm(forms.Form):
    """Minimum notice in hours or minutes (stored in minutes), horizon, approval mode."""

    HOURS, MINUTES = "hours", "minutes"
    MAX_NOTICE_MINUTES = 7 * 24 * 60

    notice = forms.IntegerField(
        label="Minimum notice",
        min_value=0,
        initial=2,
        help_text="Patients cannot book a slot that starts sooner than this.",
    )
    notice_unit = forms.ChoiceField(
        label="Notice in", choices=[(HOURS, "hours"), (MINUTES, "minutes")], initial=HOURS
    )
    horizon_days = forms.IntegerField(
        label="Booking horizon (days)",
        min_value=1,
        max_value=180,
        initial=30,
        help_text="How far ahead patients can book.",
    )
    approval_required = forms.BooleanField(
        label="I approve clinic visit bookings myself",
        required=False,
        help_text="Clinic bookings wait for you to accept them. Video consultations are confirmed when paid.",
    )

    @classmethod
    def initial_for(cls, settings) -> dict:
        minutes = settings.min_notice_minutes
        in_hours = minutes % 60 == 0
        return {
            "notice": minutes // 60 if in_hours else minutes,
            "notice_unit": cls.HOURS if in_hours else cls.MINUTES,
            "horizon_days": settings.horizon_days,
            "approval_required": settings.approval_required,
        }

    def clean(self):
        data = super().clean()
        if data.get("notice") is not None and data.get("notice_unit"):
            minutes = data["notice"] * (60 if data["notice_unit"] == self.HOURS else 1)
            if minutes > self.MAX_NOTICE_MINUTES:
                self.add_error("notice", "The minimum notice can be at most 7 days.")
            data["min_notice_minutes"] = minutes
        return data


class CollisionCancelForm(CleanTextMixin, forms.Form):
    """Cancel some of the bookings a change collided with, with one reason."""

    appointments = forms.TypedMultipleChoiceField(
        label="Bookings to cancel",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick the bookings to cancel."},
    )
    reason = forms.CharField(
        label="Reason (sent to each patient)",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Please give the patients a reason."},
    )

    def __init__(self, *args, appointments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appointments"].choices = [(a.pk, str(a.pk)) for a in appointments]
        self.fields["appointments"].initial = [a.pk for a in appointments]

    @property
    def checked_ids(self) -> set[int]:
        """The ticked bookings: all of them at first, then what the doctor sent."""
        if not self.is_bound:
            return set(self.fields["appointments"].initial)
        return {int(pk) for pk in self.data.getlist(self.add_prefix("appointments")) if str(pk).isdigit()}
