"""The people seed_demo creates: plain data built from a seeded random generator.

Nothing here touches the database, so the same call always describes the same
doctors and patients (and their weekly hours, leave and appointments), and
seed_demo can apply them again without duplicates.
Names of specialties, cities, localities and languages match the reference
data migration (profiles/migrations/0002_reference_data.py).
"""

import datetime
import io
import itertools
import random
from dataclasses import dataclass

from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont

from profiles.models import Mode

SEED = 2026
DEMO_DOMAIN = "demo.medconsult.local"
# Qualification years stop here whatever today's date, so the data never changes.
LATEST_YEAR = 2024

VERIFIED_COUNT = 40  # including the demo doctor
PENDING_COUNT = 3
REJECTED_COUNT = 1
REJECTION_REASON = "The registration certificate is unreadable; please upload a clearer scan."


@dataclass(frozen=True)
class QualificationSpec:
    degree: str
    institution: str
    year: int


@dataclass(frozen=True)
class ClinicSpec:
    name: str
    address: str
    city: str
    locality: str
    phone: str


@dataclass(frozen=True)
class DoctorSpec:
    email: str
    full_name: str
    gender: str
    status: str  # a DoctorProfile.Status value
    specialties: list[str]
    qualifications: list[QualificationSpec]
    registration_number: str
    registration_council: str
    practising_since: int
    languages: list[str]
    bio: str
    offers_online: bool
    offers_in_person: bool
    fee_online: int | None  # paise
    fee_in_person: int | None
    clinics: list[ClinicSpec]
    submitted_ago: datetime.timedelta
    decided_ago: datetime.timedelta | None = None
    rejection_reason: str = ""
    photo_colours: tuple[str, str] | None = None  # background gradient; None keeps initials


@dataclass(frozen=True)
class PatientSpec:
    email: str
    full_name: str
    gender: str
    date_of_birth: datetime.date
    phone: str
    city: str
    blood_group: str
    allergies: str
    chronic_conditions: str
    emergency_contact_name: str
    emergency_contact_phone: str


# --- Reference tables ------------------------------------------------------------------

# city: (abbreviation for registration numbers, medical council, dental council)
COUNCILS = {
    "Bengaluru": ("KMC", "Karnataka Medical Council", "Karnataka State Dental Council"),
    "Mumbai": ("MMC", "Maharashtra Medical Council", "Maharashtra State Dental Council"),
    "Delhi": ("DMC", "Delhi Medical Council", "Delhi State Dental Council"),
    "Hyderabad": ("TSMC", "Telangana State Medical Council", "Telangana State Dental Council"),
    "Chennai": ("TNMC", "Tamil Nadu Medical Council", "Tamil Nadu State Dental Council"),
    "Pune": ("MMC", "Maharashtra Medical Council", "Maharashtra State Dental Council"),
    "Kolkata": ("WBMC", "West Bengal Medical Council", "West Bengal Dental Council"),
    "Ahmedabad": ("GMC", "Gujarat Medical Council", "Gujarat State Dental Council"),
    "Jaipur": ("RMC", "Rajasthan Medical Council", "Rajasthan Dental Council"),
    "Lucknow": ("UPMC", "Uttar Pradesh Medical Council", "Uttar Pradesh State Dental Council"),
    "Kochi": ("TCMC", "Travancore-Cochin Medical Council", "Kerala Dental Council"),
    "Chandigarh": ("PMC", "Punjab Medical Council", "Punjab Dental Council"),
}
CITIES = list(COUNCILS)

# The city's own language first, then a second one some doctors also speak.
CITY_LANGUAGES = {
    "Bengaluru": ["Kannada", "Hindi"],
    "Mumbai": ["Marathi", "Hindi"],
    "Delhi": ["Hindi", "Punjabi"],
    "Hyderabad": ["Telugu", "Urdu"],
    "Chennai": ["Tamil", "Hindi"],
    "Pune": ["Marathi", "Hindi"],
    "Kolkata": ["Bengali", "Hindi"],
    "Ahmedabad": ["Gujarati", "Hindi"],
    "Jaipur": ["Hindi"],
    "Lucknow": ["Hindi", "Urdu"],
    "Kochi": ["Malayalam", "Hindi"],
    "Chandigarh": ["Punjabi", "Hindi"],
}

SURNAMES = {
    "Bengaluru": ["Rao", "Hegde", "Shetty", "Gowda", "Bhat", "Kamath"],
    "Mumbai": ["Mehta", "Shah", "Deshmukh", "Sawant", "Kapadia", "Khan"],
    "Delhi": ["Sharma", "Gupta", "Kapoor", "Malhotra", "Verma", "Arora"],
    "Hyderabad": ["Reddy", "Naidu", "Varma", "Rao", "Hussain", "Chowdary"],
    "Chennai": ["Iyer", "Krishnan", "Subramanian", "Raman", "Srinivasan", "Natarajan"],
    "Pune": ["Kulkarni", "Joshi", "Patil", "Deshpande", "Gokhale", "Pawar"],
    "Kolkata": ["Banerjee", "Chatterjee", "Mukherjee", "Sen", "Bose", "Das"],
    "Ahmedabad": ["Patel", "Shah", "Desai", "Trivedi", "Parikh", "Modi"],
    "Jaipur": ["Agarwal", "Mathur", "Rathore", "Saxena", "Jain", "Shekhawat"],
    "Lucknow": ["Srivastava", "Mishra", "Tripathi", "Pandey", "Siddiqui", "Awasthi"],
    "Kochi": ["Menon", "Nair", "Pillai", "Thomas", "Kurian", "Varghese"],
    "Chandigarh": ["Sandhu", "Gill", "Bedi", "Grewal", "Sidhu", "Dhillon"],
}

LOCALITIES = {
    "Bengaluru": ["Koramangala", "Indiranagar", "Whitefield", "Jayanagar", "HSR Layout", "Malleshwaram"],
    "Mumbai": ["Andheri", "Bandra", "Powai", "Dadar", "Borivali", "Chembur"],
    "Delhi": ["Saket", "Dwarka", "Rohini", "Karol Bagh", "Lajpat Nagar", "Vasant Kunj"],
    "Hyderabad": ["Banjara Hills", "Jubilee Hills", "Gachibowli", "Kukatpally", "Madhapur"],
    "Chennai": ["Adyar", "T. Nagar", "Anna Nagar", "Velachery", "Mylapore"],
    "Pune": ["Kothrud", "Baner", "Aundh", "Viman Nagar", "Hadapsar", "Wakad"],
    "Kolkata": ["Salt Lake", "Ballygunge", "Park Street", "New Town", "Behala"],
    "Ahmedabad": ["Navrangpura", "Satellite", "Bodakdev", "Maninagar", "Vastrapur"],
    "Jaipur": ["Malviya Nagar", "Vaishali Nagar", "C-Scheme", "Mansarovar", "Raja Park"],
    "Lucknow": ["Gomti Nagar", "Hazratganj", "Aliganj", "Indira Nagar", "Alambagh"],
    "Kochi": ["Edappally", "Kakkanad", "Vyttila", "Fort Kochi", "Kaloor"],
    "Chandigarh": ["Sector 17", "Sector 22", "Sector 35", "Manimajra", "Sector 8"],
}

FIRST_NAMES = {
    "FEMALE": [
        "Ananya",
        "Priya",
        "Kavya",
        "Sneha",
        "Meenakshi",
        "Lakshmi",
        "Neha",
        "Pooja",
        "Shreya",
        "Aditi",
        "Divya",
        "Nandini",
        "Ritu",
        "Swati",
        "Anjali",
        "Deepa",
        "Farah",
        "Sana",
        "Radhika",
        "Ishita",
    ],
    "MALE": [
        "Arjun",
        "Rohan",
        "Vikram",
        "Karthik",
        "Suresh",
        "Rajesh",
        "Anil",
        "Sanjay",
        "Amit",
        "Nikhil",
        "Aditya",
        "Siddharth",
        "Imran",
        "Vivek",
        "Manoj",
        "Harish",
        "Pradeep",
        "Gaurav",
        "Ravi",
        "Sameer",
    ],
}

UG_COLLEGES = [
    "Seth GS Medical College & KEM Hospital, Mumbai",
    "Grant Government Medical College, Mumbai",
    "B. J. Government Medical College, Pune",
    "Armed Forces Medical College, Pune",
    "Maulana Azad Medical College, New Delhi",
    "Lady Hardinge Medical College, New Delhi",
    "Bangalore Medical College and Research Institute",
    "St. John's Medical College, Bengaluru",
    "Kasturba Medical College, Manipal",
    "Madras Medical College, Chennai",
    "Osmania Medical College, Hyderabad",
    "Medical College and Hospital, Kolkata",
    "B. J. Medical College, Ahmedabad",
    "SMS Medical College, Jaipur",
    "King George's Medical University, Lucknow",
    "Government Medical College, Thiruvananthapuram",
    "Government Medical College, Chandigarh",
]
PG_INSTITUTES = [
    "All India Institute of Medical Sciences, New Delhi",
    "PGIMER, Chandigarh",
    "Christian Medical College, Vellore",
    "JIPMER, Puducherry",
    "Seth GS Medical College & KEM Hospital, Mumbai",
    "Madras Medical College, Chennai",
    "Institute of Post Graduate Medical Education & Research, Kolkata",
    "Kasturba Medical College, Manipal",
    "King George's Medical University, Lucknow",
    "Osmania Medical College, Hyderabad",
]
SUPER_INSTITUTES = [
    "All India Institute of Medical Sciences, New Delhi",
    "PGIMER, Chandigarh",
    "Christian Medical College, Vellore",
    "Sree Chitra Tirunal Institute for Medical Sciences and Technology, Thiruvananthapuram",
    "Sanjay Gandhi Postgraduate Institute of Medical Sciences, Lucknow",
]
DENTAL_COLLEGES = [
    "Government Dental College and Hospital, Mumbai",
    "Maulana Azad Institute of Dental Sciences, New Delhi",
    "Manipal College of Dental Sciences, Manipal",
    "Saveetha Dental College, Chennai",
    "Government Dental College and Research Institute, Bengaluru",
    "Dr. R. Ahmed Dental College and Hospital, Kolkata",
]

# specialty: (degree paths after the first degree, related specialties, clinic word, what they treat,
# how a bio names them)
# A path is a list of (degree, kind of institute, years after the previous degree).
SPECIALTIES = {
    "General Physician": (
        [[], [("MD (General Medicine)", "pg", 4)], [("DNB (Family Medicine)", "pg", 4)]],
        ["Diabetologist"],
        "Family Clinic",
        "fever, infections, blood pressure, diabetes and everyday illness in adults",
        "a general physician",
    ),
    "Dermatologist": (
        [[("MD (Dermatology, Venereology & Leprosy)", "pg", 4)], [("DNB (Dermatology)", "pg", 4)]],
        [],
        "Skin & Hair Clinic",
        "acne, eczema, psoriasis, hair fall and pigmentation, and minor skin procedures",
        "a dermatologist",
    ),
    "Cardiologist": (
        [[("MD (General Medicine)", "pg", 4), ("DM (Cardiology)", "super", 3)]],
        ["General Physician"],
        "Heart Clinic",
        "chest pain, high blood pressure, palpitations and heart failure, with ECG and echo reviews",
        "a cardiologist",
    ),
    "Dentist": (
        [
            [],
            [("MDS (Orthodontics)", "dental", 4)],
            [("MDS (Conservative Dentistry & Endodontics)", "dental", 4)],
        ],
        [],
        "Dental Care",
        "root canals, fillings, braces, gum care and children's teeth",
        "a dentist",
    ),
    "Pediatrician": (
        [[("MD (Pediatrics)", "pg", 4)], [("DCH", "pg", 3)], [("DNB (Pediatrics)", "pg", 4)]],
        [],
        "Child Care Clinic",
        "newborn care, vaccinations, growth, fevers and childhood asthma",
        "a paediatrician",
    ),
    "Gynecologist": (
        [[("MS (Obstetrics & Gynaecology)", "pg", 4)], [("DGO", "pg", 3)]],
        [],
        "Women's Clinic",
        "pregnancy care, PCOS, irregular periods, fertility and menopause",
        "an obstetrician and gynaecologist",
    ),
    "Orthopedist": (
        [[("MS (Orthopaedics)", "pg", 4)], [("DNB (Orthopaedics)", "pg", 4)]],
        [],
        "Bone & Joint Clinic",
        "knee and back pain, fractures, arthritis and sports injuries",
        "an orthopaedic surgeon",
    ),
    "ENT Specialist": (
        [[("MS (ENT)", "pg", 4)], [("DLO", "pg", 3)]],
        [],
        "ENT Clinic",
        "sinusitis, tonsils, ear infections, hearing loss and vertigo",
        "an ENT surgeon",
    ),
    "Ophthalmologist": (
        [[("MS (Ophthalmology)", "pg", 4)], [("DOMS", "pg", 3)]],
        [],
        "Eye Clinic",
        "cataract, glaucoma, red eyes and prescriptions for glasses",
        "an eye surgeon",
    ),
    "Psychiatrist": (
        [[("MD (Psychiatry)", "pg", 4)], [("DPM", "pg", 3)]],
        [],
        "Mind Care Clinic",
        "depression, anxiety, sleep problems and addiction, with therapy and medication",
        "a psychiatrist",
    ),
    "Neurologist": (
        [[("MD (General Medicine)", "pg", 4), ("DM (Neurology)", "super", 3)]],
        [],
        "Neuro Clinic",
        "migraine, epilepsy, stroke follow-up, numbness and memory problems",
        "a neurologist",
    ),
    "Gastroenterologist": (
        [[("MD (General Medicine)", "pg", 4), ("DM (Gastroenterology)", "super", 3)]],
        [],
        "Gut & Liver Clinic",
        "acidity, IBS, fatty liver, hepatitis and endoscopy reviews",
        "a gastroenterologist",
    ),
    "Pulmonologist": (
        [[("MD (Pulmonary Medicine)", "pg", 4)], [("DNB (Respiratory Diseases)", "pg", 4)]],
        ["General Physician"],
        "Chest Clinic",
        "asthma, COPD, chronic cough, tuberculosis and sleep apnoea",
        "a chest physician",
    ),
    "Endocrinologist": (
        [[("MD (General Medicine)", "pg", 4), ("DM (Endocrinology)", "super", 3)]],
        ["Diabetologist", "General Physician"],
        "Diabetes & Thyroid Clinic",
        "diabetes, thyroid disorders, PCOS and weight-related hormone problems",
        "an endocrinologist",
    ),
    "General Surgeon": (
        [[("MS (General Surgery)", "pg", 4)], [("DNB (General Surgery)", "pg", 4)]],
        [],
        "Surgical Clinic",
        "hernia, piles, gallstones and lumps, including laparoscopic surgery",
        "a general surgeon",
    ),
    "Urologist": (
        [[("MS (General Surgery)", "pg", 4), ("MCh (Urology)", "super", 3)]],
        [],
        "Urology Clinic",
        "kidney stones, prostate problems and urinary infections",
        "a urologist",
    ),
}

# Care that needs the patient in the room: these doctors always offer clinic visits.
HANDS_ON = {"Dentist", "Ophthalmologist", "Orthopedist", "General Surgeon"}

CLINIC_PREFIXES = [
    "Sanjeevani",
    "Aarogya",
    "Lifeline",
    "CarePoint",
    "Sunrise",
    "Shanti",
    "Niramay",
    "Dhanvantari",
]
ROADS = ["Main Road", "Station Road", "Link Road", "Ring Road", "Hospital Road", "Temple Street", "MG Road"]
FLOORS = ["Ground Floor", "1st Floor", "2nd Floor", "3rd Floor"]

PHOTO_COLOURS = [
    ("#3b6ea5", "#8fb8de"),
    ("#2f7d6d", "#8ccfbf"),
    ("#7a5195", "#c3a6d6"),
    ("#b5654a", "#f0b9a0"),
    ("#4a6b8a", "#a9c1d9"),
    ("#5b7c3a", "#b7d49a"),
]


# --- Doctors -------------------------------------------------------------------------------


def demo_doctor(email: str, full_name: str) -> DoctorSpec:
    """The demo doctor login: a verified dermatologist in Pune with two clinics."""
    return DoctorSpec(
        email=email,
        full_name=full_name,
        gender="FEMALE",
        status="VERIFIED",
        specialties=["Dermatologist"],
        qualifications=[
            QualificationSpec("MBBS", "B. J. Government Medical College, Pune", 2009),
            QualificationSpec(
                "MD (Dermatology, Venereology & Leprosy)",
                "Seth GS Medical College & KEM Hospital, Mumbai",
                2013,
            ),
        ],
        registration_number="MMC/2009/04217",
        registration_council="Maharashtra Medical Council",
        practising_since=2009,
        languages=["English", "Hindi", "Marathi"],
        bio=(
            "Dr. Asha Rao is a dermatologist in Pune with a special interest in acne, pigmentation and "
            "hair loss. She trained at KEM Hospital, Mumbai, and believes in simple routines that "
            "patients can keep up. Consults in English, Hindi and Marathi."
        ),
        offers_online=True,
        offers_in_person=True,
        fee_online=50000,
        fee_in_person=70000,
        clinics=[
            ClinicSpec(
                "Rao Skin & Hair Clinic", "2nd Floor, 14 Karve Road", "Pune", "Kothrud", "+91 98220 41730"
            ),
            ClinicSpec("Aarogya Skin Centre", "Shop 5, Baner Road", "Pune", "Baner", "+91 98220 41731"),
        ],
        submitted_ago=datetime.timedelta(days=120),
        decided_ago=datetime.timedelta(days=119),
        photo_colours=PHOTO_COLOURS[0],
    )


def build_doctors(*, demo_email: str, demo_name: str) -> list[DoctorSpec]:
    """The demo doctor, then the generated ones: verified, pending (oldest first), rejected."""
    rng = random.Random(SEED)
    generated = VERIFIED_COUNT - 1 + PENDING_COUNT + REJECTED_COUNT
    # Every specialty and city several times over, the pairs mixed by the shuffle.
    specialties = list(itertools.islice(itertools.cycle(SPECIALTIES), generated))
    cities = list(itertools.islice(itertools.cycle(CITIES), generated))
    rng.shuffle(cities)
    statuses = (
        ["VERIFIED"] * (VERIFIED_COUNT - 1) + ["PENDING"] * PENDING_COUNT + ["REJECTED"] * REJECTED_COUNT
    )
    used_names = {demo_name.removeprefix("Dr. ")}
    doctors = [demo_doctor(demo_email, demo_name)]
    for index, (status, specialty, city) in enumerate(zip(statuses, specialties, cities, strict=True)):
        doctors.append(
            _doctor(rng, index, status=status, specialty=specialty, city=city, used_names=used_names)
        )
    return doctors


def _doctor(rng, index, *, status, specialty, city, used_names) -> DoctorSpec:
    abbreviation, medical_council, dental_council = COUNCILS[city]
    gender = rng.choice(["FEMALE", "MALE"])
    while True:
        name = f"{rng.choice(FIRST_NAMES[gender])} {rng.choice(SURNAMES[city])}"
        if name not in used_names:
            used_names.add(name)
            break
    full_name = f"Dr. {name}"

    paths, related, clinic_word, treats, title = SPECIALTIES[specialty]
    path = rng.choice(paths)
    span = sum(years for _, _, years in path)
    practising_since = rng.randint(1990, LATEST_YEAR - span - 1)
    dental = specialty == "Dentist"
    qualifications = [
        QualificationSpec(
            "BDS" if dental else "MBBS",
            rng.choice(DENTAL_COLLEGES if dental else UG_COLLEGES),
            practising_since,
        )
    ]
    year = practising_since
    for degree, kind, years in path:
        year += years
        pool = {"pg": PG_INSTITUTES, "super": SUPER_INSTITUTES, "dental": DENTAL_COLLEGES}[kind]
        qualifications.append(QualificationSpec(degree, rng.choice(pool), year))

    specialties = [specialty, *related[: rng.randint(0, len(related))]]
    city_languages = CITY_LANGUAGES[city]
    languages = ["English", *city_languages[: rng.randint(1, len(city_languages))]]

    both = {Mode.ONLINE, Mode.IN_PERSON}
    offered = rng.choices([both, {Mode.IN_PERSON}, {Mode.ONLINE}], weights=[6, 2, 2])[0]
    if offered == {Mode.ONLINE} and specialty in HANDS_ON:
        offered = both
    offers_online, offers_in_person = Mode.ONLINE in offered, Mode.IN_PERSON in offered
    tier = len(qualifications)
    base = rng.randrange(*{1: (300, 650), 2: (500, 1050), 3: (800, 1350)}[tier], 50)
    fee_in_person = min(base + rng.choice([0, 100, 200]), 1500) * 100 if offers_in_person else None
    fee_online = base * 100 if offers_online else None

    surname = name.split()[-1]
    # A second clinic only for doctors who see patients in person.
    localities = rng.sample(LOCALITIES[city], k=rng.choice([1, 1, 2]) if offers_in_person else 1)
    clinics = []
    for number, locality in enumerate(localities):
        clinic_name = (
            f"{surname} {clinic_word}"
            if number == 0
            else f"{rng.choice(CLINIC_PREFIXES)} Multispeciality Clinic"
        )
        address = f"{rng.choice(FLOORS)}, {rng.randint(2, 240)} {rng.choice(ROADS)}"
        clinics.append(ClinicSpec(clinic_name, address, city, locality, _phone(rng)))

    experience = LATEST_YEAR + 1 - practising_since
    bio = (
        f"{full_name} is {title} in {localities[0]}, {city}, with {experience}+ years of "
        f"experience. {'She' if gender == 'FEMALE' else 'He'} sees patients for {treats}. "
        f"Consults in {_and(languages)}."
    )

    if status == "VERIFIED":
        submitted_ago = datetime.timedelta(days=rng.randint(15, 400), hours=rng.randint(0, 23))
        decided_ago = submitted_ago - datetime.timedelta(hours=rng.randint(2, 40))
    elif status == "PENDING":
        # A day apart in list order, so the admin queue always has the same order.
        submitted_ago = datetime.timedelta(days=PENDING_COUNT + VERIFIED_COUNT - 1 - index, hours=3)
        decided_ago = None
    else:
        submitted_ago = datetime.timedelta(days=6)
        decided_ago = datetime.timedelta(days=5)

    return DoctorSpec(
        email=f"dr.{slugify(name)}@{DEMO_DOMAIN}",
        full_name=full_name,
        gender=gender,
        status=status,
        specialties=specialties,
        qualifications=qualifications,
        registration_number=f"{abbreviation}/{practising_since}/{rng.randint(10000, 99999)}",
        registration_council=dental_council if dental else medical_council,
        practising_since=practising_since,
        languages=languages,
        bio=bio,
        offers_online=offers_online,
        offers_in_person=offers_in_person,
        fee_online=fee_online,
        fee_in_person=fee_in_person,
        clinics=clinics,
        submitted_ago=submitted_ago,
        decided_ago=decided_ago,
        rejection_reason=REJECTION_REASON if status == "REJECTED" else "",
        photo_colours=PHOTO_COLOURS[index % len(PHOTO_COLOURS)] if index % 2 == 0 else None,
    )


def _phone(rng) -> str:
    return f"+91 {rng.choice('6789')}{rng.randint(1000, 9999)} {rng.randint(10000, 99999)}"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


# --- Patients -------------------------------------------------------------------------------

# name | gender | born | city | blood group | allergies | chronic conditions | emergency contact
_PATIENTS = """
Rahul Sharma  | MALE   | 1990-04-12 | Pune       | B+  | No known allergies | None                          | Kavita Sharma
Ananya Iyer   | FEMALE | 1996-09-03 | Chennai    | O+  | Penicillin         | Asthma (mild, seasonal)       | Raghav Iyer
Mohammed Arif | MALE   | 1978-01-22 | Hyderabad  | A+  | Sulfa drugs        | Type 2 diabetes; hypertension | Ayesha Arif
Sunita Patel  | FEMALE | 1965-11-30 | Ahmedabad  | AB+ | Peanuts            | Hypothyroidism                | Nikhil Patel
Gurpreet Kaur | FEMALE | 1988-06-15 | Chandigarh | O-  | Dust mites         | None                          | Harjeet Singh
Vikas Gupta   | MALE   | 1982-02-08 | Delhi      | B-  | No known allergies | High cholesterol              | Neha Gupta
"""


def build_patients(*, demo_email: str) -> list[PatientSpec]:
    """The demo patient login first, then a few more with complete profiles."""
    rng = random.Random(SEED + 1)
    patients = []
    rows = [[cell.strip() for cell in line.split("|")] for line in _PATIENTS.strip().splitlines()]
    for number, (name, gender, born, city, blood, allergies, chronic, contact) in enumerate(rows):
        patients.append(
            PatientSpec(
                email=demo_email if number == 0 else f"{slugify(name)}@{DEMO_DOMAIN}",
                full_name=name,
                gender=gender,
                date_of_birth=datetime.date.fromisoformat(born),
                phone=_phone(rng),
                city=city,
                blood_group=blood,
                allergies=allergies,
                chronic_conditions=chronic,
                emergency_contact_name=contact,
                emergency_contact_phone=_phone(rng),
            )
        )
    return patients


# --- Availability and appointments ----------------------------------------------------------
#
# Dates here are offsets from "today" in the doctor's zone, so the same call
# describes the same week whatever day seed_demo runs; the times of day come
# from each doctor's own weekly hours (medconsult/demo_appointments.py finds
# free slots in them).

MON_TO_FRI, MON_TO_SAT = range(5), range(6)
SLOT_LENGTHS = (15, 20, 30)
DEFAULT_NOTICE_MINUTES, DEFAULT_HORIZON_DAYS = 120, 30

# The one doctor whose clinic visits wait for acceptance: in the demo
# patient's city, so Rahul Sharma can show a request and its answers.
APPROVAL_DOCTOR = "Pediatrician, Pune"


@dataclass(frozen=True)
class RuleSpec:
    weekday: int  # Monday 0
    start: datetime.time
    end: datetime.time
    slot_minutes: int
    mode: str
    clinic: str | None = None  # the clinic's name; None for video


@dataclass(frozen=True)
class BookingSettingsSpec:
    doctor: str  # email
    min_notice_minutes: int = DEFAULT_NOTICE_MINUTES
    horizon_days: int = DEFAULT_HORIZON_DAYS
    approval_required: bool = False


@dataclass(frozen=True)
class LeaveSpec:
    doctor: str  # email
    first_day: int  # days from today
    days: int
    note: str


@dataclass(frozen=True)
class VisitSpec:
    doctor: str  # email
    patient: str  # email
    mode: str
    day: int  # days from today; negative: in the past
    # Today only: a slot that is already over (in either mode, if the planned
    # one has none), else one still to come.
    ended: bool
    status: str  # where the appointment ends up (an Appointment.Status value)
    reason: str
    by: str = ""  # who cancelled or declined: patient, doctor or system
    note: str = ""  # their reason

    @property
    def is_past(self) -> bool:
        return self.day < 0 or self.ended


@dataclass(frozen=True)
class Schedule:
    rules: dict[str, list[RuleSpec]]  # doctor email -> weekly hours
    settings: list[BookingSettingsSpec]
    leave: list[LeaveSpec]
    visits: list[VisitSpec]
    demo_doctor: str  # email
    approval_doctor: str


def _hours(weekdays, start, end, minutes, mode, clinic=None) -> list[RuleSpec]:
    start, end = datetime.time.fromisoformat(start), datetime.time.fromisoformat(end)
    return [RuleSpec(day, start, end, minutes, mode, clinic) for day in weekdays]


def weekly_rules(spec: DoctorSpec, number: int) -> list[RuleSpec]:
    """Video in the mornings, the clinic in the evenings, only in the modes the
    doctor offers; no two rules of a day overlap (a doctor is in one place)."""
    first, second = spec.clinics[0].name, spec.clinics[-1].name
    if number == 0:
        # The demo doctor works every day, clinic hours included, so whenever
        # seed_demo runs her "today" has a visit that is over or one to come.
        return [
            *_hours(MON_TO_SAT, "09:00", "12:00", 15, Mode.ONLINE),
            *_hours(MON_TO_FRI, "17:00", "20:00", 20, Mode.IN_PERSON, first),
            *_hours([5], "14:00", "17:00", 20, Mode.IN_PERSON, second),
            *_hours([6], "10:00", "13:00", 20, Mode.IN_PERSON, second),
        ]
    minutes = SLOT_LENGTHS[number % len(SLOT_LENGTHS)]
    if spec.offers_online and spec.offers_in_person:
        rules = [
            *_hours(MON_TO_SAT, "09:00", "12:00", minutes, Mode.ONLINE),
            *_hours(MON_TO_FRI, "17:00", "20:00", minutes, Mode.IN_PERSON, first),
        ]
        if second != first:
            rules += _hours([5], "15:00", "18:00", minutes, Mode.IN_PERSON, second)
        return rules
    if spec.offers_in_person:
        return [
            *_hours(MON_TO_SAT, "10:00", "13:00", minutes, Mode.IN_PERSON, first),
            *_hours(MON_TO_FRI, "17:00", "20:00", minutes, Mode.IN_PERSON, second),
        ]
    return [
        *_hours(MON_TO_SAT, "09:00", "12:00", minutes, Mode.ONLINE),
        *_hours(MON_TO_FRI, "18:00", "21:00", minutes, Mode.ONLINE),
    ]


# doctor | minimum notice (minutes) | horizon (days) | approval mode
_SETTINGS = """
approval doctor       | 120  | 30 | yes
Cardiologist, Kolkata | 1440 | 14 | no
Orthopedist, Chennai  | 60   | 60 | no
"""

# doctor | first day (from today) | days | note
_LEAVE = """
demo doctor               | 10 | 1 | Dermatology conference in Mumbai
Ophthalmologist, Pune     | 2  | 3 | Family wedding
Dermatologist, Chandigarh | 5  | 5 | Annual leave
Cardiologist, Bengaluru   | 1  | 1 | Free medical camp in Mysuru
"""

# doctor | patient (first name) | video or clinic | day: days from today, or today's
# "earlier" (already over) or "later" slots | final status | reason for the visit |
# who cancelled or declined | why. Upcoming visits are booked through the service, so they keep
# to the booking limits (appointments.limits): at most two per patient with one doctor, and no
# second online booking (an EXPIRED one included, booked in the past) beside an unpaid hold.
_VISITS = """
demo doctor | Rahul    | clinic | -28     | COMPLETED       | Acne on the forehead and cheeks for three months | |
demo doctor | Ananya   | video  | -21     | COMPLETED       | Itchy rash on both arms after changing soap | |
demo doctor | Rahul    | video  | -4      | COMPLETED       | Follow-up on acne treatment; the skin feels dry | |
demo doctor | Mohammed | video  | -12     | NO_SHOW         | Dark patches on the back of the neck | |
demo doctor | Sunita   | video  | -9      | COMPLETED       | Hair fall for six months | |
demo doctor | Gurpreet | video  | -6      | CANCELLED       | Red, scaly patches on the scalp | patient | Feeling much better; will book again if it comes back.
demo doctor | Vikas    | video  | -5      | COMPLETED       | Psoriasis flare on the elbows | |
demo doctor | Rahul    | clinic | -3      | CANCELLED       | Skin tag on the neck | doctor | Called away for an emergency at the hospital. Please book another slot.
demo doctor | Ananya   | video  | -2      | EXPIRED         | Flaking scalp and itching | |
demo doctor | Vikas    | video  | -1      | COMPLETED       | Review of blood reports for hair loss | |
demo doctor | Vikas    | video  | earlier | COMPLETED       | Follow-up on the psoriasis cream | |
demo doctor | Ananya   | video  | earlier | CONFIRMED       | Eczema on the hands flaring up again | |
demo doctor | Rahul    | clinic | later   | CONFIRMED       | A mole on the back that has changed shape | |
demo doctor | Mohammed | clinic | later   | CONFIRMED       | Warts on two fingers | |
demo doctor | Mohammed | video  | 1       | EXPIRED         | Itching at night | |
demo doctor | Sunita   | clinic | 1       | CONFIRMED       | Pigmentation on the cheeks | |
demo doctor | Gurpreet | clinic | 2       | CONFIRMED       | Hair thinning at the crown | |
demo doctor | Rahul    | video  | 2       | PENDING_PAYMENT | Which sunscreen to use with the new cream | |
demo doctor | Sunita   | clinic | 3       | CONFIRMED       | Acne review after three months of treatment | |
demo doctor | Vikas    | clinic | 4       | CANCELLED       | Laser consultation for acne scars | patient | Travelling for work that week.
demo doctor | Ananya   | clinic | 5       | CONFIRMED       | Chemical peel consultation | |
demo doctor | Gurpreet | clinic | 6       | CONFIRMED       | Brittle, discoloured toenail | |
approval doctor | Rahul    | clinic | -20 | COMPLETED | Fever and cough in my daughter for three days | |
approval doctor | Rahul    | clinic | -12 | DECLINED  | Rash on my daughter's cheeks | doctor | Fully booked that evening; an online consultation would be quicker.
approval doctor | Mohammed | clinic | -4  | DECLINED  | Growth check for my son | system | The doctor did not respond in time.
approval doctor | Vikas    | clinic | 1   | CONFIRMED | Recurring ear pain in my six-year-old | |
approval doctor | Rahul    | clinic | 2   | REQUESTED | Second MMR dose for my two-year-old daughter | |
approval doctor | Ananya   | clinic | 3   | REQUESTED | Vaccination schedule for my newborn | |
approval doctor | Sunita   | clinic | 4   | DECLINED  | Well-baby check for my granddaughter | doctor | I am in surgery that evening; please pick another day.
Ophthalmologist, Pune        | Rahul    | clinic | -25 | COMPLETED       | Blurred vision when reading; need new glasses | |
Ophthalmologist, Pune        | Rahul    | clinic | 8   | CONFIRMED       | Yearly eye check | |
Gastroenterologist, Pune     | Mohammed | video  | -10 | NO_SHOW         | Acidity and bloating after meals | |
Gastroenterologist, Pune     | Mohammed | video  | 4   | EXPIRED         | Follow-up for acidity | |
General Physician, Mumbai    | Rahul    | video  | -7  | COMPLETED       | Fever and body ache for two days | |
General Physician, Mumbai    | Vikas    | video  | 2   | PENDING_PAYMENT | Cold and sore throat since yesterday | |
Orthopedist, Chennai         | Ananya   | clinic | -8  | COMPLETED       | Knee pain after running | |
Orthopedist, Chennai         | Ananya   | clinic | 6   | CONFIRMED       | Knee review after physiotherapy | |
General Physician, Hyderabad | Mohammed | clinic | -15 | COMPLETED       | Diabetes review with the HbA1c report | |
General Physician, Hyderabad | Mohammed | clinic | 3   | CONFIRMED       | Blood pressure follow-up | |
Cardiologist, Ahmedabad      | Sunita   | video  | -11 | COMPLETED       | Palpitations while on thyroid medication | |
General Physician, Chandigarh | Gurpreet | clinic | 2  | CONFIRMED       | Persistent cough and cold | |
Endocrinologist, Delhi       | Vikas    | clinic | -18 | COMPLETED       | Cholesterol report review | |
Dentist, Delhi               | Vikas    | clinic | 1   | CANCELLED       | Sensitivity in a lower tooth | doctor | The clinic is closed for repairs that day; sorry for the trouble.
"""


def _rows(table: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.split("|")] for line in table.strip().splitlines()]


def build_schedule(doctors: list[DoctorSpec], patients: list[PatientSpec]) -> Schedule:
    """Weekly hours for every verified doctor, their booking settings, some
    leave, and the appointments, with doctors and patients resolved to emails."""
    verified = [(number, spec) for number, spec in enumerate(doctors) if spec.status == "VERIFIED"]

    def doctor(key: str) -> DoctorSpec:
        if key == "demo doctor":
            return doctors[0]
        if key == "approval doctor":
            key = APPROVAL_DOCTOR
        specialty, city = (part.strip() for part in key.split(","))
        for _, spec in verified:
            if spec.specialties[0] == specialty and spec.clinics[0].city == city:
                return spec
        raise ValueError(f"No verified demo doctor is a {specialty} in {city}.")

    first_names = {spec.full_name.split()[0]: spec.email for spec in patients}
    special = {
        doctor(key).email: BookingSettingsSpec(
            doctor(key).email, int(notice), int(horizon), approval == "yes"
        )
        for key, notice, horizon, approval in _rows(_SETTINGS)
    }
    modes = {"video": Mode.ONLINE, "clinic": Mode.IN_PERSON}
    return Schedule(
        rules={spec.email: weekly_rules(spec, number) for number, spec in verified},
        settings=[special.get(spec.email, BookingSettingsSpec(spec.email)) for _, spec in verified],
        leave=[
            LeaveSpec(doctor(key).email, int(first), int(days), note)
            for key, first, days, note in _rows(_LEAVE)
        ],
        visits=[
            VisitSpec(
                doctor=doctor(key).email,
                patient=first_names[patient],
                mode=modes[mode],
                day=0 if day in ("earlier", "later") else int(day),
                ended=day == "earlier",
                status=status,
                reason=reason,
                by=by,
                note=note,
            )
            for key, patient, mode, day, status, reason, by, note in _rows(_VISITS)
        ],
        demo_doctor=doctors[0].email,
        approval_doctor=doctor(APPROVAL_DOCTOR).email,
    )


# --- Files ----------------------------------------------------------------------------------


def portrait_png(colours: tuple[str, str], *, width: int = 480, height: int = 560) -> bytes:
    """A friendly placeholder portrait: gradient background, head and shoulders a lighter tone.

    Taller than wide on purpose, so the upload path's centre crop has work to do.
    """
    dark, light = (Image.new("RGB", (width, height), colour) for colour in colours)
    gradient = Image.linear_gradient("L").resize((width, height))
    image = Image.composite(light, dark, gradient)
    silhouette = Image.blend(dark, Image.new("RGB", (width, height), "white"), 0.7).getpixel((0, 0))
    draw = ImageDraw.Draw(image)
    centre = width // 2
    draw.ellipse((centre - 80, 130, centre + 80, 310), fill=silhouette)
    draw.ellipse((centre - 170, 330, centre + 170, 330 + 2 * 170), fill=silhouette)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def document_pdf(*, title: str, doctor: str, reference: str) -> bytes:
    """A one-page PDF that looks like a scanned certificate and says it is a sample."""
    page = Image.new("RGB", (420, 594), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((16, 16, 403, 577), outline="#1f4e79", width=3)
    heading, body = ImageFont.load_default(size=18), ImageFont.load_default(size=13)
    draw.text((210, 70), title, fill="#1f4e79", font=heading, anchor="mm")
    lines = [
        f"Issued to: {doctor}",
        f"Reference: {reference}",
        "",
        "MedConsult demo data.",
        "Not a real document.",
    ]
    for number, line in enumerate(lines):
        draw.text((40, 140 + 24 * number), line, fill="#333333", font=body)
    buffer = io.BytesIO()
    page.save(buffer, "PDF", resolution=72)
    return buffer.getvalue()
