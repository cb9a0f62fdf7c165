"""Write the request paths each benchmarked endpoint walks, one file per endpoint
in bench/data/, from what the benchmark database holds (specialties and their
synonyms, cities, localities, doctors' names and slugs).

    DATABASE_URL=postgres://.../medconsult_bench python bench/queries.py

A search endpoint gets at least 500 different queries, in a shuffled but fixed
order, so the benchmark measures search rather than a cache of one answer.
"""

import argparse
import os
import random
import re
from pathlib import Path
from urllib.parse import urlencode

import psycopg

DATA = Path(__file__).resolve().parent / "data"
MIN_SEARCHES = 500

# Misspellings patients really type, besides the generated ones.
KNOWN_TYPOS = [
    "cardiolgist", "dermatalogist", "dermatoligist", "pediatrition", "peadiatrician", "gynacologist",
    "gynecologyst", "opthalmologist", "orthopedic", "orthopaedician", "psychiatrst", "neurolgist",
    "dentst", "gastroentrologist", "pulmonolgist", "endocrinolgist", "urolgist", "physiotherepist",
    "dietician", "homeopath doctor", "ayurvedic doctor", "ent doctor", "skin docter", "child specialist",
]  # fmt: skip
PHRASES = ["{} near me", "best {}", "{} in {city}", "{} {city}", "{} {locality}", "{} doctor"]


def words(term: str) -> str:
    return re.sub(r"\s+", " ", term.strip().lower())


def typo(rng, word: str) -> str:
    """One slip of the keyboard: a letter dropped, doubled or swapped with the next."""
    if len(word) < 6:
        return word
    i = rng.randrange(2, len(word) - 2)
    kind = rng.choice(["drop", "double", "swap"])
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def read_database(url: str) -> dict:
    with psycopg.connect(url) as conn:
        specialties = conn.execute(
            "SELECT name, slug, keywords FROM profiles_specialty ORDER BY id"
        ).fetchall()
        cities = conn.execute("SELECT id, name, slug FROM profiles_city ORDER BY id").fetchall()
        localities = conn.execute("SELECT city_id, name FROM profiles_locality ORDER BY id").fetchall()
        # A fixed sample spread over the whole table (md5 order is stable and random-looking).
        doctors = conn.execute(
            "SELECT slug, full_name FROM profiles_doctorprofile WHERE status = 'VERIFIED' "
            "ORDER BY md5(slug) LIMIT 2000"
        ).fetchall()
        clinics = conn.execute(
            "SELECT DISTINCT name FROM profiles_clinic ORDER BY name LIMIT 5000"
        ).fetchall()
        city_doctors = dict(
            conn.execute("SELECT city_id, count(DISTINCT doctor_id) FROM profiles_clinic GROUP BY city_id")
        )
    return {
        "specialties": specialties,
        "cities": cities,
        "localities": localities,
        "doctors": doctors,
        "clinics": [name for (name,) in clinics],
        # Patients search where the doctors are: big cities get more searches.
        "city_weights": [city_doctors.get(city_id, 0) + 1 for city_id, _, _ in cities],
    }


def text_queries(rng, db) -> list[str]:
    """What patients type in the search box: specialties, symptoms and synonyms,
    typos, doctors' names, localities, and mixes of those with a place."""
    specialties, cities, localities = db["specialties"], db["cities"], db["localities"]
    synonyms = sorted({words(k) for _, _, keywords in specialties for k in keywords.split(",") if k.strip()})
    names = [words(name) for name, _, _ in specialties]
    people = [words(full_name.removeprefix("Dr. ")) for _, full_name in db["doctors"]]
    queries = set(names) | set(synonyms) | set(KNOWN_TYPOS)
    queries |= {typo(rng, name) for name in names for _ in range(2)}
    queries |= set(rng.sample(people, 120))
    queries |= {f"dr {p.split()[-1]}" for p in rng.sample(people, 60)}
    queries |= {p.split()[-1] for p in rng.sample(people, 60)}
    queries |= {typo(rng, p) for p in rng.sample(people, 40)}
    queries |= {words(name) for _, name in rng.sample(localities, 120)}
    queries |= {words(name) for name in rng.sample(db["clinics"], 30)}
    for _ in range(150):
        what = rng.choice(names + synonyms)
        city = rng.choices(cities, db["city_weights"])[0]
        locality = rng.choice([name for city_id, name in localities if city_id == city[0]])
        queries.add(words(rng.choice(PHRASES).format(what, city=city[1], locality=locality)))
    return sorted(queries)


def search_paths(rng, db) -> list[str]:
    return [f"/doctors/?{urlencode({'q': q})}" for q in text_queries(rng, db)]


def filtered_paths(rng, db, count, available) -> list[str]:
    """Text plus city, specialty and availability ("today" or "3days"): a patient
    who typed a symptom, then picked their city and the specialty the page suggested."""
    specialties, cities, localities = db["specialties"], db["cities"], db["localities"]
    seen, paths = set(), []
    while len(paths) < count:
        name, slug, keywords = rng.choice(specialties)
        city_id, _, city_slug = rng.choices(cities, db["city_weights"])[0]
        roll = rng.random()
        if roll < 0.6:
            q = words(rng.choice([name, *keywords.split(",")]))
        elif roll < 0.8:
            q = words(rng.choice([loc for cid, loc in localities if cid == city_id]))
        else:
            q = words(rng.choice(db["doctors"])[1].split()[-1])
        key = (q, city_slug, slug)
        if key in seen:
            continue
        seen.add(key)
        query = {"q": q, "city": city_slug, "specialty": slug, "available": available}
        paths.append(f"/doctors/?{urlencode(query)}")
    return paths


def landing_paths(rng, db, count) -> list[str]:
    pairs = [(c[2], s[1]) for c in db["cities"] for s in db["specialties"]]
    return [f"/find/{city}/{specialty}/" for city, specialty in rng.sample(pairs, min(count, len(pairs)))]


def write(name: str, paths: list[str]) -> Path:
    DATA.mkdir(exist_ok=True)
    target = DATA / f"{name}.txt"
    target.write_text("\n".join(paths) + "\n")
    return target


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--count", type=int, default=600, help="paths per endpoint (at least 500 for search)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)  # noqa: S311 (benchmark queries, not secrets)
    db = read_database(os.environ["DATABASE_URL"])

    search = search_paths(rng, db)
    rng.shuffle(search)
    doctors = [slug for slug, _ in db["doctors"]]
    files = {
        "healthz": ["/healthz"],
        "home": ["/"],
        "search_text": search,
        "search_filtered": filtered_paths(rng, db, max(args.count, MIN_SEARCHES), "today"),
        # "Today" finds little late in the evening; three days always has doctors.
        "search_3days": filtered_paths(rng, db, max(args.count, MIN_SEARCHES), "3days"),
        "landing": landing_paths(rng, db, args.count),
        "doctor": [f"/doctors/{slug}/" for slug in doctors[: args.count]],
        "slots": [f"/doctors/{slug}/slots/" for slug in doctors[args.count : 2 * args.count]],
        # Both windows of the admin analytics page (a staff session; bench/staff_session.py).
        "analytics": ["/admin/analytics/?days=30", "/admin/analytics/?days=90"],
    }
    for name, paths in files.items():
        if name.startswith("search") and len(paths) < MIN_SEARCHES:
            raise SystemExit(f"only {len(paths)} {name} queries; the benchmark wants {MIN_SEARCHES}")
        print(f"  {write(name, paths).relative_to(DATA.parent.parent)}: {len(paths)} paths")


if __name__ == "__main__":
    main()
