"""What the patient typed, understood: the search document a doctor is found
by, and free text split into the specialties and places it names and the
words left over (see profiles.search.query for how each part is matched).
"""

import difflib
import re
from dataclasses import dataclass

from profiles.search.reference import reference_data

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
# interpret() remembers this many texts: patients repeat searches, and a misspelt
# word costs a difflib pass over every synonym.
INTERPRETED_KEPT = 4096

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
    """A near miss ("cardiolgist", "dentst", "generall"): difflib ratio >= FUZZY_RATIO,
    on the words or on their stems, both at least FUZZY_MIN_LENGTH letters (a short
    stem is too easy to resemble: "rakesh" is not "rash")."""
    a, b = _stem(word), _stem(term)
    return word == term or a == b or _close(word, term) or _close(a, b)


def _close(a: str, b: str) -> bool:
    if min(len(a), len(b)) < FUZZY_MIN_LENGTH:
        return False
    # A ratio >= FUZZY_RATIO needs lengths within that proportion: skip the rest cheaply.
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
            if len(word) >= FUZZY_MIN_LENGTH:
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
    if len(word) < FUZZY_MIN_LENGTH:
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


_interpreted: dict = {}  # (reference stamp, text) -> TextQuery


def interpret(q: str, reference=None) -> TextQuery:
    """Split what the patient typed into specialties, places and the words left over.

    "skin rash" -> Dermatologist; "cardiolgist pune" -> Cardiologist in Pune;
    "generall surgeon" -> General Surgeon; "asha rao" -> the words "asha", "rao".
    """
    reference = reference or reference_data()
    text = " ".join(WORD_RE.findall((q or "").lower()))
    key = (reference.stamp, text)
    found = _interpreted.get(key)
    if found is None:
        found = _interpret(text.split(), reference)
        if len(_interpreted) >= INTERPRETED_KEPT:
            _interpreted.clear()  # one step, safe if threads share the process
        _interpreted[key] = found
    return found


def _interpret(tokens: list, reference) -> TextQuery:
    index = _term_index(reference)
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
