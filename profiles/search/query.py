"""Doctor search: a read module (like selectors) behind /doctors/, the landing
pages and the home page's popular specialties.

How free text is matched
------------------------
1. In Python, over the small reference tables (cached): the words of `q` that
   name a specialty or one of its synonyms ("skin", "heart", "teeth"), also
   with a typo ("cardiolgist": difflib ratio >= 0.8 on light stems), and the
   words that name a city or a locality ("pune", "salt lake").
2. When nothing is left over, those are the query: the specialty's doctors
   with a clinic in that place, from the link and clinic indexes alone.
3. Otherwise (a name, a clinic, a misspelt name), in the database, the union
   of: doctors whose search document holds every word (PostgreSQL: full-text
   search on the GIN-indexed `search_vector`; SQLite: `icontains` per word);
   doctors whose name is like the left-over words (PostgreSQL: pg_trgm word
   similarity, index-backed, while the words alone find less than a page);
   doctors of the specialties and places named
   whose document holds the left-over words. Relevance: of the specialty
   named first, then a close name plus ts_rank (PostgreSQL), then the
   earliest free slot.

Only VERIFIED doctors with an active account are ever searched. A page of
results costs four queries whatever its size (the matches' ids up to the
count's limit, the page of them in order, then the cards: those doctors, and
their specialties, languages and clinics; profiles.search.cards), three when
it is ranked by words (page and count in one), one when nothing matches, plus
four for the reference data when the cache is cold (profiles.search.reference).
Reading the words: profiles.search.terms.
"""

import dataclasses
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Least
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from accounts.models import User
from core import cache_versions, zones
from profiles.models import Clinic, DoctorProfile, Gender, Mode, PatientProfile
from profiles.search import cards as search_cards
from profiles.search.reference import CityRef, LanguageRef, LocalityRef, SpecialtyRef, reference_data
from profiles.search.terms import TextQuery, interpret

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
# Counting stops here: past it the page says "1,000+ doctors". An exact count of a
# broad search ("fever": every general physician) would read every match.
COUNT_LIMIT = 1000
POPULAR_CACHE_KEY = "profiles:search:popular:v1:{city_id}"
# Deliberately no version key (core.cache_versions): these are counts that only
# order the specialty links on the home and city pages, never a booking decision.
# A doctor verified or deactivated shows in (or leaves) them within 10 minutes;
# search results, profiles and booking read the doctors themselves, at once.
POPULAR_TTL = 10 * 60
POPULAR_COUNT = 6  # fills the home page's grid of two or three columns
# The home page's doctors with the soonest free slot in the visitor's city. Cached
# under a version that every change of a doctor's profile, clinics or next free
# slot bumps (so the slot shown is the real one), per city, viewer zone and day.
SOONEST_VERSION = "profiles:search:soonest"
SOONEST_CACHE_KEY = "profiles:search:soonest:v1:{version}:{stamp}:{city_id}:{zone}:{day}"
SOONEST_TTL = 10 * 60
SOONEST_COUNT = 3
# The city with the most bookable doctors: the home page's city for a new visitor.
BUSIEST_CITY_CACHE_KEY = "profiles:search:busiest-city:v1"
BUSIEST_CITY_TTL = 60 * 60
# The home page's city, as the visitor picked it (profiles.search.views.choose_city).
CITY_COOKIE = "city"


SORT_RELEVANCE, SORT_EXPERIENCE, SORT_FEE, SORT_AVAILABLE = "relevance", "experience", "fee", "available"
AVAILABLE_DAYS = {"today": 1, "3days": 3}
# In URLs lower-case: ?gender=female.
GENDER_CHOICES = [(value.lower(), label) for value, label in Gender.choices]

# PostgreSQL, for words that are neither a specialty nor a place: the ids `q`
# matches, each part served by an index (GIN on search_vector, GIN trigram on
# lower(full_name)), joined by UNION so that the planner can use each index
# (an OR across them cannot). The AND_ pieces narrow the full-text part to the
# specialties and places named.
SQL_TEXT_MATCH = (
    "SELECT id FROM profiles_doctorprofile WHERE search_vector @@ websearch_to_tsquery('english', %s)"
)
# Names like the words, for a misspelt name ("shrma", "vikram kulkarnii"): each
# word like a word of the name (a GIN trigram index scan per word, intersected;
# the whole phrase against the name would let "sunil deshpande" bring every
# Deshpande). Only while the words themselves find less than a page (20): "shah"
# has a thousand exact matches, and every "Shaha" would only push them down.
# The exact matches are counted over every doctor, whatever the filters (a
# cheap index count): twenty Shahs anywhere turn the look-alikes off, even for
# a filter that keeps none of them. A trade for speed, on purpose.
SQL_IDS_WHERE = "SELECT id FROM profiles_doctorprofile WHERE "
SQL_NAME_WORD_LIKE = "lower(%s) <%% lower(full_name)"
SQL_FEW_EXACT = (
    " AND (SELECT count(*) FROM (SELECT 1 FROM profiles_doctorprofile"
    " WHERE search_vector @@ websearch_to_tsquery('english', %s) LIMIT 20) AS exact) < 20"
)
NAME_WORDS_COMPARED = 4  # the first words of a long query are enough to find a name
SQL_AND_SPECIALTY = " AND id IN (SELECT doctorprofile_id FROM profiles_doctorprofile_specialties WHERE specialty_id = ANY(%s))"
# Current clinics only (archived ones keep history, not a place in search).
SQL_AND_LOCALITY = (
    " AND id IN (SELECT doctor_id FROM profiles_clinic WHERE locality_id = ANY(%s) AND archived_at IS NULL)"
)
SQL_AND_CITY = (
    " AND id IN (SELECT doctor_id FROM profiles_clinic WHERE city_id = ANY(%s) AND archived_at IS NULL)"
)
# Relevance: a close name (word similarity past 0.6, pg_trgm's bar for `<%`) plus ts_rank.
SQL_SCORE = (
    "(CASE WHEN word_similarity(lower(%s), lower(profiles_doctorprofile.full_name)) >= 0.6"
    " THEN word_similarity(lower(%s), lower(profiles_doctorprofile.full_name)) ELSE 0 END)"
    " + ts_rank(profiles_doctorprofile.search_vector, websearch_to_tsquery('english', %s))"
)


# --- Filters ------------------------------------------------------------------------------


@dataclass
class SearchFilters:
    """What to look for, already validated (see profiles.search.forms)."""

    q: str = ""
    specialty: SpecialtyRef | None = None
    city: CityRef | None = None
    locality: LocalityRef | None = None
    mode: str = ""  # a Mode, or "" for either
    fee_min: int | None = None  # rupees
    fee_max: int | None = None
    experience: int | None = None  # at least this many years
    gender: str = ""  # a Gender value
    language: LanguageRef | None = None
    available: str = ""  # "today", "3days" or ""
    sort: str = ""  # "" is relevance


def _through(name):
    return getattr(DoctorProfile, name).through


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _next_at_expression(mode):
    if mode:
        return F(DoctorProfile.NEXT_AT_FIELD[mode])
    # Least() of a NULL is NULL on SQLite (but not PostgreSQL): coalesce both ways.
    return Least(
        Coalesce("next_online_at", "next_in_person_at"), Coalesce("next_in_person_at", "next_online_at")
    )


def _fee_expression(mode):
    online, in_person = (
        Case(When(**{DoctorProfile.OFFERS_FIELD[m]: True}, then=F(DoctorProfile.FEE_FIELD[m])))
        for m in (Mode.ONLINE, Mode.IN_PERSON)
    )
    if mode:
        return online if mode == Mode.ONLINE else in_person
    return Least(Coalesce(online, in_person), Coalesce(in_person, online))


def _structured_condition(text: TextQuery):
    """The specialties and places `q` names, answered from indexes alone."""
    condition = Q()
    if text.specialty_ids:
        links = _through("specialties").objects.filter(specialty_id__in=text.specialty_ids)
        condition &= Q(pk__in=links.values("doctorprofile_id"))
    if text.locality_ids:
        condition &= Q(pk__in=Clinic.objects.filter(locality_id__in=text.locality_ids).values("doctor_id"))
    elif text.city_ids:
        condition &= Q(pk__in=Clinic.objects.filter(city_id__in=text.city_ids).values("doctor_id"))
    return condition


def _text_condition(text: TextQuery):
    """The doctors `q` matches, as a condition on the doctor's id."""
    if not text.rest:
        # Every word names a specialty or a place ("dentist", "skin rash kothrud"):
        # those doctors, from the link and clinic indexes. Full-text search would add
        # only doctors who merely mention a word (in a clinic's name), at the price
        # of reading thousands of rows.
        return _structured_condition(text)
    structured = bool(text.specialty_ids or text.has_place)
    if not _is_postgres():
        # The plain fallback: every word somewhere in the document, or the
        # specialties and places plus every other word.
        def every_word(words):
            condition = Q()
            for word in words:
                condition &= Q(search_text__icontains=word)
            return condition

        condition = every_word(text.words)
        if structured:
            condition |= _structured_condition(text) & every_word(text.rest)
        return condition
    # Some words are neither (a name, a clinic, a misspelt name): every word in the
    # document, or a name like the other words, or the specialties and places with
    # the other words in the document.
    name_words = list(text.rest[:NAME_WORDS_COMPARED])
    name_like = " AND ".join([SQL_NAME_WORD_LIKE] * len(name_words))
    parts = [SQL_TEXT_MATCH, SQL_IDS_WHERE + name_like + SQL_FEW_EXACT]
    params = [text.text, *name_words, text.text]
    if structured:
        sql, extra = SQL_TEXT_MATCH, [text.rest_text]
        if text.specialty_ids:
            sql += SQL_AND_SPECIALTY
            extra.append(list(text.specialty_ids))
        if text.locality_ids:
            sql += SQL_AND_LOCALITY
            extra.append(list(text.locality_ids))
        elif text.city_ids:
            sql += SQL_AND_CITY
            extra.append(list(text.city_ids))
        parts.append(sql)
        params += extra
    # Every value is a query parameter; the SQL itself is made of constants.
    return Q(pk__in=RawSQL(" UNION ".join(parts), params))  # noqa: S611


def _without_filtered(text: TextQuery, filters) -> TextQuery:
    """`text` without the specialty and place that the filters already require
    ("skin" with the Dermatologist filter): said twice, the condition would make
    PostgreSQL square its estimate of how many doctors match, and pick a plan
    for a handful when there are thousands. Only when every word is a specialty
    or a place: then `text` is the plain condition of _structured_condition, which
    the filter implies (with other words, the specialty and place also pick
    which doctors' documents to read)."""
    if text.rest:
        return text
    changes = {}
    if filters.specialty and filters.specialty.id in text.specialty_ids:
        changes["specialty_ids"] = ()
    if filters.locality and filters.locality.id in text.locality_ids:
        # The words' cities were never asked for beside a locality: they go too.
        changes["locality_ids"] = changes["city_ids"] = ()
    elif filters.city and not filters.locality and not text.locality_ids and filters.city.id in text.city_ids:
        changes["city_ids"] = ()
    return dataclasses.replace(text, **changes) if changes else text


def _relevance_order(text: TextQuery) -> list:
    """Relevance: doctors of the specialties `q` names first; then, on PostgreSQL
    and when some words are not a specialty (a name, a place), a close name plus
    ts_rank. When specialties explain every word, text scores would only reorder
    equals (at a computation per match): the caller's tie-breakers decide."""
    order = []
    if text.specialty_ids and text.rest:  # without other words, every match is in them
        in_specialty = _through("specialties").objects.filter(
            doctorprofile_id=OuterRef("pk"), specialty_id__in=text.specialty_ids
        )
        order.append(Exists(in_specialty).desc())
    if text.rest and _is_postgres():
        name_words = text.rest_text
        score = RawSQL(SQL_SCORE, (name_words, name_words, text.text), output_field=FloatField())  # noqa: S611
        order.append(score.desc())
    return order


def _matching(filters: SearchFilters, now):
    """(The doctors matching `filters`, unordered; what `q` says or None). The
    conditions go in with one filter() call after bookable(): each call copies
    the whole query."""
    conditions = []
    text = interpret(filters.q) if filters.q else None
    if text is not None and (text.words or text.specialty_ids):
        conditions.append(_text_condition(_without_filtered(text, filters)))
    else:
        text = None
    conditions += _filter_conditions(filters, now)
    return DoctorProfile.objects.bookable().filter(*conditions).order_by(), text


def _in_order(qs, filters: SearchFilters, text):
    qs = qs.annotate(next_at=_next_at_expression(filters.mode))
    soonest = F("next_at").asc(nulls_last=True)
    sort = filters.sort or SORT_RELEVANCE
    if sort == SORT_EXPERIENCE:
        order = [F("practising_since").asc(nulls_last=True), soonest]
    elif sort == SORT_FEE:
        qs = qs.annotate(fee=_fee_expression(filters.mode))
        order = [F("fee").asc(nulls_last=True), soonest]
    elif sort == SORT_RELEVANCE and text is not None:
        order = [*_relevance_order(text), soonest]
    else:
        order = [soonest]
    return qs.order_by(*order, "full_name", "pk")


def _filter_conditions(filters: SearchFilters, now) -> list:
    """The form's filters as conditions on a doctor."""
    conditions = []

    def linked(name, **lookup):
        return Exists(_through(name).objects.filter(doctorprofile_id=OuterRef("pk"), **lookup))

    def clinic_exists(**lookup):
        return Exists(Clinic.objects.filter(doctor_id=OuterRef("pk"), **lookup))

    if filters.specialty:
        conditions.append(linked("specialties", specialty_id=filters.specialty.id))
    if filters.locality:
        conditions.append(clinic_exists(locality_id=filters.locality.id))
    elif filters.city:
        conditions.append(clinic_exists(city_id=filters.city.id))
    if filters.language:
        conditions.append(linked("languages", language_id=filters.language.id))
    if filters.gender:
        conditions.append(Q(gender=filters.gender))
    if filters.experience:
        conditions.append(Q(practising_since__lte=timezone.localdate(now).year - filters.experience))

    offers = {mode: Q(**{field: True}) for mode, field in DoctorProfile.OFFERS_FIELD.items()}
    if filters.mode:
        conditions.append(offers[filters.mode])

    def in_the_mode(condition_for):
        """For the mode asked for, or for either: condition_for(mode) -> Q."""
        by_mode = {mode: offers[mode] & condition_for(mode) for mode in (Mode.ONLINE, Mode.IN_PERSON)}
        return by_mode.get(filters.mode) or (by_mode[Mode.ONLINE] | by_mode[Mode.IN_PERSON])

    if filters.fee_min is not None or filters.fee_max is not None:

        def fee_range(mode):
            field_name = DoctorProfile.FEE_FIELD[mode]
            condition = Q()
            if filters.fee_min is not None:
                condition &= Q(**{f"{field_name}__gte": filters.fee_min * 100})
            if filters.fee_max is not None:
                condition &= Q(**{f"{field_name}__lte": filters.fee_max * 100})
            return condition

        conditions.append(in_the_mode(fee_range))

    if filters.available in AVAILABLE_DAYS:
        zone = timezone.get_current_timezone()
        today = zones.local_date(now, zone)
        until = zones.local_midnight(today + timedelta(days=AVAILABLE_DAYS[filters.available]), zone)
        conditions.append(
            in_the_mode(
                lambda mode: Q(
                    **{
                        f"{DoctorProfile.NEXT_AT_FIELD[mode]}__gte": now,
                        f"{DoctorProfile.NEXT_AT_FIELD[mode]}__lt": until,
                    }
                )
            )
        )
    return conditions


# --- One page of results -----------------------------------------------------------------


@dataclass
class ResultsPage:
    """Where a page of results stands among the others."""

    number: int
    has_next: bool
    num_pages: int | None  # None past COUNT_LIMIT results: "Page 3", not "Page 3 of 51"

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


@dataclass
class SearchResults:
    page: ResultsPage
    cards: list  # of search_cards.DoctorCard
    total: int  # at most COUNT_LIMIT
    total_capped: bool  # more than COUNT_LIMIT doctors matched
    notices: list  # what we changed about the request, for the patient

    @property
    def total_label(self) -> str:
        """ "24", "1,000+"."""
        return f"{self.total:,}+" if self.total_capped else f"{self.total:,}"


def _scores_every_match(filters, text) -> bool:
    """Whether the order ranks by words, which PostgreSQL computes for every match."""
    return bool(
        _is_postgres()
        and text is not None
        and text.rest
        and (filters.sort or SORT_RELEVANCE) == SORT_RELEVANCE
    )


def _pages(count: int) -> int:
    return max((count + PAGE_SIZE - 1) // PAGE_SIZE, 1)


def search_page(filters: SearchFilters, page_number=1, *, now=None) -> SearchResults:
    """One page of PAGE_SIZE results and how many there are (counting stops
    past COUNT_LIMIT), then their cards (two queries).

    First the matches, unsorted, up to COUNT_LIMIT + 1: PostgreSQL joins the
    specialty's doctors with the city's clinics however suits the numbers, and
    the length is the count. Up to COUNT_LIMIT, the page is sorted from those
    ids alone. Past it the matches are dense enough for the sorted query to walk
    the soonest-first index and stop after the page; walking it for a rare
    combination ("endocrinologists in Visakhapatnam") would read the whole index
    (385 ms). Ranking by words scores every match anyway: one query with a
    window count. A page past the end shows the last page and says so.
    """
    now = now or timezone.now()
    matching, text = _matching(filters, now)
    notices = []
    number = max(int(page_number or 1), 1)
    if _scores_every_match(filters, text):
        rows = _in_order(matching, filters, text).annotate(matches=Window(Count("pk")))
        rows = rows.values_list("pk", "matches")
        count = None
    else:
        found = list(matching.values_list("pk", flat=True)[: COUNT_LIMIT + 1])
        count = len(found)
        candidates = matching if count > COUNT_LIMIT else DoctorProfile.objects.filter(pk__in=found)
        rows = _in_order(candidates, filters, text).annotate(matches=Value(count, IntegerField()))
        rows = rows.values_list("pk", "matches")

    def page_of(number):
        if count == 0:
            return [], 0
        # One row more than a page: is there a next page?
        page = list(rows[(number - 1) * PAGE_SIZE : number * PAGE_SIZE + 1])
        return [pk for pk, _ in page], (page[0][1] if page else count)

    page_ids, count = page_of(number)
    if not page_ids and number > 1:
        count = count if count is not None and count <= COUNT_LIMIT else matching.count()
        last = _pages(count)
        if count:
            notices.append(f"There is no page {number}; here is page {last}, the last one.")
            page_ids, _ = page_of(last)
        number = last
    count = count or 0
    total, capped = min(count, COUNT_LIMIT), count > COUNT_LIMIT
    context = search_cards.CardContext(
        reference=reference_data(),
        mode=filters.mode,
        city_id=filters.city.id if filters.city else None,
        locality_id=filters.locality.id if filters.locality else None,
        now=now,
        zone=timezone.get_current_timezone(),
    )
    return SearchResults(
        page=ResultsPage(number, len(page_ids) > PAGE_SIZE, None if capped else _pages(total)),
        cards=search_cards.doctor_cards(page_ids[:PAGE_SIZE], context),
        total=total,
        total_capped=capped,
        notices=notices,
    )


# --- Landing pages and the home page -------------------------------------------------------


def landing_title(*, city, specialty=None) -> str:
    """ "Dermatologists in Pune", "Doctors in Pune"."""
    return f"{specialty.plural if specialty else 'Doctors'} in {city.name}"


def _cached(key, build, timeout):
    """`build()`, kept under `key` for `timeout` seconds; with the cache down
    (Redis not answering), built every time and kept nowhere, as
    core.cache_versions fails open."""
    try:
        value = cache.get(key)
    except Exception:
        logger.warning("Cache read of %s failed: built afresh", key, exc_info=True)
        return build()
    if value is None:
        value = build()
        try:
            cache.set(key, value, timeout)
        except Exception:
            logger.warning("Cache write of %s failed", key, exc_info=True)
    return value


def popular_specialties(city, *, limit=POPULAR_COUNT) -> list:
    """The specialties with bookable doctors in `city`, the most doctors first,
    at most `limit`: [(SpecialtyRef, count)]. None without doctors there: a
    specialty that leads to an empty page is not "popular". One aggregate query
    per city every POPULAR_TTL seconds."""
    if city is None:
        return []
    reference = reference_data()

    def build():
        doctors = DoctorProfile.objects.bookable().filter(
            Exists(Clinic.objects.filter(doctor_id=OuterRef("pk"), city_id=city.id))
        )
        return dict(
            _through("specialties")
            .objects.filter(doctorprofile_id__in=doctors.values("pk"))
            .values_list("specialty_id")
            .annotate(n=Count("doctorprofile_id"))
            .order_by("-n", "specialty_id")
            .values_list("specialty_id", "n")[:limit]
        )

    counts = _cached(POPULAR_CACHE_KEY.format(city_id=city.id), build, POPULAR_TTL)
    chosen = [(reference.specialty_by_id(pk), n) for pk, n in counts.items() if reference.specialty_by_id(pk)]
    chosen.sort(key=lambda item: (-item[1], item[0].name))
    return chosen[:limit]


def _upcoming_at(mode, now):
    """The doctor's next free slot in `mode` if it is offered and still ahead, else NULL."""
    field_name = DoctorProfile.NEXT_AT_FIELD[mode]
    ahead = Q(**{DoctorProfile.OFFERS_FIELD[mode]: True, f"{field_name}__gte": now})
    return Case(When(ahead, then=F(field_name)))


def soonest_doctors(city, *, limit=SOONEST_COUNT, now=None) -> list:
    """The cards of the bookable doctors with a clinic in `city` whose next free
    slot in that city comes first, soonest first, at most `limit`; [] when
    nobody there has a free slot. Three queries when the cache is cold (the
    ids, then the cards), none when warm: cached per city, viewer zone and day
    (the cards say "Today, 4:30 PM") under SOONEST_VERSION; nothing kept when
    the cache is down.

    "In that city": a doctor keeps one next clinic slot across all their
    clinics, so it counts only for a doctor whose clinics are all in `city`
    (else it may be a Pune clinic's slot shown to a Mumbai visitor); a video
    consult counts wherever the clinics are. The cards follow the same rule
    (CardContext.local_slots_only)."""
    if city is None:
        return []
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    reference = reference_data()

    def build():
        online = _upcoming_at(Mode.ONLINE, now)
        elsewhere = Exists(Clinic.objects.filter(doctor_id=OuterRef("pk")).exclude(city_id=city.id))
        in_person = Case(When(~elsewhere, then=_upcoming_at(Mode.IN_PERSON, now)))
        ids = list(
            _matching(SearchFilters(city=city), now)[0]
            .annotate(soonest=Least(Coalesce(online, in_person), Coalesce(in_person, online)))
            .filter(soonest__isnull=False)
            .order_by("soonest", "full_name", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        context = search_cards.CardContext(
            reference=reference, city_id=city.id, now=now, zone=zone, local_slots_only=True
        )
        return search_cards.doctor_cards(ids, context)

    version = cache_versions.current(SOONEST_VERSION)
    if version is None:  # the cache is down: no key names this version, keep nothing
        cards = build()
    else:
        key = SOONEST_CACHE_KEY.format(
            version=version,
            stamp=reference.stamp,
            city_id=city.id,
            zone=zone,
            day=zones.local_date(now, zone).isoformat(),
        )
        cards = _cached(key, build, SOONEST_TTL)
    # A slot that has begun since the cards were cached is no longer free.
    return [card for card in cards if card.next_at and card.next_at >= now]


def soonest_changed() -> None:
    """Some doctors' next free slots moved: every process reads the soonest afresh."""
    cache_versions.bump_with_commit(SOONEST_VERSION)


def busiest_city():
    """The city with the most bookable doctors, else the first city by name
    (no doctors yet), else None. One aggregate query every BUSIEST_CITY_TTL."""
    reference = reference_data()

    def build():
        return (
            Clinic.objects.filter(doctor_id__in=DoctorProfile.objects.bookable().values("pk"))
            .values("city_id")
            .annotate(doctors=Count("doctor_id", distinct=True))
            .order_by("-doctors", "city__name")
            .values_list("city_id", flat=True)
            .first()
        ) or 0

    city_id = _cached(BUSIEST_CITY_CACHE_KEY, build, BUSIEST_CITY_TTL)
    return reference.city_by_id(city_id) or reference.default_city


def visitor_city(*, user, cookie="") -> tuple:
    """(city, from_profile): the logged-in patient's city from their details,
    else the one they picked on the home page or in search (cookie), else the
    city with the most bookable doctors."""
    reference = reference_data()
    if user.is_authenticated and getattr(user, "is_patient", False):
        city_id = PatientProfile.objects.filter(user=user).values_list("city_id", flat=True).first()
        if city_id and reference.city_by_id(city_id):
            return reference.city_by_id(city_id), True
    return reference.city(cookie) or busiest_city(), False


# Every change that can move what the home page shows: a doctor's profile
# (name, photo, status, fees), their clinics; next free slots are written in
# bulk by services.doctors_next_available_set, which bumps it itself.
cache_versions.bump_on_change(SOONEST_VERSION, DoctorProfile, Clinic)


@receiver(post_save, sender=User, dispatch_uid="profiles-search-soonest-doctor-account")
def _doctor_account_saved(sender, instance, update_fields=None, **kwargs):
    """A doctor's account deactivated (or reactivated) takes them off (or puts
    them back on) the home page at once. A login saves only last_login: no bump."""
    if instance.role == User.Role.DOCTOR and (update_fields is None or "is_active" in update_fields):
        soonest_changed()
