"""The one rule function, for every list x consultation kind x first / follow-up."""

import pytest

from prescriptions.models import ConsultKind, TeleList
from prescriptions.rules import Consultation, may_prescribe

O, A, B, X, U = TeleList.O, TeleList.A, TeleList.B, TeleList.PROHIBITED, TeleList.UNCLASSIFIED  # noqa: E741
IN_PERSON, VIDEO, AUDIO, TEXT = ConsultKind.IN_PERSON, ConsultKind.VIDEO, ConsultKind.AUDIO, ConsultKind.TEXT

FIRST = Consultation  # a first consultation: no follow-up
# (follow_up, after_in_person): first; follow-up after an online one; follow-up after an in-person one.
STAGES = {"first": (False, False), "follow-up online": (True, False), "follow-up in person": (True, True)}

# Expected: allowed without confirmation, refused, or "confirm" (refused until the doctor confirms).
EXPECTED = {
    # in person: nothing is restricted
    **{(lst, IN_PERSON, stage): "yes" for lst in (O, A, B, X, U) for stage in STAGES},
    # prohibited: never online
    **{(X, kind, stage): "no" for kind in (VIDEO, AUDIO, TEXT) for stage in STAGES},
    # list O: any teleconsultation
    **{(O, kind, stage): "yes" for kind in (VIDEO, AUDIO, TEXT) for stage in STAGES},
    # list A: video (a first prescription by audio or text is refused; refills are tested apart)
    **{(A, VIDEO, stage): "yes" for stage in STAGES},
    **{(A, kind, stage): "no" for kind in (AUDIO, TEXT) for stage in STAGES},
    # list B: only a same-condition follow-up after an in-person visit
    **{(B, kind, "first"): "no" for kind in (VIDEO, AUDIO, TEXT)},
    **{(B, kind, "follow-up online"): "no" for kind in (VIDEO, AUDIO, TEXT)},
    **{(B, kind, "follow-up in person"): "yes" for kind in (VIDEO, AUDIO, TEXT)},
    # unclassified or free text: online, the doctor confirms it is not restricted
    **{(U, kind, stage): "confirm" for kind in (VIDEO, AUDIO, TEXT) for stage in STAGES},
}


@pytest.mark.parametrize(("tele_list", "kind", "stage"), sorted(EXPECTED, key=str))
def test_rule_decides_every_list_kind_and_stage(tele_list, kind, stage):
    follow_up, after_in_person = STAGES[stage]
    consultation = Consultation(kind=kind, follow_up=follow_up, after_in_person=after_in_person)
    verdict = may_prescribe(name="Testmed", tele_list=tele_list, consultation=consultation)
    expected = EXPECTED[(tele_list, kind, stage)]
    assert verdict.allowed is (expected == "yes")
    assert verdict.needs_confirmation is (expected == "confirm")
    if not verdict.allowed:
        assert verdict.reason.startswith("Testmed ")


@pytest.mark.parametrize("kind", [AUDIO, TEXT])
def test_rule_list_a_refill_allowed_by_any_mode(kind):
    verdict = may_prescribe(
        name="Metformin", tele_list=A, consultation=Consultation(kind=kind), continues_earlier=True
    )
    assert verdict.allowed


@pytest.mark.parametrize("kind", [VIDEO, AUDIO, TEXT])
def test_rule_unclassified_allowed_once_confirmed(kind):
    verdict = may_prescribe(
        name="Amlodipine", tele_list=U, consultation=Consultation(kind=kind), confirmed_unrestricted=True
    )
    assert verdict.allowed


def test_rule_confirmation_never_unlocks_a_prohibited_medicine():
    verdict = may_prescribe(
        name="Alprazolam",
        tele_list=X,
        consultation=Consultation(kind=VIDEO, follow_up=True, after_in_person=True),
        continues_earlier=True,
        confirmed_unrestricted=True,
    )
    assert not verdict.allowed
    assert "Schedule X or NDPS Act" in verdict.reason
    assert "in person" in verdict.reason


def test_rule_refusals_say_why_in_a_doctors_words():
    audio = may_prescribe(name="Clotrimazole cream", tele_list=A, consultation=Consultation(kind=AUDIO))
    assert audio.reason == (
        "Clotrimazole cream is on List A: a first prescription of it needs a video consultation, and this "
        "was an audio consultation. It can be prescribed by audio only as a refill of an earlier prescription."
    )
    first = may_prescribe(name="Sitagliptin", tele_list=B, consultation=Consultation(kind=VIDEO))
    assert "follow-up for the same condition" in first.reason
    assert "within 6 months" in first.reason
    assert "not recorded as such a follow-up" in first.reason
    online_only = may_prescribe(
        name="Sitagliptin", tele_list=B, consultation=Consultation(kind=VIDEO, follow_up=True)
    )
    assert "You have not seen this patient in person in that time." in online_only.reason
