"""Reads of prescriptions, each scoped to who may see them."""

from django.db.models import Prefetch, Q
from django.db.models.functions import Lower

from appointments.models import Appointment
from prescriptions.models import Medicine, Prescription, PrescriptionItem, TeleList

# A patient's record holds what was issued, whatever happened to it since; drafts are the doctor's.
ISSUED_OR_AFTER = (Prescription.Status.ISSUED, Prescription.Status.SUPERSEDED, Prescription.Status.REVOKED)

_ITEMS = Prefetch("items", queryset=PrescriptionItem.objects.order_by("position", "id"))


def _with_people(queryset):
    return queryset.select_related("doctor__user", "patient", "appointment", "superseded_by")


def prescriptions_for_patient(patient):
    """Every prescription issued to `patient` (valid, superseded or revoked),
    newest first, with doctor and appointment loaded. For My Records."""
    return _with_people(Prescription.objects.filter(patient=patient, status__in=ISSUED_OR_AFTER)).order_by(
        "-issued_at", "-id"
    )


def prescription_for(user, pk):
    """One prescription `user` may see, with its items: the patient sees it once
    issued, the writing doctor always. None for anyone else (the view 404s)."""
    if not user.is_authenticated:
        return None
    visible = Q(patient=user, status__in=ISSUED_OR_AFTER) | Q(doctor__user=user)
    return _with_people(Prescription.objects.filter(visible)).prefetch_related(_ITEMS).filter(pk=pk).first()


def prescription_for_doctor(user, pk):
    """One prescription the requesting doctor wrote, or None."""
    if not user.is_authenticated:
        return None
    return (
        _with_people(Prescription.objects.filter(doctor__user=user))
        .prefetch_related(_ITEMS)
        .filter(pk=pk)
        .first()
    )


def prescriptions_for_appointment(appointment, user):
    """The appointment's prescriptions as `user` may see them: the doctor all of
    theirs (drafts included), the patient the issued ones. Newest first."""
    queryset = Prescription.objects.filter(appointment=appointment).select_related("superseded_by")
    if appointment.doctor.user_id != user.pk:
        queryset = queryset.filter(status__in=ISSUED_OR_AFTER)
    return queryset.order_by("-created_at", "-id")


def appointment_for_prescribing(user, pk):
    """An appointment of the requesting doctor, with patient and profile loaded, or None."""
    if not user.is_authenticated:
        return None
    return (
        Appointment.objects.select_related("doctor__user", "patient__patient_profile", "clinic")
        .filter(pk=pk, doctor__user=user)
        .first()
    )


def appointment_for_party(user, pk):
    """An appointment where `user` is the patient or the doctor, or None."""
    if not user.is_authenticated:
        return None
    return (
        Appointment.objects.select_related("doctor__user")
        .filter(Q(patient=user) | Q(doctor__user=user), pk=pk)
        .first()
    )


def prescription_by_code(code):
    """The issued prescription a verification code names, or None."""
    return (
        Prescription.objects.filter(verification_code=code, status__in=ISSUED_OR_AFTER)
        .only(
            "status",
            "doctor_name",
            "doctor_registration",
            "patient_initials",
            "issued_at",
            "verification_code",
        )
        .first()
    )


def medicine_names():
    """The catalogue's names, for the form's suggestions."""
    return list(Medicine.objects.order_by("name").values_list("name", flat=True))


def medicines_matching(names) -> dict:
    """{key: the catalogue entry it means} for the typed `names`, keyed by
    matching_key(name): its exact name (any case), or a generic name only one entry
    has. Free text (or an ambiguous generic name) is left out. Two queries, however many names."""
    wanted = {matching_key(name) for name in names} - {""}
    if not wanted:
        return {}
    found = {}
    for medicine in Medicine.objects.annotate(lower_name=Lower("name")).filter(lower_name__in=wanted):
        found.setdefault(medicine.lower_name, medicine)
    by_generic = {}
    rest = [key for key in wanted if key not in found]
    if rest:
        generic = Medicine.objects.annotate(lower_generic=Lower("generic_name"))
        for medicine in generic.filter(lower_generic__in=rest):
            by_generic.setdefault(medicine.lower_generic, []).append(medicine)
    for key, matches in by_generic.items():
        if len(matches) == 1:
            found[key] = matches[0]
    return found


def matching_key(name) -> str:
    return (name or "").strip().lower()


def medicine_matching(name):
    """The catalogue entry a typed name means (medicines_matching for one name), or None."""
    return medicines_matching([name]).get(matching_key(name))


def prohibited_names():
    """Lower-cased names and generic names of the catalogue's PROHIBITED medicines."""
    names = set()
    for name, generic in Medicine.objects.filter(tele_list=TeleList.PROHIBITED).values_list(
        "name", "generic_name"
    ):
        names.update(part.strip().lower() for part in (name, generic) if part and part.strip())
    return names


def earlier_generic_names(*, patient, before, exclude_ids=()):
    """Lower-cased generic names on `patient`'s prescriptions issued before
    `before` (still valid or superseded; a revoked one continues nothing)."""
    items = PrescriptionItem.objects.filter(
        prescription__patient=patient,
        prescription__status__in=(Prescription.Status.ISSUED, Prescription.Status.SUPERSEDED),
        prescription__issued_at__lt=before,
    ).exclude(prescription_id__in=exclude_ids)
    names = set()
    for name, generic in items.values_list("name", "medicine__generic_name"):
        names.add((generic or name).strip().lower())
    return names


def earlier_consultations(*, appointment, since):
    """The COMPLETED appointments of the same patient with the same doctor that
    started between `since` and this appointment's start, as (mode, start)."""
    return list(
        Appointment.objects.filter(
            patient_id=appointment.patient_id,
            doctor_id=appointment.doctor_id,
            status=Appointment.Status.COMPLETED,
            start__gte=since,
            start__lt=appointment.start,
        )
        .exclude(pk=appointment.pk)
        .values_list("mode", "start")
    )
