"""Load the benchmark data set with PostgreSQL COPY: 100,000 verified doctors with
clinics, specialties, languages, qualifications and weekly hours; 50,000
patients; 1,000,000 appointments over the past and the next 30 days; 100,000
consultation rooms of online appointments with 2,000,000 messages.

    DATABASE_URL=postgres://.../medconsult_bench python bench/load.py

It expects a freshly migrated, empty database (bench/run.py makes one). Every
doctor is in Asia/Kolkata (UTC+05:30 all year), so local times convert to UTC
by subtraction. The random generator is seeded: the same arguments give the
same data, except that appointment dates are relative to today.
"""

import argparse
import os
import random
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medconsult.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils.text import slugify  # noqa: E402

from accounts.models import User  # noqa: E402
from appointments.models import Appointment, AvailabilityRule, BookingSettings  # noqa: E402
from bench import refdata  # noqa: E402
from consultations.models import ConsultationSession, Message  # noqa: E402
from profiles.models import (  # noqa: E402
    City,
    Clinic,
    DoctorProfile,
    Language,
    Locality,
    Mode,
    PatientProfile,
    Qualification,
    Specialty,
)

IST = timedelta(hours=5, minutes=30)
DAYS_BACK, DAYS_AHEAD = 30, 30
ACTIVE = {"REQUESTED", "PENDING_PAYMENT", "CONFIRMED"}
DEFAULT_NOTICE_MINUTES = BookingSettings._meta.get_field("min_notice_minutes").default
DEFAULT_HORIZON_DAYS = BookingSettings._meta.get_field("horizon_days").default
EMAIL_DOMAIN = "bench.medconsult.local"


@dataclass
class Block:
    """Weekly hours on some weekdays: one AvailabilityRule row per weekday."""

    weekdays: tuple
    start: int  # minutes after local midnight
    end: int
    slot: int
    online: bool
    clinic_id: int | None

    @property
    def slots(self) -> int:
        return (self.end - self.start) // self.slot


@dataclass
class Doctor:
    id: int
    user_id: int
    name: str
    slug: str
    gender: str
    city: dict
    specialties: list
    offers_online: bool
    offers_in_person: bool
    fee_online: int | None
    fee_in_person: int | None
    practising_since: int
    clinics: list = field(default_factory=list)  # (id, name, locality name)
    blocks: list = field(default_factory=list)
    notice: int = DEFAULT_NOTICE_MINUTES
    horizon: int = DEFAULT_HORIZON_DAYS


class Timer:
    def __init__(self):
        self.started = time.monotonic()
        self.rows = {}

    def step(self, label, rows, since, *, partial=False):
        """Print a step's rate; `partial` steps are part of a later one and not added up."""
        seconds = time.monotonic() - since
        if not partial:
            self.rows[label] = (rows, seconds)
        print(
            f"  {label:<28} {rows:>10,} rows in {seconds:6.1f} s  ({rows / max(seconds, 1e-9):>10,.0f} rows/s)"
        )


def copy_rows(cursor, model_or_table, columns, rows) -> int:
    """COPY `rows` (tuples in the order of `columns`) into the table; returns how many."""
    table = model_or_table if isinstance(model_or_table, str) else model_or_table._meta.db_table
    quoted = ", ".join(f'"{c}"' for c in columns)
    count = 0
    with cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


@contextmanager
def indexes_rebuilt(cursor, model):
    """Drop the table's indexes and constraints (all but the primary key) around a
    bulk load and build them again after it: one sort per index and one join per
    foreign key cost far less than maintaining them row by row. Rebuilding also
    validates every row (the no-overlap exclusion constraint included)."""
    table = model._meta.db_table
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype <> 'p' ORDER BY contype = 'f', conname",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
        [table],
    )
    indexes = cursor.fetchall()
    for name, _ in reversed(constraints):
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    started = time.monotonic()
    for _, definition in indexes:
        cursor.execute(definition)
    for name, definition in constraints:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    print(f"  rebuilt {len(indexes)} indexes and {len(constraints)} constraints of {table} "
          f"in {time.monotonic() - started:.1f} s")  # fmt: skip


def next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {model._meta.db_table}")  # noqa: S608
        return cursor.fetchone()[0]


# --- Reference data -------------------------------------------------------------------------


def ensure_reference(rng) -> tuple[list, list, dict]:
    """50 cities with 8-15 localities each, 30 specialties; returns them with the languages."""
    for name, state, _ in refdata.EXTRA_CITIES:
        City.objects.get_or_create(slug=slugify(name), defaults={"name": name, "state": state})
    extra_localities = {slugify(name): names for name, _, names in refdata.EXTRA_CITIES}
    cities = []
    for city in City.objects.order_by("id"):
        have = {loc.slug for loc in city.localities.all()}
        wanted = extra_localities.get(city.slug, []) + rng.sample(
            refdata.COMMON_LOCALITIES, len(refdata.COMMON_LOCALITIES)
        )
        target = rng.randint(8, 15)
        for name in wanted:
            if len(have) >= target:
                break
            if slugify(name) not in have:
                Locality.objects.create(city=city, name=name, slug=slugify(name))
                have.add(slugify(name))
        cities.append(
            {
                "id": city.pk,
                "name": city.name,
                "slug": city.slug,
                "state": city.state,
                "localities": list(city.localities.order_by("id").values_list("id", "name")),
            }
        )
    for name, description, keywords in refdata.EXTRA_SPECIALTIES:
        Specialty.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "description": description, "keywords": keywords}
        )
    specialties = list(Specialty.objects.order_by("id").values("id", "name", "keywords"))
    languages = dict(Language.objects.values_list("name", "id"))
    return cities, specialties, languages


# --- Doctors -----------------------------------------------------------------------------------


def city_weight(city) -> int:
    if city["name"] in {"Bengaluru", "Mumbai", "Delhi"}:
        return 6
    if city["slug"] in {slugify(name) for name, _, _ in refdata.EXTRA_CITIES}:
        return 1
    return 3


def weekdays(rng, count) -> tuple:
    return tuple(sorted(rng.sample(range(7), count)))


def make_blocks(rng, doctor: Doctor) -> list[Block]:
    """Weekly hours that never overlap within a day, whatever the mode (one doctor,
    one place at a time): early online 07:00-09:00, clinic mornings 09:00-14:00,
    online afternoons 14:30-16:30, clinic evenings 17:00-20:30, online nights 20:30-22:30."""
    blocks = []
    if doctor.offers_in_person:
        slot = rng.choice([10, 15, 15, 20])
        start = rng.choice([540, 570, 600, 630, 660])
        days = tuple(range(6)) if rng.random() < 0.7 else tuple(range(5))
        blocks.append(
            Block(
                days,
                start,
                min(start + rng.choice([150, 180, 210, 240]), 840),
                slot,
                False,
                doctor.clinics[0][0],
            )
        )
        if rng.random() < 0.55:
            clinic = doctor.clinics[-1][0]
            start = rng.choice([1020, 1050, 1080])
            blocks.append(
                Block(weekdays(rng, rng.randint(3, 6)), start, rng.choice([1200, 1230]), slot, False, clinic)
            )
    if doctor.offers_online:
        slot = rng.choice([15, 15, 20, 30])
        if not doctor.offers_in_person:
            blocks.append(
                Block(weekdays(rng, rng.randint(5, 6)), 600, rng.choice([720, 780]), slot, True, None)
            )
        window = rng.choice([(870, 990), (1230, 1350), (420, 540), (900, 990)])
        blocks.append(Block(weekdays(rng, rng.randint(3, 7)), *window, slot, True, None))
    return blocks


def make_doctors(
    rng, cities, specialties, first_doctor_id, first_user_id, first_clinic_id, count
) -> list[Doctor]:
    city_weights = [city_weight(c) for c in cities]
    specialty_weights = [refdata.SPECIALTY_WEIGHTS.get(s["name"], 1) for s in specialties]
    by_name = {s["name"]: s for s in specialties}
    used_slugs = set()
    doctors = []
    clinic_id = first_clinic_id
    this_year = date.today().year
    for n in range(count):
        city = rng.choices(cities, city_weights)[0]
        region = refdata.REGION_OF_STATE.get(city["state"], "north")
        gender = "FEMALE" if rng.random() < 0.45 else "MALE"
        first = rng.choice(refdata.FEMALE_NAMES if gender == "FEMALE" else refdata.MALE_NAMES)
        surnames = (
            refdata.SURNAMES[region]
            if rng.random() < 0.8
            else refdata.SURNAMES[rng.choice(list(refdata.SURNAMES))]
        )
        last = rng.choice(surnames)
        base = slugify(f"{first} {last}")
        slug = base
        while slug in used_slugs:
            slug = f"{base}-{rng.getrandbits(24):06x}"
        used_slugs.add(slug)
        chosen = rng.choices(specialties, specialty_weights)[0:1]
        related = [by_name[name] for name in refdata.RELATED.get(chosen[0]["name"], []) if name in by_name]
        chosen += rng.sample(related, min(len(related), rng.choice([0, 0, 1, 1, 2])))
        names = {s["name"] for s in chosen}
        if names & refdata.HANDS_ON:
            online, in_person = rng.random() < 0.35, True
        elif names & refdata.TALKING:
            online, in_person = True, rng.random() < 0.7
        else:
            online, in_person = rng.random() < 0.75, True
        doctor = Doctor(
            id=first_doctor_id + n,
            user_id=first_user_id + n,
            name=f"Dr. {first} {last}",
            slug=slug,
            gender=gender,
            city=city,
            specialties=chosen,
            offers_online=online,
            offers_in_person=in_person,
            fee_online=rng.randrange(200, 1001, 50) * 100 if online else None,
            fee_in_person=rng.randrange(300, 1501, 50) * 100 if in_person else None,
            practising_since=this_year - min(int(rng.expovariate(1 / 12)) + 1, 45),
        )
        for _ in range(1 if rng.random() < 0.65 else 2):
            locality = rng.choice(city["localities"])
            kind = rng.choice(refdata.CLINIC_KINDS)
            style = rng.random()
            if style < 0.4:
                clinic_name = f"{rng.choice(refdata.CLINIC_WORDS)} {kind}"
            elif style < 0.7:
                clinic_name = f"Dr. {last}'s {kind}"
            else:
                clinic_name = f"{locality[1]} {kind}"
            doctor.clinics.append((clinic_id, clinic_name, locality))
            clinic_id += 1
        if rng.random() < 0.25:
            doctor.notice = rng.choice([30, 60, 120, 240])
            doctor.horizon = rng.choice([14, 30, 60])
        doctor.blocks = make_blocks(rng, doctor)
        doctors.append(doctor)
    return doctors


def bio(doctor: Doctor, languages: list[str]) -> str:
    specialty = doctor.specialties[0]
    treats = ", ".join(k.strip() for k in specialty["keywords"].split(",")[:4])
    years = date.today().year - doctor.practising_since
    article = "an" if specialty["name"][0] in "AEIOU" else "a"
    return (
        f"{doctor.name} is {article} {specialty['name'].lower()} in {doctor.city['name']} with {years} years of "
        f"experience, seeing patients for {treats}. Consults in {', '.join(languages)}."
    )


def doctor_languages(rng, doctor: Doctor) -> list[str]:
    spoken = ["English"] if rng.random() < 0.95 else []
    for name in refdata.STATES.get(doctor.city["state"], ("", "", ["Hindi"]))[2]:
        if rng.random() < 0.75 and name not in spoken:
            spoken.append(name)
    if "Hindi" not in spoken and rng.random() < 0.4:
        spoken.append("Hindi")
    return spoken or ["English"]


USER_COLUMNS = [
    "id",
    "password",
    "email",
    "full_name",
    "role",
    "is_active",
    "is_staff",
    "is_superuser",
    "date_joined",
]
DOCTOR_COLUMNS = [
    "id",
    "user_id",
    "slug",
    "full_name",
    "photo",
    "gender",
    "registration_number",
    "registration_council",
    "practising_since",
    "bio",
    "offers_online",
    "offers_in_person",
    "fee_online",
    "fee_in_person",
    "time_zone",
    "status",
    "rejection_reason",
    "submitted_at",
    "decided_at",
    "updated_at",
]
CLINIC_COLUMNS = ["id", "doctor_id", "name", "address", "city_id", "locality_id", "phone"]
QUALIFICATION_COLUMNS = ["doctor_id", "degree", "institution", "year"]
RULE_COLUMNS = ["doctor_id", "weekday", "start", "end", "slot_minutes", "mode", "clinic_id"]
SETTINGS_COLUMNS = ["doctor_id", "min_notice_minutes", "horizon_days", "approval_required"]
PATIENT_COLUMNS = [
    "user_id",
    "full_name",
    "gender",
    "phone",
    "time_zone",
    "blood_group",
    "allergies",
    "chronic_conditions",
    "emergency_contact_name",
    "emergency_contact_phone",
    "updated_at",
    "city_id",
]
APPOINTMENT_COLUMNS = [
    "doctor_id",
    "patient_id",
    "mode",
    "clinic_id",
    "start",
    "end",
    "status",
    "reason",
    "fee",
    "hold_expires_at",
    "payment_state",
    "payment_ref",
    "created_at",
    "updated_at",
]


def doctor_user_rows(doctors, password, now):
    joined = now - timedelta(days=400)
    for d in doctors:
        yield d.user_id, password, f"{d.slug}@{EMAIL_DOMAIN}", d.name, "DOCTOR", True, False, False, joined


class _Related(list):
    """Stands in for a prefetched related manager: `.all()` gives the rows."""

    def all(self):
        return self


def search_document_builder():
    """profiles' own builder of the search document, when the tree has one, so the
    loader writes exactly what profiles.services would; None when there is none."""
    if not any(f.name == "search_text" for f in DoctorProfile._meta.get_fields()):
        return None
    try:
        from profiles.search import search_document
    except ImportError:
        return None

    def build(d: Doctor) -> str:
        specialties = _Related(SimpleNamespace(name=s["name"], keywords=s["keywords"]) for s in d.specialties)
        clinics = _Related(
            SimpleNamespace(
                name=name, locality=SimpleNamespace(name=locality), city=SimpleNamespace(name=d.city["name"])
            )
            for _, name, (_, locality) in d.clinics
        )
        return search_document(SimpleNamespace(full_name=d.name, specialties=specialties, clinics=clinics))

    return build


def doctor_rows(rng, doctors, spoken, now, search_document):
    for d in doctors:
        prefix, council, _ = refdata.STATES[d.city["state"]]
        registration = f"{prefix}/{d.practising_since}/{rng.randint(1000, 99999):05d}"
        decided = now - timedelta(days=rng.randint(1, 300))
        submitted = decided - timedelta(days=2)
        row = (
            d.id, d.user_id, d.slug, d.name, "", d.gender, registration, council, d.practising_since,
            bio(d, spoken[d.id]), d.offers_online, d.offers_in_person, d.fee_online, d.fee_in_person,
            "Asia/Kolkata", "VERIFIED", "", submitted, decided, decided,
        )  # fmt: skip
        yield (*row, search_document(d)) if search_document else row


def clinic_rows(rng, doctors):
    for d in doctors:
        for clinic_id, name, (locality_id, locality) in d.clinics:
            address = f"{rng.randint(1, 250)}, {rng.choice(refdata.ROADS)}, {locality}, {d.city['name']}"
            phone = f"+91 {rng.randint(70000, 99999)} {rng.randint(10000, 99999)}"
            yield clinic_id, d.id, name, address, d.city["id"], locality_id, phone


def qualification_rows(rng, doctors, this_year):
    for d in doctors:
        first_degree, higher = refdata.DEGREES[d.specialties[0]["name"]]
        yield d.id, first_degree, rng.choice(refdata.COLLEGES), d.practising_since
        degree = rng.choice(higher)
        if degree:
            year = min(d.practising_since + rng.randint(3, 6), this_year)
            yield d.id, degree, rng.choice(refdata.COLLEGES), year


def _clock(minutes):
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def rule_rows(doctors):
    for d in doctors:
        for b in d.blocks:
            mode = (Mode.ONLINE if b.online else Mode.IN_PERSON).value
            for day in b.weekdays:
                yield d.id, day, _clock(b.start), _clock(b.end), b.slot, mode, b.clinic_id


def settings_rows(rng, doctors):
    for d in doctors:
        if (d.notice, d.horizon) != (DEFAULT_NOTICE_MINUTES, DEFAULT_HORIZON_DAYS):
            yield d.id, d.notice, d.horizon, rng.random() < 0.1


def load_doctors(cursor, rng, doctors, specialties, languages, password, now, timer):
    spoken = {d.id: doctor_languages(rng, d) for d in doctors}
    search_document = search_document_builder()
    doctor_columns = DOCTOR_COLUMNS + (["search_text"] if search_document else [])
    if search_document is None:
        print("  (no profiles.search.search_document in this tree: search_text left empty)")
    steps = [
        ("users (doctors)", User, USER_COLUMNS, doctor_user_rows(doctors, password, now)),
        (
            "doctor profiles",
            DoctorProfile,
            doctor_columns,
            doctor_rows(rng, doctors, spoken, now, search_document),
        ),
        (
            "doctor specialties",
            DoctorProfile.specialties.through,
            ["doctorprofile_id", "specialty_id"],
            ((d.id, s["id"]) for d in doctors for s in d.specialties),
        ),
        (
            "doctor languages",
            DoctorProfile.languages.through,
            ["doctorprofile_id", "language_id"],
            ((d.id, languages[name]) for d in doctors for name in spoken[d.id]),
        ),
        ("clinics", Clinic, CLINIC_COLUMNS, clinic_rows(rng, doctors)),
        ("qualifications", Qualification, QUALIFICATION_COLUMNS, qualification_rows(rng, doctors, now.year)),
        ("availability rules", AvailabilityRule, RULE_COLUMNS, rule_rows(doctors)),
        ("booking settings", BookingSettings, SETTINGS_COLUMNS, settings_rows(rng, doctors)),
    ]
    for label, model, columns, rows in steps:
        start = time.monotonic()
        if model in (DoctorProfile, AvailabilityRule):
            with indexes_rebuilt(cursor, model):
                count = copy_rows(cursor, model, columns, rows)
        else:
            count = copy_rows(cursor, model, columns, rows)
        timer.step(label, count, start)


def load_patients(cursor, rng, cities, first_user_id, count, password, now, timer) -> list[int]:
    ids = list(range(first_user_id, first_user_id + count))
    people = []
    for _ in ids:
        gender = rng.choice(["FEMALE", "MALE"])
        first = rng.choice(refdata.FEMALE_NAMES if gender == "FEMALE" else refdata.MALE_NAMES)
        last = rng.choice(refdata.SURNAMES[rng.choice(list(refdata.SURNAMES))])
        people.append((gender, f"{first} {last}", rng.choice(cities)["id"]))
    joined = now - timedelta(days=200)
    start = time.monotonic()
    rows = copy_rows(
        cursor,
        User,
        USER_COLUMNS,
        (
            (uid, password, f"patient{uid}@{EMAIL_DOMAIN}", name, "PATIENT", True, False, False, joined)
            for uid, (_, name, _) in zip(ids, people, strict=True)
        ),
    )
    rows += copy_rows(
        cursor,
        PatientProfile,
        PATIENT_COLUMNS,
        (
            (uid, name, gender, "", "Asia/Kolkata", "", "", "", "", "", now, city_id)
            for uid, (gender, name, city_id) in zip(ids, people, strict=True)
        ),
    )
    timer.step("patients (users + profiles)", rows, start)
    return ids


# --- Appointments ---------------------------------------------------------------------------------


def appointment_counts(rng, doctors, total) -> list[int]:
    """A skewed split of `total`: some doctors are much busier than others."""
    weights = [rng.lognormvariate(0, 0.9) for _ in doctors]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    for i in rng.sample(range(len(doctors)), total - sum(counts)):
        counts[i] += 1
    return counts


def past_status(rng, online: bool) -> str:
    roll = rng.random()
    if roll < 0.80:
        return "COMPLETED"
    if roll < 0.91:
        return "CANCELLED"
    if roll < 0.96:
        return "NO_SHOW"
    return "EXPIRED" if online else "DECLINED"


def future_status(rng, online: bool) -> str:
    roll = rng.random()
    if roll < 0.86:
        return "CONFIRMED"
    if roll < 0.96:
        return "CANCELLED"
    return "PENDING_PAYMENT" if online else "REQUESTED"


def load_appointments(cursor, rng, doctors, patients, total, now, timer) -> dict:
    """Appointments on the doctors' own slots, never two at one start for a doctor
    (and slots of one doctor never overlap), so the no-overlap constraint holds.
    Returns the taken future starts per doctor: {doctor id: set of UTC datetimes}."""
    today = (now + IST).date()
    midnight = {d: datetime.combine(today + timedelta(days=d), datetime.min.time(), tzinfo=UTC) - IST
                for d in range(-DAYS_BACK, DAYS_AHEAD)}  # fmt: skip
    weekday_of = {d: (today + timedelta(days=d)).weekday() for d in midnight}
    days_by_weekday = {w: [d for d in midnight if weekday_of[d] == w] for w in range(7)}
    counts = appointment_counts(rng, doctors, total)
    taken_future: dict[int, set] = {}
    made = 0
    start_time = time.monotonic()

    def rows():
        nonlocal made
        carried = 0  # what a doctor could not take goes to the next one, so the total is exact
        for doctor, count in zip(doctors, counts, strict=True):
            blocks = doctor.blocks
            weights = [b.slots * len(b.weekdays) for b in blocks]
            # At most half of a doctor's slots, so a free slot stays easy to find.
            capacity = sum(weights) * (DAYS_BACK + DAYS_AHEAD) // 7 // 2
            wanted = count + carried
            carried = max(wanted - capacity, 0)
            seen = set()
            for _ in range(wanted - carried):
                while True:
                    block = rng.choices(blocks, weights)[0]
                    day = rng.choice(days_by_weekday[rng.choice(block.weekdays)])
                    minute = block.start + rng.randrange(block.slots) * block.slot
                    if (day, minute) not in seen:
                        break
                seen.add((day, minute))
                start = midnight[day] + timedelta(minutes=minute)
                end = start + timedelta(minutes=block.slot)
                online = block.online
                if start < now:
                    status = past_status(rng, online)
                else:
                    status = future_status(rng, online)
                    if status in ACTIVE:
                        taken_future.setdefault(doctor.id, set()).add(start)
                created = min(start - timedelta(minutes=rng.randint(60, 14 * 24 * 60)), now)
                hold = created + Appointment.HOLD if status == "PENDING_PAYMENT" else None
                updated = min(end, now) if status in {"COMPLETED", "NO_SHOW"} else created
                # Online consults are paid before they are confirmed (the payments issue);
                # the payment rows themselves are not loaded: search does not read them.
                paid = online and status in {"CONFIRMED", "COMPLETED", "NO_SHOW"}
                payment = ("PAID", f"pay_bench{made:09d}") if paid else ("UNPAID", "")
                made += 1
                yield (
                    doctor.id, rng.choice(patients), (Mode.ONLINE if online else Mode.IN_PERSON).value, block.clinic_id,
                    start, end, status, rng.choice(refdata.VISIT_REASONS),
                    doctor.fee_online if online else doctor.fee_in_person, hold, *payment, created, updated,
                )  # fmt: skip

    with indexes_rebuilt(cursor, Appointment):
        copy_rows(cursor, Appointment, APPOINTMENT_COLUMNS, rows())
        timer.step("appointments (COPY)", made, start_time, partial=True)
    timer.step("appointments (with indexes)", made, start_time)
    return taken_future


# --- Consultation rooms and their messages ------------------------------------------------------

CHAT = [
    "Hello doctor, the rash has spread a little since yesterday.",
    "Hello, thank you for the details. Does it itch more at night?",
    "Yes, mostly at night, and after a hot shower.",
    "Please send a clear photo of the area in daylight.",
    "I have been taking the tablets after food as you said.",
    "Good. Continue for five more days, then we review.",
    "Is it okay to take paracetamol for the fever?",
    "Yes, 500 mg up to three times a day, with water, after food.",
    "The blood report came today; shall I upload it here?",
    "Thank you, I will check the report and write back this evening.",
    "The pain is less today but the swelling is still there.",
    "Keep the leg raised and apply a cold pack for 15 minutes, twice a day.",
]
SESSION_COLUMNS = [
    "appointment_id",
    "status",
    "outcome",
    "started_at",
    "completed_at",
    "closed_at",
    "created_at",
    "updated_at",
]
MESSAGE_COLUMNS = ["session_id", "sender_id", "body", "client_id", "created_at", "read_at"]


def load_consultations(cursor, rng, sessions, messages, now, timer):
    """A room for `sessions` paid online appointments (completed ones in follow-up
    or past it, confirmed ones waiting), each with an equal share of `messages`
    sent in turn by the patient and the doctor, most already read."""
    import uuid

    started = time.monotonic()
    cursor.execute(
        "SELECT a.id, a.patient_id, d.user_id, a.start, a.end, a.status FROM appointments_appointment a "
        "JOIN profiles_doctorprofile d ON d.id = a.doctor_id "
        "WHERE a.mode = 'ONLINE' AND a.status IN ('CONFIRMED', 'COMPLETED') ORDER BY a.id LIMIT %s",
        [sessions],
    )
    appointments = cursor.fetchall()
    made = copy_rows(
        cursor,
        ConsultationSession,
        SESSION_COLUMNS,
        (
            (pk, "COMPLETED", "COMPLETED", start, end, None, start - timedelta(days=1), end)
            if status == "COMPLETED"
            else (pk, "SCHEDULED", "", None, None, None, start - timedelta(days=1), start - timedelta(days=1))
            for pk, _, _, start, end, status in appointments
        ),
    )
    timer.step("consultation rooms (COPY)", made, started)
    cursor.execute("SELECT appointment_id, id FROM consultations_consultationsession")
    session_of = dict(cursor.fetchall())
    per_room = max(messages // max(len(appointments), 1), 1)
    started = time.monotonic()

    def rows():
        for pk, patient, doctor_user, start, _end, _status in appointments:
            session = session_of[pk]
            for n in range(per_room):
                at = min(start + timedelta(minutes=n), now)
                sender = patient if n % 2 == 0 else doctor_user
                yield (session, sender, rng.choice(CHAT), uuid.UUID(int=rng.getrandbits(128), version=4), at,
                       at + timedelta(seconds=30) if n < per_room - 1 else None)  # fmt: skip

    with indexes_rebuilt(cursor, Message):
        sent = copy_rows(cursor, Message, MESSAGE_COLUMNS, rows())
        timer.step("messages (COPY)", sent, started, partial=True)
    timer.step("messages (with indexes)", sent, started)


# --- Next available (only used when `refresh_next_available` does not exist yet) ------------------


def next_free(doctor: Doctor, online: bool, taken: set, now: datetime) -> datetime | None:
    earliest = now + timedelta(minutes=doctor.notice)
    latest = now + timedelta(days=doctor.horizon)
    today = (now + IST).date()
    blocks = sorted((b for b in doctor.blocks if b.online == online), key=lambda b: b.start)
    for offset in range(doctor.horizon + 1):
        day = today + timedelta(days=offset)
        midnight = datetime.combine(day, datetime.min.time(), tzinfo=UTC) - IST
        for block in blocks:
            if day.weekday() not in block.weekdays:
                continue
            for index in range(block.slots):
                start = midnight + timedelta(minutes=block.start + index * block.slot)
                if start > latest:
                    return None
                if start >= earliest and start not in taken:
                    return start
    return None


def set_next_available(cursor, doctors, taken_future, now, timer):
    start = time.monotonic()
    cursor.execute(
        "CREATE TEMPORARY TABLE bench_next (id bigint PRIMARY KEY, online timestamptz, in_person timestamptz)"
    )
    rows = copy_rows(
        cursor,
        "bench_next",
        ["id", "online", "in_person"],
        (
            (
                d.id,
                next_free(d, True, taken_future.get(d.id, set()), now) if d.offers_online else None,
                next_free(d, False, taken_future.get(d.id, set()), now) if d.offers_in_person else None,
            )
            for d in doctors
        ),
    )
    cursor.execute(
        "UPDATE profiles_doctorprofile p SET next_online_at = n.online, next_in_person_at = n.in_person "
        "FROM bench_next n WHERE p.id = n.id"
    )
    cursor.execute("DROP TABLE bench_next")
    # The UPDATE left a dead copy of every row; rewrite the table so search reads
    # 100,000 compact rows, not twice the pages.
    cursor.execute("VACUUM FULL profiles_doctorprofile")
    timer.step("next available (loader)", rows, start)


# --------------------------------------------------------------------------------------------------


def reset_sequences(cursor):
    models = [User, DoctorProfile, Clinic, PatientProfile]
    for statement in connection.ops.sequence_reset_sql(no_style(), models):
        cursor.execute(statement)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--doctors", type=int, default=100_000)
    parser.add_argument("--patients", type=int, default=50_000)
    parser.add_argument("--appointments", type=int, default=1_000_000)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--skip-next-available", action="store_true", help="leave next_*_at to refresh_next_available"
    )
    args = parser.parse_args(argv)

    if DoctorProfile.objects.exists():
        sys.exit("The database already has doctors: bench/load.py wants a freshly migrated one.")
    rng = random.Random(args.seed)  # noqa: S311 (test data, not secrets)
    timer = Timer()
    now = datetime.now(UTC)
    # One hash for every account: hashing 150,000 passwords would take longer than the whole load.
    password = make_password("bench-password")

    print(f"Loading {args.doctors:,} doctors, {args.patients:,} patients, {args.appointments:,} appointments")
    cities, specialties, languages = ensure_reference(rng)
    print(f"  reference data: {len(cities)} cities, {sum(len(c['localities']) for c in cities)} localities, "
          f"{len(specialties)} specialties")  # fmt: skip

    started = time.monotonic()
    first_user = next_id(User)
    doctors = make_doctors(
        rng, cities, specialties, next_id(DoctorProfile), first_user, next_id(Clinic), args.doctors
    )
    print(f"  generated doctors in memory in {time.monotonic() - started:.1f} s")

    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        # A lost benchmark load is simply run again; no need to wait for each commit's flush.
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        load_doctors(cursor, rng, doctors, specialties, languages, password, now, timer)
        patients = load_patients(
            cursor, rng, cities, first_user + args.doctors, args.patients, password, now, timer
        )
        taken_future = load_appointments(cursor, rng, doctors, patients, args.appointments, now, timer)
        if not args.skip_next_available:
            set_next_available(cursor, doctors, taken_future, now, timer)
        load_consultations(cursor, rng, args.sessions, args.messages, now, timer)
        reset_sequences(cursor)

    total_rows = sum(rows for rows, _ in timer.rows.values())
    seconds = time.monotonic() - timer.started
    print(f"  loaded {total_rows:,} rows in {seconds:.1f} s ({total_rows / seconds:,.0f} rows/s overall)")


if __name__ == "__main__":
    main()
