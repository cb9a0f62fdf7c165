"""The search filters' <select>s are built by hand (profiles.search.forms): their
ARIA attributes must reach the browser as written, escaped once (issue 10, point 17)."""

import re

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db

URL = "/doctors/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _locality_select(html):
    match = re.search(r'<select name="locality"[^>]*>', html)
    assert match, "no locality select on the page"
    return match.group(0)


def test_locality_select_without_city_links_its_help_text(client):
    response = client.get(URL)

    select = _locality_select(response.content.decode())
    assert 'aria-describedby="id_locality_helptext"' in select
    assert "&quot;" not in select
    assert " disabled" in select
    assert 'id="id_locality_helptext"' in response.content.decode()


def test_locality_select_with_unknown_locality_is_invalid_and_names_the_error(client):
    response = client.get(URL, {"city": "pune", "locality": "atlantis"})

    html = response.content.decode()
    select = _locality_select(html)
    assert 'aria-invalid="true"' in select
    assert 'aria-describedby="id_locality_error"' in select
    assert "&quot;" not in select
    assert "disabled" not in select
    assert 'id="id_locality_error"' in html


def test_locality_select_without_city_and_a_locality_names_help_and_error(client):
    response = client.get(URL, {"locality": "kothrud"})

    select = _locality_select(response.content.decode())
    assert 'aria-invalid="true"' in select
    assert 'aria-describedby="id_locality_helptext id_locality_error"' in select
