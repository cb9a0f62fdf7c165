import pytest
from django.urls import reverse

from accounts.models import User
from core.models import AuditLog, Notification
from profiles.models import DoctorProfile
from profiles.services import (
    ProfileIncomplete,
    VerificationError,
    doctor_profile_update,
    doctor_submit,
)
from tests.factories import (
    MINIMAL_PDF,
    ClinicFactory,
    DoctorProfileFactory,
    LanguageFactory,
    QualificationFactory,
    SpecialtyFactory,
    complete_doctor,
    verified_doctor,
)

pytestmark = pytest.mark.django_db
Status = DoctorProfile.Status


def details(profile, **overrides):
    """The doctor profile form as the browser would post it."""
    data = {
        "full_name": profile.full_name,
        "gender": "FEMALE",
        "registration_number": profile.registration_number,
        "registration_council": profile.registration_council,
        "practising_since": profile.practising_since or 2012,
        "specialties": [s.pk for s in profile.specialties.all()],
        "languages": [lang.pk for lang in profile.languages.all()],
        "offers_online": "on",
        "fee_online": "500",
        "offers_in_person": "",
        "fee_in_person": "",
        "time_zone": "Asia/Kolkata",
        "bio": "Skin care.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v not in (None, "")}


def test_signup_signal_creates_doctor_and_patient_profiles(client, django_capture_on_commit_callbacks):
    form = {"full_name": "Dr. Asha Rao", "email": "asha@example.com", "password": "monsoon-tea-garden-7"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup_doctor"), form)
        client.post(reverse("accounts:logout"))
        client.post(reverse("accounts:signup"), {**form, "full_name": "Priya Nair", "email": "p@example.com"})

    doctor = User.objects.get(email="asha@example.com").doctor_profile
    assert doctor.full_name == "Asha Rao"  # "Dr." is added on display
    assert doctor.display_name == "Dr. Asha Rao"
    assert doctor.slug == "asha-rao"
    assert doctor.status == Status.DRAFT
    assert User.objects.get(email="p@example.com").patient_profile.full_name == "Priya Nair"


def test_doctor_saves_details_with_fee_in_rupees(client_for):
    profile = DoctorProfileFactory(full_name="Dr. Asha Rao")
    skin = SpecialtyFactory(name="Dermatologist", slug="dermatologist")
    english = LanguageFactory()

    response = client_for(profile.user).post(
        reverse("profiles:doctor_profile"),
        details(profile, specialties=[skin.pk], languages=[english.pk], registration_number="KMC 1"),
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.fee_online == 50000
    assert list(profile.specialties.all()) == [skin]
    assert profile.registration_number == "KMC 1"
    assert profile.status == Status.DRAFT


def test_doctor_details_errors_show_inline(client_for):
    profile = DoctorProfileFactory()

    response = client_for(profile.user).post(
        reverse("profiles:doctor_profile"), details(profile, fee_online="", practising_since="2999")
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert "Set a fee for online consultations" in str(form.errors["fee_online"])
    assert "future" in str(form.errors["practising_since"])
    profile.refresh_from_db()
    assert profile.fee_online is None


def test_submit_incomplete_profile_lists_what_is_missing(client_for):
    profile = DoctorProfileFactory(full_name="Dr. New Doctor")

    response = client_for(profile.user).post(reverse("profiles:doctor_submit"))

    assert response.status_code == 400
    page = response.content.decode()
    assert "Before you can submit, please add:" in page
    for item in ["at least one specialty", "your medical registration number", "your degree certificate"]:
        assert item in page
    profile.refresh_from_db()
    assert profile.status == Status.DRAFT


def test_submit_complete_profile_goes_pending_with_audit(client_for):
    profile = complete_doctor()

    response = client_for(profile.user).post(reverse("profiles:doctor_submit"))

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.status == Status.PENDING
    assert profile.submitted_at is not None
    assert AuditLog.objects.filter(action="verification.submitted", target_id=str(profile.pk)).exists()


def test_missing_requirements_cover_modes_and_clinics():
    profile = complete_doctor()
    profile.clinics.all().delete()
    profile.fee_online = None
    profile.save()

    with pytest.raises(ProfileIncomplete) as raised:
        doctor_submit(profile=profile)

    assert raised.value.missing == ["your fee for online consultations", "a clinic where you see patients"]


def test_pending_profile_locks_verification_fields(client_for):
    profile = complete_doctor(status=Status.PENDING)

    page = client_for(profile.user).get(reverse("profiles:doctor_profile")).content.decode()
    client_for(profile.user).post(
        reverse("profiles:doctor_profile"), details(profile, registration_number="CHANGED", bio="New bio")
    )

    assert "Locked while verification is pending." in page
    profile.refresh_from_db()
    assert profile.registration_number == "MMC-2008-12345"
    assert profile.bio == "New bio"
    with pytest.raises(VerificationError):
        doctor_profile_update(profile=profile, data={"registration_number": "X"})


def test_pending_profile_refuses_document_upload(client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    profile = complete_doctor(status=Status.PENDING)
    upload = SimpleUploadedFile("new.pdf", MINIMAL_PDF, content_type="application/pdf")

    response = client_for(profile.user).post(
        reverse("profiles:document_upload"), {"kind": "DEGREE", "file": upload}
    )

    assert response.status_code == 400
    assert "cannot change while verification is pending" in response.content.decode()


def test_rejected_doctor_sees_reason_fixes_and_resubmits(client_for):
    profile = complete_doctor(status=Status.REJECTED, rejection_reason="The certificate is unreadable.")
    client = client_for(profile.user)

    page = client.get(reverse("profiles:doctor_profile")).content.decode()
    dashboard = client.get(reverse("doctor_dashboard")).content.decode()
    client.post(reverse("profiles:doctor_submit"))

    assert "The certificate is unreadable." in page
    assert "Submit again" in page
    assert "The certificate is unreadable." in dashboard
    profile.refresh_from_db()
    assert profile.status == Status.PENDING
    assert profile.rejection_reason == ""


@pytest.mark.parametrize(
    ("field", "value"),
    [("full_name", "Asha R. Rao"), ("registration_number", "MMC-NEW"), ("registration_council", "DMC")],
)
def test_verified_doctor_changing_verification_field_goes_back_to_pending(
    client_for, field, value, django_capture_on_commit_callbacks
):
    profile = verified_doctor()

    with django_capture_on_commit_callbacks(execute=True):
        client_for(profile.user).post(reverse("profiles:doctor_profile"), details(profile, **{field: value}))

    profile.refresh_from_db()
    assert profile.status == Status.PENDING
    assert getattr(profile, field) == value
    assert Notification.objects.filter(user=profile.user, kind="verification.reopened").exists()
    public = client_for(profile.user).get(reverse("profiles:doctor_page", args=[profile.slug]))
    assert "✓ Verified" not in public.content.decode()


def test_verified_doctor_changing_fees_bio_and_clinics_stays_verified(client_for):
    from tests.factories import LocalityFactory

    profile = verified_doctor()
    locality = LocalityFactory()
    client = client_for(profile.user)

    client.post(reverse("profiles:doctor_profile"), details(profile, fee_online="900", bio="Updated"))
    client.post(
        reverse("profiles:clinic_add"),
        {"name": "Second Clinic", "address": "2 Lane", "city": locality.city.pk, "locality": locality.pk},
    )

    profile.refresh_from_db()
    assert profile.status == Status.VERIFIED
    assert profile.fee_online == 90000
    assert profile.clinics.count() == 2


def test_verified_doctor_adding_a_qualification_goes_back_to_pending(client_for):
    profile = verified_doctor()

    client_for(profile.user).post(
        reverse("profiles:qualification_add"),
        {"degree": "DM Cardiology", "institution": "AIIMS", "year": "2015"},
    )

    profile.refresh_from_db()
    assert profile.status == Status.PENDING
    assert profile.qualifications.filter(degree="DM Cardiology").exists()


def test_pending_doctor_cannot_change_qualifications(client_for):
    profile = complete_doctor(status=Status.PENDING)
    qualification = profile.qualifications.get()
    client = client_for(profile.user)

    added = client.post(
        reverse("profiles:qualification_add"), {"degree": "MD", "institution": "AIIMS", "year": "2015"}
    )
    client.post(reverse("profiles:qualification_remove", args=[qualification.pk]))

    assert added.status_code == 400
    assert list(profile.qualifications.all()) == [qualification]


def test_verified_doctor_cannot_remove_the_only_clinic_while_offering_visits(client_for):
    profile = verified_doctor()
    clinic = profile.clinics.get()

    response = client_for(profile.user).post(
        reverse("appointments:clinic_remove", args=[clinic.pk]), follow=True
    )

    assert "This is your only clinic." in response.content.decode()
    assert profile.clinics.count() == 1


def test_verified_doctor_replacing_a_document_goes_back_to_pending(client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    profile = verified_doctor()
    upload = SimpleUploadedFile("clearer scan.pdf", MINIMAL_PDF, content_type="application/pdf")

    client_for(profile.user).post(
        reverse("profiles:document_upload"), {"kind": "REGISTRATION", "file": upload}
    )

    profile.refresh_from_db()
    assert profile.status == Status.PENDING
    assert profile.documents.get(kind="REGISTRATION").original_name == "clearer scan.pdf"


def test_name_change_keeps_account_name_in_step(client_for):
    profile = DoctorProfileFactory(full_name="Dr. Old Name")

    client_for(profile.user).post(
        reverse("profiles:doctor_profile"), details(profile, full_name="Dr. New Name")
    )

    profile.user.refresh_from_db()
    assert profile.user.full_name == "New Name"
    assert profile.user.get_full_name() == "Dr. New Name"


def test_qualification_and_clinic_add_and_remove(client_for):
    from tests.factories import LocalityFactory

    profile = DoctorProfileFactory()
    locality = LocalityFactory()
    client = client_for(profile.user)

    client.post(
        reverse("profiles:qualification_add"), {"degree": "MBBS", "institution": "AFMC", "year": "2008"}
    )
    client.post(
        reverse("profiles:clinic_add"),
        {"name": "Skin Clinic", "address": "1 MG Road", "city": locality.city.pk, "locality": locality.pk},
    )
    assert [q.degree for q in profile.qualifications.all()] == ["MBBS"]
    assert [c.name for c in profile.clinics.all()] == ["Skin Clinic"]

    client.post(reverse("profiles:qualification_remove", args=[profile.qualifications.get().pk]))
    client.post(reverse("appointments:clinic_remove", args=[profile.clinics.get().pk]))
    assert not profile.qualifications.exists()
    assert not profile.clinics.exists()


def test_clinic_locality_must_be_in_its_city(client_for):
    from tests.factories import CityFactory, LocalityFactory

    profile = DoctorProfileFactory()
    pune = LocalityFactory(city=CityFactory(name="Pune"), name="Kothrud")
    mumbai = CityFactory(name="Mumbai")

    response = client_for(profile.user).post(
        reverse("profiles:clinic_add"),
        {"name": "X", "address": "Y", "city": mumbai.pk, "locality": pune.pk},
    )

    assert response.status_code == 400
    assert "Kothrud is not in Mumbai." in response.content.decode()
    assert not profile.clinics.exists()


def test_removing_another_doctors_clinic_or_qualification_is_404(client_for):
    mine = DoctorProfileFactory()
    clinic = ClinicFactory()
    qualification = QualificationFactory()
    client = client_for(mine.user)

    clinic_response = client.post(reverse("appointments:clinic_remove", args=[clinic.pk]))
    qualification_response = client.post(reverse("profiles:qualification_remove", args=[qualification.pk]))

    assert clinic_response.status_code == 404
    assert qualification_response.status_code == 404
    assert clinic.doctor.clinics.count() == 1
    assert qualification.doctor.qualifications.count() == 1


def test_doctor_with_a_name_in_another_script_gets_a_slug(client, django_capture_on_commit_callbacks):
    form = {"full_name": "डॉ. आशा राव", "email": "asha.hi@example.com", "password": "monsoon-tea-garden-7"}
    other = {**form, "email": "asha.hi2@example.com"}

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup_doctor"), form)
    client.post(reverse("accounts:logout"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup_doctor"), other)

    slugs = list(DoctorProfile.objects.values_list("slug", flat=True))
    assert slugs[0] == "doctor"
    assert slugs[1].startswith("doctor-")
    # Sign-up no longer logs in (the answer must not reveal a taken address);
    # the draft page is visible to its own doctor.
    client.force_login(User.objects.get(email=other["email"]))
    assert client.get(reverse("profiles:doctor_page", args=[slugs[1]])).status_code == 200


@pytest.mark.parametrize("count", [1, 3])
def test_onboarding_page_query_count_is_constant(client_for, django_assert_num_queries, count):
    profile = complete_doctor()
    for n in range(count - 1):
        profile.specialties.add(SpecialtyFactory(name=f"Extra {n}", slug=f"extra-{n}"))
        QualificationFactory(doctor=profile)
        ClinicFactory(doctor=profile)
    client = client_for(profile.user)

    # 13: the clinic form lists localities only once a city is chosen.
    with django_assert_num_queries(13):
        response = client.get(reverse("profiles:doctor_profile"))

    assert response.status_code == 200
