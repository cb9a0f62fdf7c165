"""Specialties (with the words patients use for them), cities with their main
localities, and languages. Kept in the migration so every database has them."""

from django.db import migrations
from django.utils.text import slugify

SPECIALTIES = [
    ("General Physician", "Fever, infections and everyday illness", "general physician, gp, family doctor, fever, cold, cough, flu, viral, infection, body ache, weakness, typhoid, dengue, malaria"),
    ("Dermatologist", "Skin, hair and nails", "skin, rash, acne, pimples, eczema, psoriasis, itching, hair fall, hair loss, dandruff, nails, pigmentation, allergy skin, fungal"),
    ("Cardiologist", "Heart and blood vessels", "heart, chest pain, palpitations, blood pressure, hypertension, bp, cholesterol, heart attack, ecg, cardiac"),
    ("Dentist", "Teeth, gums and mouth", "teeth, tooth, toothache, dental, gums, cavity, root canal, braces, wisdom tooth, mouth ulcer"),
    ("Pediatrician", "Children's health", "child, children, kids, baby, infant, newborn, vaccination, paediatrician, growth"),
    ("Gynecologist", "Women's health and pregnancy", "women, pregnancy, periods, menstrual, pcos, pcod, obstetrician, fertility, gynaecologist, contraception"),
    ("Orthopedist", "Bones, joints and muscles", "bones, joint pain, knee, back pain, fracture, arthritis, shoulder, spine, sports injury, orthopaedic"),
    ("ENT Specialist", "Ear, nose and throat", "ear, nose, throat, sinus, tonsils, hearing, ent, otolaryngologist, snoring, vertigo"),
    ("Ophthalmologist", "Eyes and vision", "eye, eyes, vision, cataract, glasses, red eye, glaucoma, eye doctor, spectacles"),
    ("Psychiatrist", "Mental health and medication", "mental health, depression, anxiety, stress, sleep, insomnia, bipolar, panic, addiction"),
    ("Psychologist", "Counselling and therapy", "counselling, therapy, therapist, stress, relationships, anxiety, counsellor"),
    ("Neurologist", "Brain, nerves and headaches", "headache, migraine, seizures, epilepsy, stroke, numbness, nerves, brain, paralysis"),
    ("Gastroenterologist", "Stomach, liver and digestion", "stomach, acidity, gas, digestion, liver, constipation, diarrhoea, ulcer, ibs, abdominal pain"),
    ("Pulmonologist", "Lungs and breathing", "lungs, asthma, breathing, breathlessness, cough, copd, tuberculosis, tb, chest"),
    ("Endocrinologist", "Diabetes, thyroid and hormones", "diabetes, sugar, thyroid, hormones, obesity, pcos, insulin, endocrine"),
    ("Diabetologist", "Diabetes care", "diabetes, sugar, blood sugar, insulin, hba1c"),
    ("Nephrologist", "Kidneys", "kidney, kidneys, dialysis, creatinine, renal, urine protein"),
    ("Urologist", "Urinary tract and men's health", "urine, urinary, kidney stone, prostate, bladder, uti, men's health"),
    ("Oncologist", "Cancer care", "cancer, tumour, tumor, chemotherapy, oncology, lump"),
    ("Rheumatologist", "Arthritis and autoimmune disease", "arthritis, joint pain, lupus, gout, autoimmune, rheumatoid"),
    ("Physiotherapist", "Movement, rehabilitation and pain", "physiotherapy, physio, back pain, rehabilitation, exercise, neck pain, sports injury"),
    ("Dietitian", "Nutrition and weight", "diet, nutrition, weight loss, obesity, nutritionist, meal plan"),
    ("Homoeopath", "Homoeopathic medicine", "homeopathy, homoeopathy, homeopath"),
    ("Ayurveda", "Ayurvedic medicine", "ayurveda, ayurvedic, herbal"),
    ("General Surgeon", "Surgery and hernia", "surgery, hernia, piles, appendix, gallbladder, lump, surgeon"),
]

CITIES = [
    ("Bengaluru", "Karnataka", ["Koramangala", "Indiranagar", "Whitefield", "Jayanagar", "HSR Layout", "Malleshwaram", "Electronic City"]),
    ("Mumbai", "Maharashtra", ["Andheri", "Bandra", "Powai", "Dadar", "Borivali", "Colaba", "Chembur"]),
    ("Delhi", "Delhi", ["Saket", "Dwarka", "Rohini", "Karol Bagh", "Lajpat Nagar", "Janakpuri", "Vasant Kunj"]),
    ("Hyderabad", "Telangana", ["Banjara Hills", "Jubilee Hills", "Gachibowli", "Kukatpally", "Madhapur", "Secunderabad"]),
    ("Chennai", "Tamil Nadu", ["Adyar", "T. Nagar", "Anna Nagar", "Velachery", "Mylapore", "Porur"]),
    ("Pune", "Maharashtra", ["Kothrud", "Baner", "Aundh", "Viman Nagar", "Hadapsar", "Wakad"]),
    ("Kolkata", "West Bengal", ["Salt Lake", "Ballygunge", "Park Street", "New Town", "Behala", "Howrah"]),
    ("Ahmedabad", "Gujarat", ["Navrangpura", "Satellite", "Bodakdev", "Maninagar", "Vastrapur"]),
    ("Jaipur", "Rajasthan", ["Malviya Nagar", "Vaishali Nagar", "C-Scheme", "Mansarovar", "Raja Park"]),
    ("Lucknow", "Uttar Pradesh", ["Gomti Nagar", "Hazratganj", "Aliganj", "Indira Nagar", "Alambagh"]),
    ("Kochi", "Kerala", ["Edappally", "Kakkanad", "Vyttila", "Fort Kochi", "Kaloor"]),
    ("Chandigarh", "Chandigarh", ["Sector 17", "Sector 22", "Sector 35", "Manimajra", "Sector 8"]),
]

LANGUAGES = [
    ("English", "en"), ("Hindi", "hi"), ("Bengali", "bn"), ("Marathi", "mr"), ("Telugu", "te"),
    ("Tamil", "ta"), ("Gujarati", "gu"), ("Kannada", "kn"), ("Malayalam", "ml"), ("Punjabi", "pa"),
    ("Odia", "or"), ("Urdu", "ur"),
]


def load(apps, schema_editor):
    Specialty = apps.get_model("profiles", "Specialty")
    City = apps.get_model("profiles", "City")
    Locality = apps.get_model("profiles", "Locality")
    Language = apps.get_model("profiles", "Language")
    for name, description, keywords in SPECIALTIES:
        Specialty.objects.update_or_create(
            slug=slugify(name), defaults={"name": name, "description": description, "keywords": keywords}
        )
    for name, state, localities in CITIES:
        city, _ = City.objects.update_or_create(slug=slugify(name), defaults={"name": name, "state": state})
        for locality in localities:
            Locality.objects.update_or_create(city=city, slug=slugify(locality), defaults={"name": locality})
    for name, code in LANGUAGES:
        Language.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("profiles", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
