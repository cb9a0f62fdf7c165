"""Doctor search pages: /doctors/, the landing pages /find/<city>/[<specialty>/],
and the home page's city picker.

One template serves the full page and the HTMX fragment (the results, which
the filter form and the page links swap in). Bad query values never fail a
page: the form drops them and the page says so.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import ngettext
from django_htmx.http import push_url

from core.templatetags.ui import rupees
from profiles.models import Gender, Mode
from profiles.search import query as search
from profiles.search.forms import DoctorSearchForm

CITY_COOKIE = search.CITY_COOKIE
CITY_COOKIE_AGE = 365 * 24 * 60 * 60

SEARCH_DESCRIPTION = (
    "Find and book verified doctors on MedConsult by specialty, symptom, name, clinic or locality. "
    "Compare fees, experience, languages and the next free slot, online or in the clinic."
)


def _fee_words(low, high) -> str:
    """ "fee ₹300 to ₹800", "fee up to ₹800", "fee from ₹300" (rupees)."""
    if low is not None and high is not None:
        return f"fee ₹{rupees(low * 100)} to ₹{rupees(high * 100)}"
    if high is not None:
        return f"fee up to ₹{rupees(high * 100)}"
    return f"fee from ₹{rupees(low * 100)}"


def _describe(filters, *, total=None, total_label="") -> str:
    """Every active filter, briefly: "24 Dermatologists in Kothrud, Pune",
    "1,000+ doctors for “fever”", "5 female doctors in Pune for a video
    consultation available today, speaking Hindi, 10+ years experience, fee up
    to ₹800"."""
    if filters.specialty:
        noun = filters.specialty.name if total == 1 else filters.specialty.plural
    else:
        noun = ngettext("doctor", "doctors", total or 0)
    if filters.gender in (Gender.FEMALE, Gender.MALE):
        noun = f"{Gender(filters.gender).label.lower()} {noun}"
    words = [noun if total is not None else noun[:1].upper() + noun[1:]]
    if total is not None:
        words.insert(0, total_label or f"{total:,}")
    if filters.q:
        words.append(f"for “{filters.q}”")
    if filters.locality:
        words.append(f"in {filters.locality.name}, {filters.city.name}")
    elif filters.city:
        words.append(f"in {filters.city.name}")
    if filters.mode == Mode.ONLINE:
        words.append("for a video consultation")
    elif filters.mode == Mode.IN_PERSON:
        words.append("for a clinic visit")
    if filters.available == "today":
        words.append("available today")
    elif filters.available == "3days":
        words.append("available in the next 3 days")
    # The rest, after a comma each, in the order of the filter form.
    extras = []
    if filters.gender and filters.gender not in (Gender.FEMALE, Gender.MALE):
        extras.append(f"gender: {Gender(filters.gender).label.lower()}")
    if filters.language:
        extras.append(f"speaking {filters.language.name}")
    if filters.experience:
        extras.append(f"{filters.experience}+ years experience")
    if filters.fee_min is not None or filters.fee_max is not None:
        extras.append(_fee_words(filters.fee_min, filters.fee_max))
    return ", ".join([" ".join(words), *extras])


def _search_response(request, form, *, path, page_template, context):
    form.is_valid()  # invalid values are dropped from cleaned_data and become notices
    filters = form.filters()
    results = search.search_page(filters, form.page_number)
    query = form.query()
    wants_fragment = bool(request.htmx) and not request.htmx.history_restore_request
    context = {
        "form": form,
        "filters": filters,
        "results": results,
        "notices": form.notices() + results.notices,
        "path": path,
        "query": query,
        "summary": _describe(filters, total=results.total, total_label=results.total_label),
        "widen": form.widen_links(),
        "fragment": wants_fragment,
        "title": _describe(filters) if form.active_count() else "Find a doctor",
        **context,
    }
    template = "profiles/partials/search_results.html" if wants_fragment else page_template
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    if wants_fragment:
        # The form sends every field, empty ones too; the address bar gets the tidy version.
        page = results.page.number
        push_url(response, f"{path}?{form.query(page=page if page > 1 else None)}".rstrip("?"))
    return response


def doctor_search(request):
    reference = search.reference_data()
    form = DoctorSearchForm(request.GET, reference=reference)
    return _search_response(
        request,
        form,
        path=reverse("profiles:search"),
        page_template="profiles/search.html",
        context={"meta_description": SEARCH_DESCRIPTION},
    )


def _landing(request, *, city_slug, specialty_slug=None):
    reference = search.reference_data()
    city = reference.city(city_slug)
    specialty = reference.specialty(specialty_slug) if specialty_slug else None
    if city is None or (specialty_slug and specialty is None):
        raise Http404("No such city or specialty")
    heading = search.landing_title(city=city, specialty=specialty)
    form = DoctorSearchForm(request.GET, reference=reference, city=city, specialty=specialty)
    if specialty:
        path = reverse("profiles:landing_specialty", args=[city.slug, specialty.slug])
        description = (
            f"Book an appointment with verified {specialty.plural} in {city.name} on MedConsult: compare fees, experience, languages and the next free slot, "
            "for a clinic visit or a video consultation."
        )
    else:
        path = reverse("profiles:landing_city", args=[city.slug])
        description = (
            f"Find verified doctors in {city.name} by specialty, locality, fee and availability, "
            "and book a clinic visit or a video consultation on MedConsult."
        )
    return _search_response(
        request,
        form,
        path=path,
        page_template="profiles/landing.html",
        context={
            "heading": heading,
            "landing_city": city,
            "landing_specialty": specialty,
            "meta_description": description,
            "fixed_title": heading,
        },
    )


def landing_city(request, city):
    return _landing(request, city_slug=city)


def landing_specialty(request, city, specialty):
    return _landing(request, city_slug=city, specialty_slug=specialty)


def choose_city(request):
    """The home page's city picker (a GET form): remember the city in a cookie."""
    slug = request.GET.get("city", "")
    city = search.reference_data().city(slug)
    response = redirect("home")
    if city is None:
        messages.error(request, "Please choose one of the cities in the list.")
        return response
    response.set_cookie(
        CITY_COOKIE,
        city.slug,
        max_age=CITY_COOKIE_AGE,
        samesite="Lax",
        httponly=True,
        secure=request.is_secure(),
    )
    return response
