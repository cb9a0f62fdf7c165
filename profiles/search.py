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
   similarity, index-backed); doctors of the specialties and places named
   whose document holds the left-over words. Relevance: of the specialty
   named first, then a close name plus ts_rank (PostgreSQL), then the
   earliest free slot.

Only VERIFIED doctors with an active account are ever searched. A page of
results costs five queries whatever its size (the page's ids with the total,
those doctors, their specialties, languages and clinics; one when nothing
matches), plus four for the reference data when the cache is cold.
"""

import difflib
import re
import secrets
import zlib
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Least
from django.db.models.signals import post_delete, post_save
from django.utils import dateformat, timezone

from accounts.models import User
from profiles.models import City, Clinic, DoctorProfile, Gender, Language, Locality, PatientProfile, Specialty

PAGE_SIZE = 20
REFERENCE_CACHE_KEY = "profiles:search:reference:v1"
REFERENCE_VERSION_KEY = "profiles:search:reference-version:v1"
REFERENCE_TTL = 10 * 60
POPULAR_CACHE_KEY = "profiles:search:popular:v1:{city_id}"
POPULAR_TTL = 10 * 60
POPULAR_COUNT = 6  # fills the home page's grid of two or three columns
# The home page's city, as the visitor picked it (profiles.views_search.choose_city).
CITY_COOKIE = "city"

MODE_ONLINE, MODE_IN_PERSON = "online", "in_person"
# The slot picker's own names for the modes (appointments.models.Mode).
PICKER_MODES = {MODE_ONLINE: "ONLINE", MODE_IN_PERSON: "IN_PERSON"}

SORT_RELEVANCE, SORT_EXPERIENCE, SORT_FEE, SORT_AVAILABLE = "relevance", "experience", "fee", "available"
AVAILABLE_DAYS = {"today": 1, "3days": 3}
# In URLs lower-case: ?gender=female.
GENDER_CHOICES = [(value.lower(), label) for value, label in Gender.choices]

# Words that say nothing about which doctor: "best skin doctor near me".
NOISE_WORDS = frozenset(
    {"a", "an", "and", "at", "best", "doctor", "doctors", "dr", "expert", "for", "good", "in", "me", "my"}
    | {"near", "of", "specialist", "specialists", "the", "to", "top", "with"}
)
# Words of specialty names too general to point at one ("General Surgeon").
GENERIC_NAME_WORDS = frozenset({"general", "specialist"})
WORD_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
SUFFIXES = ("icians", "ician", "ists", "ist", "ians", "ian", "ics", "ic", "ies", "es", "y", "s")
FUZZY_RATIO = 0.8
FUZZY_MIN_LENGTH = 5

# PostgreSQL, for words that are neither a specialty nor a place: the ids `q`
# matches, each part served by an index (GIN on search_vector, GIN trigram on
# lower(full_name)), joined by UNION so that the planner can use each index
# (an OR across them cannot). The AND_ pieces narrow the full-text part to the
# specialties and places named.
SQL_TEXT_MATCH = (
    "SELECT id FROM profiles_doctorprofile WHERE search_vector @@ websearch_to_tsquery('english', %s)"
)
SQL_NAME_SIMILAR = "SELECT id FROM profiles_doctorprofile WHERE lower(%s) <%% lower(full_name)"
SQL_AND_SPECIALTY = " AND id IN (SELECT doctorprofile_id FROM profiles_doctorprofile_specialties WHERE specialty_id = ANY(%s))"
SQL_AND_LOCALITY = " AND id IN (SELECT doctor_id FROM profiles_clinic WHERE locality_id = ANY(%s))"
SQL_AND_CITY = " AND id IN (SELECT doctor_id FROM profiles_clinic WHERE city_id = ANY(%s))"
# Relevance: a close name (word similarity past 0.6, pg_trgm's bar for `<%`) plus ts_rank.
SQL_SCORE = (
    "(CASE WHEN word_similarity(lower(%s), lower(profiles_doctorprofile.full_name)) >= 0.6"
    " THEN word_similarity(lower(%s), lower(profiles_doctorprofile.full_name)) ELSE 0 END)"
    " + ts_rank(profiles_doctorprofile.search_vector, websearch_to_tsquery('english', %s))"
)


# --- Reference data (small, read on every search: cached) -------------------------------


@dataclass(frozen=True)
class SpecialtyRef:
    id: int
    name: str
    slug: str
    description: str
    terms: tuple  # lower-case: the name and every synonym

    @property
    def plural(self) -> str:
        """ "Dermatologists", "ENT Specialists", "Ayurveda doctors"."""
        if self.name.lower().endswith(("ist", "ian", "eon", "path")):
            return f"{self.name}s"
        return f"{self.name} doctors"


@dataclass(frozen=True)
class CityRef:
    id: int
    name: str
    slug: str


@dataclass(frozen=True)
class LocalityRef:
    id: int
    city_id: int
    name: str
    slug: str


@dataclass(frozen=True)
class LanguageRef:
    id: int
    name: str
    code: str


@dataclass
class Reference:
    specialties: list
    cities: list  # by name: the first is the default city
    localities: list
    languages: list
    stamp: int = 0
    _by: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self._by = {
            "specialty": {s.slug: s for s in self.specialties},
            "specialty_id": {s.id: s for s in self.specialties},
            "city": {c.slug: c for c in self.cities},
            "city_id": {c.id: c for c in self.cities},
            "language": {lang.code: lang for lang in self.languages},
            "locality": {(loc.city_id, loc.slug): loc for loc in self.localities},
        }

    def specialty(self, slug):
        return self._by["specialty"].get(slug)

    def specialty_by_id(self, pk):
        return self._by["specialty_id"].get(pk)

    def city(self, slug):
        return self._by["city"].get(slug)

    def city_by_id(self, pk):
        return self._by["city_id"].get(pk)

    def language(self, code):
        return self._by["language"].get(code)

    def locality(self, city, slug):
        return self._by["locality"].get((city.id, slug)) if city else None

    def localities_of(self, city):
        return [loc for loc in self.localities if city and loc.city_id == city.id]

    @property
    def default_city(self):
        return self.cities[0] if self.cities else None


def _split_terms(specialty) -> tuple:
    terms = [specialty.name.lower(), *(k.strip().lower() for k in specialty.keywords.split(","))]
    return tuple(dict.fromkeys(t for t in terms if t))


def _load_reference() -> Reference:
    specialties = [
        SpecialtyRef(s.id, s.name, s.slug, s.description, _split_terms(s))
        for s in Specialty.objects.order_by("name")
    ]
    cities = [CityRef(c.id, c.name, c.slug) for c in City.objects.order_by("name")]
    localities = [
        LocalityRef(loc.id, loc.city_id, loc.name, loc.slug)
        for loc in Locality.objects.order_by("city_id", "name")
    ]
    languages = [LanguageRef(lang.id, lang.name, lang.code) for lang in Language.objects.order_by("name")]
    stamp = zlib.crc32(repr((specialties, cities, localities, languages)).encode())
    return Reference(specialties, cities, localities, languages, stamp)


# This process's copy of the reference data and its version: unpickling the data
# from the cache on every request would cost ~2 ms (hundreds of localities).
_reference_memo = {"version": None, "data": None}


def reference_data() -> Reference:
    """Specialties, cities, localities and languages: four queries when the
    cache is cold, none when warm (one small cache read for the version).
    Saving any of them drops the version, so every process reloads."""
    version = cache.get(REFERENCE_VERSION_KEY)
    if version is not None and version == _reference_memo["version"]:
        return _reference_memo["data"]
    stored = cache.get(REFERENCE_CACHE_KEY) if version is not None else None
    if stored is not None and stored[0] == version:
        data = stored[1]
    else:
        data = _load_reference()
        version = secrets.token_hex(8)
        cache.set(REFERENCE_CACHE_KEY, (version, data), REFERENCE_TTL)
        cache.set(REFERENCE_VERSION_KEY, version, REFERENCE_TTL)
    _reference_memo.update(version=version, data=data)
    return data


def reference_data_clear(**kwargs):
    cache.delete_many([REFERENCE_VERSION_KEY, REFERENCE_CACHE_KEY])
    _reference_memo.update(version=None, data=None)


for _model in (Specialty, City, Locality, Language):
    post_save.connect(reference_data_clear, sender=_model, dispatch_uid=f"search-ref-save-{_model.__name__}")
    post_delete.connect(
        reference_data_clear, sender=_model, dispatch_uid=f"search-ref-delete-{_model.__name__}"
    )


# --- The search document ---------------------------------------------------------------


def search_document(profile) -> str:
    """The text a doctor is found by: name, specialties and their synonyms,
    clinic names, localities and cities (one per line, no repeats). Reads
    `specialties` and `clinics` (with locality and city): prefetch them."""
    parts = [profile.full_name]
    for specialty in profile.specialties.all():
        parts += [specialty.name, specialty.keywords]
    for clinic in profile.clinics.all():
        parts += [clinic.name, clinic.locality.name, clinic.city.name]
    seen, kept = set(), []
    for part in (p.strip() for p in parts if p):
        if part and part.lower() not in seen:
            seen.add(part.lower())
            kept.append(part)
    return "\n".join(kept)


# --- Free text -> specialties, places and the rest -----------------------------------------


def _stem(word: str) -> str:
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _similar(word: str, term: str) -> bool:
    """A near miss ("cardiolgist", "generall"): difflib ratio >= 0.8 on the stems."""
    a, b = _stem(word), _stem(term)
    if a == b:
        return True
    if min(len(a), len(b)) < FUZZY_MIN_LENGTH - 1 or len(a) < FUZZY_MIN_LENGTH:
        return False
    # A ratio >= 0.8 needs lengths within that proportion: skip the rest cheaply.
    if 2 * min(len(a), len(b)) / (len(a) + len(b)) < FUZZY_RATIO:
        return False
    matcher = difflib.SequenceMatcher(None, a, b)
    return matcher.quick_ratio() >= FUZZY_RATIO and matcher.ratio() >= FUZZY_RATIO


@dataclass(frozen=True)
class _TermIndex:
    phrases: tuple  # ((words...), specialty id), longest first
    exact: dict  # word or stem -> {specialty ids}
    fuzzy: tuple  # (word, specialty id), words long enough to compare
    places: tuple  # ((words...), "city" | "locality", id), longest first


_term_indexes: dict = {}


def _term_index(reference) -> _TermIndex:
    index = _term_indexes.get(reference.stamp)
    if index is not None:
        return index
    phrases, exact, fuzzy = [], {}, set()
    for specialty in reference.specialties:
        singles = set()
        for term in specialty.terms:
            words = tuple(WORD_RE.findall(term))
            if len(words) > 1:
                phrases.append((words, specialty.id))
                if term == specialty.name.lower():
                    singles.update(w for w in words if w not in GENERIC_NAME_WORDS)
            elif words:
                singles.add(words[0])
        for word in singles:
            for key in {word, _stem(word)}:
                exact.setdefault(key, set()).add(specialty.id)
            if len(_stem(word)) >= FUZZY_MIN_LENGTH - 1:
                fuzzy.add((word, specialty.id))
    places = [(tuple(WORD_RE.findall(c.name.lower())), "city", c.id) for c in reference.cities]
    places += [(tuple(WORD_RE.findall(loc.name.lower())), "locality", loc.id) for loc in reference.localities]
    # Longest first, so "chest pain" wins over a shorter overlapping phrase.
    phrases.sort(key=lambda item: -len(item[0]))
    places.sort(key=lambda item: -len(item[0]))
    index = _TermIndex(tuple(phrases), exact, tuple(sorted(fuzzy)), tuple(p for p in places if p[0]))
    _term_indexes.clear()  # only the current reference data's index is kept
    _term_indexes[reference.stamp] = index
    return index


@dataclass(frozen=True)
class TextQuery:
    words: tuple  # meaningful words of q, lower-case
    specialty_ids: tuple  # specialties q names, by name, synonym or near miss
    rest: tuple  # words neither a specialty nor a place explains (a name, a clinic...)
    city_ids: tuple = ()  # cities q names ("pune")
    locality_ids: tuple = ()  # localities q names ("kothrud", "salt lake")

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def rest_text(self) -> str:
        return " ".join(self.rest)

    @property
    def has_place(self) -> bool:
        return bool(self.city_ids or self.locality_ids)


def _fuzzy_hits(word, index) -> set:
    if len(_stem(word)) < FUZZY_MIN_LENGTH:
        return set()
    return {specialty_id for term, specialty_id in index.fuzzy if _similar(word, term)}


def _match_phrases(tokens, consumed, phrases, *, fuzzy):
    """(start, size, value) for each phrase found among the tokens not yet consumed,
    marking them consumed; longest phrases first."""
    hits = []
    for words, *value in phrases:
        size = len(words)
        for start in range(len(tokens) - size + 1):
            if any(consumed[start : start + size]):
                continue
            window = tokens[start : start + size]
            if all(t == w or (fuzzy and _similar(t, w)) for t, w in zip(window, words, strict=True)):
                hits.append(value)
                consumed[start : start + size] = [True] * size
    return hits


def interpret(q: str, reference=None) -> TextQuery:
    """Split what the patient typed into specialties, places and the words left over.

    "skin rash" -> Dermatologist; "cardiolgist pune" -> Cardiologist in Pune;
    "generall surgeon" -> General Surgeon; "asha rao" -> the words "asha", "rao".
    """
    reference = reference or reference_data()
    index = _term_index(reference)
    tokens = WORD_RE.findall((q or "").lower())
    consumed = [False] * len(tokens)
    found = {specialty_id for (specialty_id,) in _match_phrases(tokens, consumed, index.phrases, fuzzy=True)}
    places = _match_phrases(tokens, consumed, index.places, fuzzy=False)
    rest = []
    for token, used in zip(tokens, consumed, strict=True):
        if used or token in NOISE_WORDS:
            continue
        hits = index.exact.get(token) or index.exact.get(_stem(token)) or _fuzzy_hits(token, index)
        if hits:
            found |= hits
        else:
            rest.append(token)
    if found:
        # "general" said around a specialty is part of its name, however spelt.
        rest = [t for t in rest if not any(_similar(t, g) for g in GENERIC_NAME_WORDS)]
    city_ids = {pk for kind, pk in places if kind == "city"}
    locality_ids = {pk for kind, pk in places if kind == "locality"}
    if city_ids and locality_ids:
        # "kothrud pune": the Kothrud in Pune (a locality name can recur in other cities).
        in_city = {
            loc.id for loc in reference.localities if loc.id in locality_ids and loc.city_id in city_ids
        }
        if in_city:
            locality_ids, city_ids = in_city, set()
    return TextQuery(
        words=tuple(t for t in tokens if t not in NOISE_WORDS),
        specialty_ids=tuple(sorted(found)),
        rest=tuple(rest),
        city_ids=tuple(sorted(city_ids)),
        locality_ids=tuple(sorted(locality_ids)),
    )


# --- Filters ------------------------------------------------------------------------------


@dataclass
class SearchFilters:
    """What to look for, already validated (see profiles.search_forms)."""

    q: str = ""
    specialty: SpecialtyRef | None = None
    city: CityRef | None = None
    locality: LocalityRef | None = None
    mode: str = ""  # MODE_ONLINE, MODE_IN_PERSON or "" for either
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
    if mode == MODE_ONLINE:
        return F("next_online_at")
    if mode == MODE_IN_PERSON:
        return F("next_in_person_at")
    # Least() of a NULL is NULL on SQLite (but not PostgreSQL): coalesce both ways.
    return Least(
        Coalesce("next_online_at", "next_in_person_at"), Coalesce("next_in_person_at", "next_online_at")
    )


def _fee_expression(mode):
    online = Case(When(offers_online=True, then=F("fee_online")))
    in_person = Case(When(offers_in_person=True, then=F("fee_in_person")))
    if mode == MODE_ONLINE:
        return online
    if mode == MODE_IN_PERSON:
        return in_person
    return Least(Coalesce(online, in_person), Coalesce(in_person, online))


def _local_midnight(day, zone):
    return timezone.make_aware(datetime.combine(day, time.min), zone)


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
    parts, params = [SQL_TEXT_MATCH, SQL_NAME_SIMILAR], [text.text, text.rest_text]
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


def search_queryset(filters: SearchFilters, *, now=None):
    """Verified doctors matching `filters`, in the order asked for."""
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    # "No inactive account" rather than a join to every account: an anti-join
    # against the few deactivated ones.
    inactive = User.objects.filter(pk=OuterRef("user_id"), is_active=False)
    qs = DoctorProfile.objects.filter(~Exists(inactive), status=DoctorProfile.Status.VERIFIED)
    text = interpret(filters.q) if filters.q else None
    if text is not None and (text.words or text.specialty_ids):
        qs = qs.filter(_text_condition(text))
    else:
        text = None

    def clinic_exists(**lookup):
        return Exists(Clinic.objects.filter(doctor_id=OuterRef("pk"), **lookup))

    if filters.specialty:
        qs = qs.filter(
            Exists(
                _through("specialties").objects.filter(
                    doctorprofile_id=OuterRef("pk"), specialty_id=filters.specialty.id
                )
            )
        )
    if filters.locality:
        qs = qs.filter(clinic_exists(locality_id=filters.locality.id))
    elif filters.city:
        qs = qs.filter(clinic_exists(city_id=filters.city.id))
    if filters.language:
        qs = qs.filter(
            Exists(
                _through("languages").objects.filter(
                    doctorprofile_id=OuterRef("pk"), language_id=filters.language.id
                )
            )
        )
    if filters.gender:
        qs = qs.filter(gender=filters.gender)
    if filters.experience:
        qs = qs.filter(practising_since__lte=timezone.localdate(now).year - filters.experience)

    online = Q(offers_online=True)
    in_person = Q(offers_in_person=True)
    if filters.mode == MODE_ONLINE:
        qs = qs.filter(online)
    elif filters.mode == MODE_IN_PERSON:
        qs = qs.filter(in_person)

    if filters.fee_min is not None or filters.fee_max is not None:

        def fee_range(field_name):
            condition = Q()
            if filters.fee_min is not None:
                condition &= Q(**{f"{field_name}__gte": filters.fee_min * 100})
            if filters.fee_max is not None:
                condition &= Q(**{f"{field_name}__lte": filters.fee_max * 100})
            return condition

        by_mode = {
            MODE_ONLINE: online & fee_range("fee_online"),
            MODE_IN_PERSON: in_person & fee_range("fee_in_person"),
        }
        qs = qs.filter(by_mode.get(filters.mode) or (by_mode[MODE_ONLINE] | by_mode[MODE_IN_PERSON]))

    if filters.available in AVAILABLE_DAYS:
        today = timezone.localtime(now, zone).date()
        until = _local_midnight(today + timedelta(days=AVAILABLE_DAYS[filters.available]), zone)
        by_mode = {
            MODE_ONLINE: online & Q(next_online_at__gte=now, next_online_at__lt=until),
            MODE_IN_PERSON: in_person & Q(next_in_person_at__gte=now, next_in_person_at__lt=until),
        }
        qs = qs.filter(by_mode.get(filters.mode) or (by_mode[MODE_ONLINE] | by_mode[MODE_IN_PERSON]))

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


def doctors_for_cards(ids) -> list:
    """The doctors with these ids, in this order, with what a result card shows:
    four queries whatever the number."""
    doctors = DoctorProfile.objects.filter(pk__in=ids).prefetch_related(
        "specialties",
        "languages",
        Prefetch("clinics", queryset=Clinic.objects.select_related("city", "locality")),
    )
    by_id = {doctor.pk: doctor for doctor in doctors}
    return [by_id[pk] for pk in ids if pk in by_id]


# --- One page of results -----------------------------------------------------------------


@dataclass
class DoctorCard:
    """One result, with its words ready: a template loop per card costs more than this."""

    doctor: DoctorProfile
    clinic: Clinic | None
    next_at: datetime | None
    next_mode: str  # the slot picker's mode: "ONLINE" or "IN_PERSON"
    next_day: object
    next_label: str
    specialties: str = ""  # "Dermatologist · General Physician"
    languages: str = ""  # "English, Hindi"
    place: str = ""  # "Lotus Skin Centre · Kothrud, Pune"


@dataclass
class SearchResults:
    page: Page
    cards: list
    total: int
    notices: list  # what we changed about the request, for the patient


def _day_label(day, today) -> str:
    if day == today:
        return "Today"
    if day == today + timedelta(days=1):
        return "Tomorrow"
    return f"{day:%a}, {day.day} {day:%b}"


def _card(doctor, filters, *, now, zone) -> DoctorCard:
    clinics = list(doctor.clinics.all())
    clinic = next(
        (
            c
            for c in clinics
            if (filters.locality and c.locality_id == filters.locality.id)
            or (not filters.locality and filters.city and c.city_id == filters.city.id)
        ),
        clinics[0] if clinics else None,
    )
    candidates = []
    if filters.mode != MODE_IN_PERSON and doctor.offers_online and doctor.next_online_at:
        candidates.append((doctor.next_online_at, MODE_ONLINE))
    if filters.mode != MODE_ONLINE and doctor.offers_in_person and doctor.next_in_person_at:
        candidates.append((doctor.next_in_person_at, MODE_IN_PERSON))
    # A value older than now is stale (the refresher has not run yet): say nothing.
    candidates = [c for c in candidates if c[0] >= now]
    words = {
        "specialties": " · ".join(s.name for s in doctor.specialties.all()),
        "languages": ", ".join(lang.name for lang in doctor.languages.all()),
        "place": f"{clinic.name} · {clinic.locality.name}, {clinic.city.name}" if clinic else "",
    }
    if not candidates:
        return DoctorCard(doctor, clinic, None, "", None, "", **words)
    moment, mode = min(candidates)
    local = timezone.localtime(moment, zone)
    label = f"{_day_label(local.date(), timezone.localtime(now, zone).date())}, {dateformat.format(local, 'g:i A')}"
    if str(zone) != doctor.time_zone:
        label += f" {local.tzname()}"
    return DoctorCard(doctor, clinic, moment, PICKER_MODES[mode], local.date(), label, **words)


def search_page(filters: SearchFilters, page_number=1, *, now=None) -> SearchResults:
    """One page of PAGE_SIZE results and the total.

    First the page's ids with the total (a window count over the matches) in
    one narrow query: sorting and counting thousands of matches never carries
    whole profile rows. Then those doctors with their details (four queries).
    A page past the end shows the last page and says so (one more query).
    """
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    qs = search_queryset(filters, now=now)
    counted = qs.annotate(total_count=Window(Count("pk"))).values_list("pk", "total_count")
    notices = []
    number = max(int(page_number or 1), 1)
    rows = list(counted[(number - 1) * PAGE_SIZE : number * PAGE_SIZE])
    if not rows and number > 1:
        total = qs.count()
        last = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        notices.append(f"There is no page {number}; here is page {last}, the last one.")
        number = last
        rows = list(counted[(number - 1) * PAGE_SIZE : number * PAGE_SIZE])
    total = rows[0][1] if rows else 0
    doctors = doctors_for_cards([pk for pk, _ in rows]) if rows else []
    paginator = Paginator([], PAGE_SIZE)
    paginator.count = total  # known already: no COUNT query
    page = Page(doctors, number, paginator)
    cards = [_card(doctor, filters, now=now, zone=zone) for doctor in doctors]
    return SearchResults(page=page, cards=cards, total=total, notices=notices)


# --- Landing pages and the home page -------------------------------------------------------


def landing_title(*, city, specialty=None) -> str:
    """ "Dermatologists in Pune", "Doctors in Pune"."""
    return f"{specialty.plural if specialty else 'Doctors'} in {city.name}"


def popular_specialties(city, *, limit=POPULAR_COUNT) -> list:
    """The specialties with the most bookable doctors in `city`, then the
    others in the reference order, `limit` in all: [(SpecialtyRef, count)].
    One aggregate query per city every POPULAR_TTL seconds."""
    reference = reference_data()
    if city is None:
        return [(s, 0) for s in reference.specialties[:limit]]
    key = POPULAR_CACHE_KEY.format(city_id=city.id)
    counts = cache.get(key)
    if counts is None:
        doctors = DoctorProfile.objects.filter(
            Exists(Clinic.objects.filter(doctor_id=OuterRef("pk"), city_id=city.id)),
            status=DoctorProfile.Status.VERIFIED,
            user__is_active=True,
        )
        counts = dict(
            _through("specialties")
            .objects.filter(doctorprofile_id__in=doctors.values("pk"))
            .values_list("specialty_id")
            .annotate(n=Count("doctorprofile_id"))
            .order_by("-n", "specialty_id")
            .values_list("specialty_id", "n")[:limit]
        )
        cache.set(key, counts, POPULAR_TTL)
    chosen = [(reference.specialty_by_id(pk), n) for pk, n in counts.items() if reference.specialty_by_id(pk)]
    chosen.sort(key=lambda item: (-item[1], item[0].name))
    taken = {s.id for s, _ in chosen}
    # Too few doctors in a new city: fill up with the specialties patients ask for most
    # (the reference data is seeded in that order).
    for specialty in sorted(reference.specialties, key=lambda s: s.id):
        if len(chosen) >= limit:
            break
        if specialty.id not in taken:
            chosen.append((specialty, 0))
    return chosen[:limit]


def visitor_city(*, user, cookie="") -> tuple:
    """(city, from_profile): the logged-in patient's city from their details,
    else the one picked on the home page (cookie), else the first city by name."""
    reference = reference_data()
    if user.is_authenticated and getattr(user, "is_patient", False):
        city_id = PatientProfile.objects.filter(user=user).values_list("city_id", flat=True).first()
        if city_id and reference.city_by_id(city_id):
            return reference.city_by_id(city_id), True
    return reference.city(cookie) or reference.default_city, False
