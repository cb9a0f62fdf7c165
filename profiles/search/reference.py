"""Search's reference data: specialties (with the words patients use for
them), cities, localities and languages. Small, read on every search, and
changed only by staff: cached under a version number in the shared cache,
bumped by every change, so that every process reloads after it.
"""

import time
import zlib
from dataclasses import dataclass, field

from django.core.cache import cache

from core import cache_versions
from profiles.models import City, Language, Locality, Specialty

REFERENCE_CACHE_KEY = "profiles:search:reference:v2"
REFERENCE_VERSION = "profiles:search:reference"
REFERENCE_TTL = 10 * 60


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
            "language_id": {lang.id: lang for lang in self.languages},
            "locality": {(loc.city_id, loc.slug): loc for loc in self.localities},
            "locality_id": {loc.id: loc for loc in self.localities},
        }
        # Each specialty's place in the name order, to list a doctor's specialties sorted.
        self.specialty_rank = {s.id: n for n, s in enumerate(self.specialties)}
        self.language_rank = {lang.id: n for n, lang in enumerate(self.languages)}

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

    def language_by_id(self, pk):
        return self._by["language_id"].get(pk)

    def locality_by_id(self, pk):
        return self._by["locality_id"].get(pk)

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
# Kept no longer than the cached copy, so a change made without signals (a data
# migration, a bulk write) is seen within REFERENCE_TTL too.
_reference_memo = {"version": None, "data": None, "until": 0.0}


def reference_data() -> Reference:
    """Specialties, cities, localities and languages: four queries when the
    cache is cold, none when warm (one small cache read for the version).
    Saving or deleting any of them bumps the version in the shared cache, so
    every process reloads (core.cache_versions)."""
    version = cache_versions.current(REFERENCE_VERSION)
    if version is None:  # the cache is down: read the database, keep nothing
        return _load_reference()
    if version == _reference_memo["version"] and time.monotonic() < _reference_memo["until"]:
        return _reference_memo["data"]
    key = f"{REFERENCE_CACHE_KEY}:{version}"
    data = cache.get(key)
    if data is None:
        data = _load_reference()
        cache.set(key, data, REFERENCE_TTL)
    _reference_memo.update(version=version, data=data, until=time.monotonic() + REFERENCE_TTL)
    return data


cache_versions.bump_on_change(REFERENCE_VERSION, Specialty, City, Locality, Language)
