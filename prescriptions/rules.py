"""The telemedicine rules: the one place that decides whether a medicine may be
prescribed in a consultation (Telemedicine Practice Guidelines 2020, see
shared/CLINICAL.md).

Pure: `may_prescribe` reads only its arguments. What it needs to know about the
consultation (its kind; whether it is a same-condition follow-up, and after an
in-person visit) is gathered once per prescription by `consultation_facts` in
prescriptions.services.
"""

from dataclasses import dataclass

from prescriptions.models import ConsultKind, TeleList

KIND_WORDS = {
    ConsultKind.VIDEO: "a video consultation",
    ConsultKind.AUDIO: "an audio consultation",
    ConsultKind.TEXT: "a text consultation",
    ConsultKind.IN_PERSON: "an in-person visit",
}


@dataclass(frozen=True)
class Consultation:
    """What the rules need to know about the consultation a prescription is for."""

    kind: str  # a ConsultKind
    # The doctor confirms the same condition, and an earlier completed
    # consultation with this doctor falls within the follow-up period.
    follow_up: bool = False
    # ... and one of those earlier consultations was in person.
    after_in_person: bool = False
    follow_up_months: int = 6


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""
    # Allowed once the doctor confirms the medicine is not restricted (unclassified or free text).
    needs_confirmation: bool = False


ALLOWED = Verdict(True)


def may_prescribe(
    *,
    name: str,
    tele_list: str,
    consultation: Consultation,
    continues_earlier: bool = False,
    confirmed_unrestricted: bool = False,
) -> Verdict:
    """May `name` (on `tele_list`; free text counts as UNCLASSIFIED) be prescribed in `consultation`?

    - In person: the lists do not restrict clinic visits.
    - PROHIBITED (Schedule X, NDPS Act): never online.
    - O: any teleconsultation.
    - A: a video consultation, or any mode when it continues an earlier
      prescription of the same generic medicine for this patient.
    - B: only a same-condition follow-up after an in-person visit with this doctor.
    - UNCLASSIFIED: online only once the doctor confirms it is not restricted.
    """
    if consultation.kind == ConsultKind.IN_PERSON:
        return ALLOWED
    mode = KIND_WORDS.get(consultation.kind, "a teleconsultation")
    if tele_list == TeleList.PROHIBITED:
        return Verdict(
            False,
            f"{name} is a Schedule X or NDPS Act medicine, which may not be prescribed in any "
            "teleconsultation. See the patient in person to prescribe it.",
        )
    if tele_list == TeleList.O:
        return ALLOWED
    if tele_list == TeleList.A:
        if consultation.kind == ConsultKind.VIDEO or continues_earlier:
            return ALLOWED
        return Verdict(
            False,
            f"{name} is on List A: a first prescription of it needs a video consultation, and this was "
            f"{mode}. It can be prescribed by {mode.split()[1]} only as a refill of an earlier prescription.",
        )
    if tele_list == TeleList.B:
        if consultation.follow_up and consultation.after_in_person:
            return ALLOWED
        return Verdict(
            False,
            f"{name} is on List B: online, it can only be added in a follow-up for the same condition after "
            f"you saw the patient in person (within {consultation.follow_up_months} months). "
            + (
                "You have not seen this patient in person in that time."
                if consultation.follow_up
                else "This is not recorded as such a follow-up."
            ),
        )
    if confirmed_unrestricted:
        return ALLOWED
    return Verdict(
        False,
        f"{name} is not classified in the telemedicine lists. To prescribe it online, confirm that it "
        "is not a restricted medicine (Schedule X, NDPS Act) by ticking the box below.",
        needs_confirmation=True,
    )
