"""The doctor search's query string as a form.

Every field is optional. A value that does not validate (a negative fee, an
unknown city, page=abc, an unknown sort) is dropped and explained in a notice:
a search never ends in an error page.
"""

from urllib.parse import urlencode

from django import forms
from django.forms.utils import flatatt
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join

from profiles.models import Mode
from profiles.search.query import (
    AVAILABLE_DAYS,
    GENDER_CHOICES,
    SORT_AVAILABLE,
    SORT_EXPERIENCE,
    SORT_FEE,
    SORT_RELEVANCE,
    SearchFilters,
)

# In the query string a mode is written in lower case (?mode=online), like gender.
MODE_CHOICES = [("", "Online or clinic"), *((value.lower(), label) for value, label in Mode.choices)]
EXPERIENCE_CHOICES = [("", "Any"), ("5", "5+ years"), ("10", "10+ years"), ("15", "15+ years")]
AVAILABLE_CHOICES = [("", "Any day"), ("today", "Today"), ("3days", "In the next 3 days")]
SORT_CHOICES = [
    (SORT_RELEVANCE, "Relevance"),
    (SORT_EXPERIENCE, "Most experienced"),
    (SORT_FEE, "Fee: low to high"),
    (SORT_AVAILABLE, "Earliest available"),
]
UNKNOWN = {"invalid_choice": "we don’t know “%(value)s”"}
# Filters in the order a patient would drop them to see more doctors: the most
# restrictive first. Each entry: (fields, what the link says).
WIDEN_ORDER = [
    (("available",), "any day"),
    (("fee_min", "fee_max"), "any fee"),
    (("experience",), "any experience"),
    (("gender",), "any gender"),
    (("language",), "any language"),
    (("locality",), "the whole city"),
    (("mode",), "online and clinic"),
    (("specialty",), "every specialty"),
    (("city",), "every city"),
    (("q",), "without “{q}”"),
]
# Beyond any real list of results (100,000 doctors are 5,000 pages), and within
# what the database takes as an offset.
MAX_PAGE = 10_000
# Rendered <select>s of valid choices, by (reference data, field, city, choice):
# bounded by the number of choices, so by the reference data.
_selects: dict = {}
SELECTS_KEPT = 2000
assert set(AVAILABLE_DAYS) == {value for value, _ in AVAILABLE_CHOICES if value}


class WholeNumberField(forms.IntegerField):
    """An IntegerField whose "invalid" message can quote what was typed."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as error:
            error.params = {"value": value}
            raise


class FeeField(WholeNumberField):
    def __init__(self, **kwargs):
        super().__init__(
            required=False,
            min_value=0,
            max_value=100_000,
            error_messages={
                "invalid": "“%(value)s” is not a whole number of rupees",
                "min_value": "a fee cannot be below ₹%(limit_value)s",
                "max_value": "a fee cannot be above ₹%(limit_value)s",
            },
            widget=forms.NumberInput(attrs={"min": 0, "step": 50, "inputmode": "numeric"}),
            **kwargs,
        )


class DoctorSearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label="Doctor, specialty, symptom or clinic",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Try “skin rash” or a name"}),
        error_messages={"max_length": "keep it under %(limit_value)d characters"},
    )
    specialty = forms.ChoiceField(required=False, error_messages=UNKNOWN)
    city = forms.ChoiceField(required=False, error_messages=UNKNOWN)
    locality = forms.ChoiceField(required=False, error_messages=UNKNOWN)
    mode = forms.ChoiceField(
        required=False, choices=MODE_CHOICES, label="Consultation", error_messages=UNKNOWN
    )
    fee_min = FeeField(label="Fee from (₹)")
    fee_max = FeeField(label="Fee up to (₹)")
    experience = forms.TypedChoiceField(
        required=False, choices=EXPERIENCE_CHOICES, coerce=int, empty_value=None, error_messages=UNKNOWN
    )
    gender = forms.ChoiceField(required=False, choices=[("", "Any"), *GENDER_CHOICES], error_messages=UNKNOWN)
    language = forms.ChoiceField(required=False, error_messages=UNKNOWN)
    available = forms.ChoiceField(
        required=False, choices=AVAILABLE_CHOICES, label="Available", error_messages=UNKNOWN
    )
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES, label="Sort by", error_messages=UNKNOWN)
    page = WholeNumberField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": "“%(value)s” is not a page number",
            "min_value": "pages start at 1",
            "max_value": "pages stop at %(limit_value)s",
        },
    )

    def __init__(self, data, *, reference, city=None, specialty=None):
        """`city` and `specialty` fixed by a landing page's URL: those fields go."""
        super().__init__(data)
        self.reference = reference
        self.fixed_city, self.fixed_specialty = city, specialty
        if city is not None:
            del self.fields["city"]
        else:
            self.fields["city"].choices = [("", "Any city")] + [(c.slug, c.name) for c in reference.cities]
        if specialty is not None:
            del self.fields["specialty"]
        else:
            self.fields["specialty"].choices = [("", "Any specialty")] + [
                (s.slug, s.name) for s in reference.specialties
            ]
        self.fields["language"].choices = [("", "Any language")] + [
            (lang.code, lang.name) for lang in reference.languages
        ]
        self.chosen_city = city or reference.city(self.data.get("city", ""))
        localities = reference.localities_of(self.chosen_city)
        self.fields["locality"].choices = [("", "Any locality")] + [
            (loc.slug, loc.name) for loc in localities
        ]
        if self.chosen_city is None:
            self.fields["locality"].help_text = "Choose a city first."
            self.fields["locality"].widget.attrs["disabled"] = True
            self.fields["locality"].error_messages["invalid_choice"] = "choose a city first"
        else:
            self.fields["locality"].error_messages["invalid_choice"] = (
                f"we don’t know “%(value)s” in {self.chosen_city.name}"
            )

    def clean(self):
        data = super().clean()
        low, high = data.get("fee_min"), data.get("fee_max")
        if low is not None and high is not None and low > high:
            self.add_error("fee_max", f"₹{high} is below the lowest fee, ₹{low}")
        return data

    @cached_property
    def select_html(self) -> dict:
        """Each choice field's <select>, built here: Django's widgets render every
        <option> through a template, which on this page (a hundred options and
        more) would cost more than the search. A select showing a valid choice
        depends only on the reference data and that choice: kept for reuse."""
        html = {}
        for name, field in self.fields.items():
            if not isinstance(field, forms.ChoiceField):
                continue
            bound = self[name]
            current = "" if bound.value() is None else str(bound.value())
            key = (self.reference.stamp, name, getattr(self.chosen_city, "id", None), current)
            if not bound.errors and key in _selects:
                html[name] = _selects[key]
                continue
            html[name] = self._select(bound, field, current)
            if not bound.errors:
                if len(_selects) >= SELECTS_KEPT:
                    _selects.clear()
                _selects[key] = html[name]
        return html

    @staticmethod
    def _select(bound, field, current):
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((value, " selected" if str(value) == current else "", label) for value, label in field.choices),
        )
        # Attributes through flatatt (escaped once, safe): pasted into format_html as
        # a plain string, they were escaped a second time (aria-describedby="&quot;...").
        attrs = {"disabled": bool(field.widget.attrs.get("disabled"))}
        described = [f"{bound.auto_id}_helptext"] if field.help_text else []
        if bound.errors:
            attrs["aria-invalid"] = "true"
            described.append(f"{bound.auto_id}_error")
        if described:
            attrs["aria-describedby"] = " ".join(described)
        return format_html(
            '<select name="{}" id="{}"{}>{}</select>', bound.html_name, bound.auto_id, flatatt(attrs), options
        )

    @cached_property
    def fields_cache_key(self) -> str:
        """What the HTML of every field but `q` depends on: the reference data
        and the values typed, when all of them are valid ("" otherwise: a field
        showing an error is rendered afresh). Patients change one filter at a
        time, so most pages share their filters' HTML with another."""
        if any(name != "q" for name in self.errors):
            return ""
        typed = [(name, self.data.get(name, "")) for name in self.fields if name not in ("q", "page")]
        # Only values written the canonical way ("500", not "0500" or " 500"): the
        # cache keeps one copy per choice, whatever a crawler sends.
        for name, value in typed:
            cleaned = self.cleaned_data.get(name)
            if value != ("" if cleaned in (None, "") else str(cleaned)):
                return ""
        return f"{self.reference.stamp}:{urlencode(typed)}"

    # --- What the search and the page need --------------------------------------------

    def filters(self) -> SearchFilters:
        data = self.cleaned_data
        reference = self.reference
        city = self.fixed_city or reference.city(data.get("city") or "")
        return SearchFilters(
            q=data.get("q") or "",
            specialty=self.fixed_specialty or reference.specialty(data.get("specialty") or ""),
            city=city,
            locality=reference.locality(city, data.get("locality") or ""),
            mode=Mode((data.get("mode") or "").upper()) if data.get("mode") else "",
            fee_min=data.get("fee_min"),
            fee_max=data.get("fee_max"),
            experience=data.get("experience"),
            gender=(data.get("gender") or "").upper(),
            language=reference.language(data.get("language") or ""),
            available=data.get("available") or "",
            sort=data.get("sort") or "",
        )

    @property
    def page_number(self) -> int:
        return self.cleaned_data.get("page") or 1

    def notices(self) -> list[str]:
        """One sentence per value we could not use."""
        notices = []
        for name, errors in self.errors.items():
            field = self.fields.get(name)
            label = (field.label if field and field.label else name.replace("_", " ")).capitalize()
            for error in errors:
                if name == "page":
                    notices.append(f"Page: {error}, so here is page 1.")
                elif name == "sort":
                    notices.append(f"{label}: {error}, so the results are sorted by relevance.")
                else:
                    notices.append(f"{label}: {error}, so this filter is off.")
        return notices

    def _values(self) -> dict:
        """The valid, non-empty values, in the form's order; page and the default sort left out."""
        values = {}
        for name in self.fields:
            value = self.cleaned_data.get(name)
            if name == "page" or value in (None, "") or (name == "sort" and value == SORT_RELEVANCE):
                continue
            values[name] = str(value)
        return values

    def query(self, *, without=(), **changes) -> str:
        """The canonical query string of this search, for links and the pushed URL."""
        values = {k: v for k, v in self._values().items() if k not in without}
        values.update({k: v for k, v in changes.items() if v not in (None, "")})
        return urlencode(values)

    def active_count(self) -> int:
        return len([k for k in self._values() if k != "sort"])

    def widen_links(self, limit=3) -> list[tuple[str, str]]:
        """(label, query string) for the filters to drop first, the most restrictive first."""
        values = self._values()
        links = []
        for names, label in WIDEN_ORDER:
            if any(name in values for name in names):
                links.append((label.format(q=values.get("q", "")), self.query(without=names)))
        return links[:limit]
