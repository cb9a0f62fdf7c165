import pytest
from django.core.management import call_command
from django.db import IntegrityError

from core.models import AuditLog
from prescriptions.catalogue import catalogue_load, catalogue_rows
from prescriptions.models import Medicine, TeleList


def test_catalogue_loaded_has_every_list_and_a_source_on_every_classified_entry(db):
    assert Medicine.objects.count() >= 250
    assert set(Medicine.objects.values_list("tele_list", flat=True)) == set(TeleList.values)
    classified = Medicine.objects.exclude(tele_list=TeleList.UNCLASSIFIED)
    assert classified.count() > 40
    assert not classified.filter(source="").exists()
    # Every entry has a route or a form, so the form can suggest them.
    assert not Medicine.objects.filter(forms="", route="").exists()


def test_catalogue_examples_from_the_guidelines_are_on_their_lists(db):
    lists = dict(Medicine.objects.values_list("name", "tele_list"))
    assert lists["Paracetamol"] == TeleList.O
    assert lists["Clotrimazole cream"] == TeleList.A
    assert lists["Ciprofloxacin eye drops"] == TeleList.A
    assert lists["Ciprofloxacin"] == TeleList.UNCLASSIFIED  # the tablets are not on List A
    assert lists["Sitagliptin"] == TeleList.B
    assert lists["Methylphenidate"] == TeleList.PROHIBITED  # Schedule X
    assert lists["Alprazolam"] == TeleList.PROHIBITED  # NDPS Act


def test_catalogue_classified_without_source_refused_by_the_database(db):
    with pytest.raises(IntegrityError):
        Medicine.objects.create(name="Newdrug", generic_name="Newdrug", tele_list=TeleList.O, source="")


def test_catalogue_load_adds_missing_and_keeps_staff_classification(db):
    Medicine.objects.filter(name="Amlodipine").update(tele_list=TeleList.A, source="Staff review 2026")
    Medicine.objects.filter(name="Zinc sulphate").delete()
    assert catalogue_load() == 1
    assert Medicine.objects.get(name="Amlodipine").tele_list == TeleList.A
    assert Medicine.objects.count() == len(catalogue_rows())


@pytest.mark.django_db(transaction=True)
def test_catalogue_survives_a_flush():
    call_command("flush", verbosity=0, interactive=False)
    assert Medicine.objects.count() == len(catalogue_rows())


def test_catalogue_admin_classification_is_audited(client, staff):
    medicine = Medicine.objects.get(name="Amlodipine")
    client.force_login(staff)
    response = client.post(
        f"/admin/prescriptions/medicine/{medicine.pk}/change/",
        {
            "name": medicine.name,
            "generic_name": medicine.generic_name,
            "strengths": medicine.strengths,
            "forms": medicine.forms,
            "route": medicine.route,
            "tele_list": TeleList.A,
            "source": "Telemedicine Practice Guidelines 2020, List A: hypertension refills",
        },
    )
    assert response.status_code == 302
    medicine.refresh_from_db()
    assert medicine.tele_list == TeleList.A
    entry = AuditLog.objects.get(action="medicine.classify")
    assert entry.actor == staff
    assert entry.target_id == str(medicine.pk)
    assert "UNCLASSIFIED -> A" in entry.detail


def test_catalogue_admin_refuses_a_list_without_source(client, staff):
    medicine = Medicine.objects.get(name="Amlodipine")
    client.force_login(staff)
    response = client.post(
        f"/admin/prescriptions/medicine/{medicine.pk}/change/",
        {"name": medicine.name, "generic_name": medicine.generic_name, "tele_list": TeleList.B, "source": ""},
    )
    assert response.status_code == 200
    assert Medicine.objects.get(pk=medicine.pk).tele_list == TeleList.UNCLASSIFIED
    assert not AuditLog.objects.filter(action__startswith="medicine.").exists()
