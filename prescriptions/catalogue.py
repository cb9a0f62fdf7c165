"""The medicine catalogue: common generic medicines, shipped as data
(prescriptions/data/medicines.tsv) and loaded after every migrate and every
flush (post_migrate), so tests that empty the database still have it.

Only what a source supports is classified (shared/CLINICAL.md): the examples the
Telemedicine Practice Guidelines give, and substances named in Schedule X of the
Drugs and Cosmetics Rules and under the NDPS Act. Everything else is
UNCLASSIFIED; staff classify more in admin (audited). Loading adds missing
entries and never changes one that exists, so staff's classifications stand.
"""

from pathlib import Path

DATA = Path(__file__).parent / "data" / "medicines.tsv"

TPG = "Telemedicine Practice Guidelines 2020 (Board of Governors in supersession of MCI, with NITI Aayog)"
SOURCES = {
    "TPG_O": f"{TPG}, List O: examples paracetamol, ORS, antacids, cough lozenges, vitamins",
    "TPG_A_TOPICAL": f"{TPG}, List A: examples clotrimazole cream, ciprofloxacin eye drops",
    "TPG_A_CHRONIC": f"{TPG}, List A: continuing medicines for chronic diseases (diabetes, hypertension, asthma)",
    "TPG_B": f"{TPG}, List B: add-on in follow-up, e.g. a thiazide added to atenolol, sitagliptin added to metformin",
    "SCHED_X": "Drugs and Cosmetics Rules 1945, Schedule X (prohibited in teleconsultation by the 2020 guidelines)",
    "NDPS_N": "NDPS Act 1985: narcotic drug (prohibited in teleconsultation by the 2020 guidelines)",
    "NDPS_P": "NDPS Act 1985: psychotropic substance (prohibited in teleconsultation by the 2020 guidelines)",
    "NDPS_P_EPILEPSY": (
        "NDPS Act 1985: psychotropic substance (prohibited in teleconsultation by the 2020 guidelines). "
        "A later notice reportedly moved it to List A for epilepsy (news reports only): staff to review"
    ),
}


def catalogue_rows() -> list[dict]:
    """The shipped catalogue as dicts of Medicine fields."""
    rows = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, generic, strengths, forms, route, *rest = [*line.split("\t"), "", ""][:7]
        tele_list, source_key = rest[0] or "UNCLASSIFIED", rest[1]
        rows.append(
            {
                "name": name.strip(),
                "generic_name": (generic or name).strip(),
                "strengths": strengths.strip(),
                "forms": forms.strip(),
                "route": route.strip(),
                "tele_list": tele_list.strip(),
                "source": SOURCES[source_key] if source_key else "",
            }
        )
    return rows


def catalogue_load(using="default") -> int:
    """Add the shipped medicines that are missing; returns how many were added."""
    from prescriptions.models import Medicine

    existing = set(Medicine.objects.using(using).values_list("name", flat=True))
    missing = [Medicine(**row) for row in catalogue_rows() if row["name"] not in existing]
    Medicine.objects.using(using).bulk_create(missing)
    return len(missing)


def load_after_migrate(sender, using="default", apps=None, **kwargs):
    """post_migrate receiver: also runs after a test's flush, which empties the table."""
    from django.db import connections

    if apps is not None:
        try:
            apps.get_model("prescriptions", "Medicine")
        except LookupError:
            return  # migrating backwards, before the table exists
    if "prescriptions_medicine" not in connections[using].introspection.table_names():
        return
    catalogue_load(using=using)
