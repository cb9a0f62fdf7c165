"""Doctor search: the query (query.py), its form (forms.py), the result cards
(cards.py), reading the words (terms.py), the cached reference data
(reference.py) and the pages (views.py).

Other code imports what it needs from here, not from the modules inside.
"""

from profiles.search.query import (
    CITY_COOKIE,
    popular_specialties,
    soonest_changed,
    soonest_doctors,
    visitor_city,
)
from profiles.search.reference import reference_data
from profiles.search.terms import interpret, search_document

__all__ = [
    "CITY_COOKIE",
    "interpret",
    "popular_specialties",
    "reference_data",
    "search_document",
    "soonest_changed",
    "soonest_doctors",
    "visitor_city",
]
