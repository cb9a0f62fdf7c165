"""Doctor verification in Django admin: the queue, bulk and single approve/reject."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog, Notification
from profiles.models import DoctorDocument, DoctorProfile
from tests.factories import (
    MINIMAL_PDF,
    AdminFactory,
    CityFactory,
    ClinicFactory,
    DoctorDocumentFactory,
    DoctorProfileFactory,
    LocalityFactory,
    PatientProfileFactory,
    QualificationFactory,
    complete_doctor,
)

pytestmark = pytest.mark.django_db
Status = DoctorProfile.Status
CHANGELIST = "admin:profiles_doctorprofile_changelist"


def pending_doctor(*, days_waiting=1, **kwargs):
    return complete_doctor(
        status=Status.PENDING, submitted_at=timezone.now() - timedelta(days=days_waiting), **kwargs
    )


def change_url(profile):
    return reverse("admin:profiles_doctorprofile_change", args=[profile.pk])


def approve_url(profile_pk):
    return reverse("admin:profiles_doctorprofile_approve", args=[profile_pk])


def reject_url(profile_pk):
    return reverse("admin:profiles_doctorprofile_reject", args=[profile_pk])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def decision_state(profile):
    profile.refresh_from_db()
    return (profile.status, profile.decided_by_id, profile.rejection_reason)


def side_effects_for(profile):
    """Notifications, audit rows and emails the decision left for this doctor."""
    return (
        list(Notification.objects.filter(user=profile.user).values_list("kind", flat=True)),
        list(
            AuditLog.objects.filter(
                action__startswith="verification.", target_id=str(profile.pk), actor__isnull=False
            )
            .exclude(action="verification.submitted")
            .values_list("action", flat=True)
        ),
        [m.to for m in mail.outbox],
    )


# --- The queue -----------------------------------------------------------------------------


def test_queue_lists_pending_first_oldest_submission_first(client_for, staff):
    now = timezone.now()
    verified = DoctorProfileFactory(
        full_name="Dr. A Verified", status=Status.VERIFIED, submitted_at=now - timedelta(days=30)
    )
    recent = DoctorProfileFactory(full_name="Dr. B Recent", status=Status.PENDING, submitted_at=now)
    waiting = DoctorProfileFactory(
        full_name="Dr. C Waiting", status=Status.PENDING, submitted_at=now - timedelta(days=3)
    )
    draft = DoctorProfileFactory(full_name="Dr. D Draft")

    response = client_for(staff).get(reverse(CHANGELIST))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [waiting, recent, verified, draft]


def test_queue_search_finds_doctor_by_registration_number(client_for, staff):
    wanted = DoctorProfileFactory(registration_number="KMC-2011-777")
    DoctorProfileFactory(registration_number="MMC-2008-12345")

    response = client_for(staff).get(reverse(CHANGELIST), {"q": "KMC-2011-777"})

    assert list(response.context["cl"].result_list) == [wanted]


def test_queue_filters_by_status(client_for, staff):
    pending = DoctorProfileFactory(status=Status.PENDING, submitted_at=timezone.now())
    DoctorProfileFactory(status=Status.VERIFIED)

    response = client_for(staff).get(reverse(CHANGELIST), {"status__exact": "PENDING"})

    assert list(response.context["cl"].result_list) == [pending]


def queries_for_queue(browser):
    browser.get(reverse(CHANGELIST))  # warms the session cache, as for any later page
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(reverse(CHANGELIST))
    assert response.status_code == 200
    return len(queries.captured_queries), len(response.context["cl"].result_list)


def test_queue_query_count_does_not_grow_with_doctors(client_for, staff):
    browser = client_for(staff)
    DoctorProfileFactory(status=Status.PENDING, submitted_at=timezone.now())
    queries_with_one, rows = queries_for_queue(browser)
    assert rows == 1
    DoctorProfileFactory.create_batch(2, status=Status.VERIFIED)

    queries_with_three, rows = queries_for_queue(browser)

    assert rows == 3
    assert queries_with_three == queries_with_one


# --- Bulk approve ------------------------------------------------------------------------------


def test_bulk_approve_verifies_notifies_emails_and_audits(
    client_for, staff, django_capture_on_commit_callbacks
):
    profile = pending_doctor()
    assert profile.decided_at is None

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post(
            reverse(CHANGELIST), {"action": "approve_selected", "_selected_action": [profile.pk]}
        )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.status == Status.VERIFIED
    assert profile.decided_by == staff
    assert profile.decided_at is not None
    assert side_effects_for(profile) == (
        ["verification.approved"],
        ["verification.approved"],
        [[profile.user.email]],
    )
    assert mail.outbox[0].subject == "You are verified on MedConsult"
    assert messages_of(response) == [f"Approved 1 doctor: {profile}."]


def test_bulk_approve_skips_profiles_that_are_not_pending(client_for, staff):
    pending = pending_doctor(full_name="Dr. Pending Person")
    verified = DoctorProfileFactory(full_name="Dr. Already Verified", status=Status.VERIFIED)
    draft = DoctorProfileFactory(full_name="Dr. Still Drafting")

    response = client_for(staff).post(
        reverse(CHANGELIST),
        {"action": "approve_selected", "_selected_action": [pending.pk, verified.pk, draft.pk]},
    )

    assert response.status_code == 302
    assert decision_state(pending) == (Status.VERIFIED, staff.pk, "")
    assert decision_state(verified) == (Status.VERIFIED, None, "")
    assert decision_state(draft) == (Status.DRAFT, None, "")
    assert Notification.objects.filter(user__in=[verified.user, draft.user]).count() == 0
    assert messages_of(response) == [
        "Approved 1 doctor: Dr. Pending Person.",
        "Skipped 2 doctors not pending verification: Dr. Already Verified (verified), "
        "Dr. Still Drafting (draft).",
    ]


# --- Bulk reject ---------------------------------------------------------------------------------


def test_bulk_reject_first_asks_for_a_reason(client_for, staff):
    first, second = pending_doctor(days_waiting=2), pending_doctor()

    response = client_for(staff).post(
        reverse(CHANGELIST), {"action": "reject_selected", "_selected_action": [first.pk, second.pk]}
    )

    assert response.status_code == 200
    assert "admin/profiles/doctorprofile/reject.html" in [t.name for t in response.templates]
    assert response.context["pending"] == [first, second]
    page = response.content.decode()
    assert f'name="_selected_action" value="{first.pk}"' in page
    assert f'name="_selected_action" value="{second.pk}"' in page
    assert 'name="action" value="reject_selected"' in page
    assert 'name="apply" value="yes"' in page
    assert decision_state(first) == (Status.PENDING, None, "")


def test_bulk_reject_without_reason_shows_the_form_again_and_changes_nothing(client_for, staff):
    profile = pending_doctor()

    response = client_for(staff).post(
        reverse(CHANGELIST),
        {"action": "reject_selected", "_selected_action": [profile.pk], "apply": "yes", "reason": "   "},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    assert f'name="_selected_action" value="{profile.pk}"' in response.content.decode()
    assert decision_state(profile) == (Status.PENDING, None, "")
    assert side_effects_for(profile) == ([], [], [])


def test_bulk_reject_with_reason_rejects_notifies_emails_and_audits(
    client_for, staff, django_capture_on_commit_callbacks
):
    profile = pending_doctor()
    verified = DoctorProfileFactory(full_name="Dr. Already Verified", status=Status.VERIFIED)
    reason = "The registration certificate is unreadable."

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post(
            reverse(CHANGELIST),
            {
                "action": "reject_selected",
                "_selected_action": [profile.pk, verified.pk],
                "apply": "yes",
                "reason": reason,
            },
        )

    assert response.status_code == 302
    assert decision_state(profile) == (Status.REJECTED, staff.pk, reason)
    assert decision_state(verified) == (Status.VERIFIED, None, "")
    assert side_effects_for(profile) == (
        ["verification.rejected"],
        ["verification.rejected"],
        [[profile.user.email]],
    )
    assert reason in mail.outbox[0].body
    assert AuditLog.objects.get(action="verification.rejected").detail == reason
    assert messages_of(response) == [
        f"Rejected 1 doctor: {profile}.",
        "Skipped 1 doctor not pending verification: Dr. Already Verified (verified).",
    ]


# --- Single approve / reject from the change page ----------------------------------------------------


def test_change_page_of_pending_doctor_offers_approve_and_reject(client_for, staff):
    profile = pending_doctor()

    page = client_for(staff).get(change_url(profile)).content.decode()

    assert f'href="{approve_url(profile.pk)}"' in page
    assert f'href="{reject_url(profile.pk)}"' in page


def test_change_page_of_verified_doctor_offers_no_decision(client_for, staff):
    profile = DoctorProfileFactory(status=Status.VERIFIED)

    page = client_for(staff).get(change_url(profile)).content.decode()

    assert approve_url(profile.pk) not in page
    assert reject_url(profile.pk) not in page


def test_change_page_keeps_verification_fields_read_only(client_for, staff):
    profile = pending_doctor()

    response = client_for(staff).get(change_url(profile))

    editable = set(response.context["adminform"].form.fields)
    assert editable.isdisjoint(
        {
            "status",
            "decided_by",
            "decided_at",
            "submitted_at",
            "rejection_reason",
            *DoctorProfile.VERIFICATION_FIELDS,
        }
    )
    assert "bio" in editable


def test_single_approve_get_asks_to_confirm_and_changes_nothing(client_for, staff):
    profile = pending_doctor()

    response = client_for(staff).get(approve_url(profile.pk))

    assert response.status_code == 200
    assert 'value="Yes, approve"' in response.content.decode()
    assert decision_state(profile) == (Status.PENDING, None, "")
    assert side_effects_for(profile) == ([], [], [])


def test_single_approve_post_verifies_and_returns_to_change_page(
    client_for, staff, django_capture_on_commit_callbacks
):
    profile = pending_doctor()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post(approve_url(profile.pk))

    assert response.status_code == 302
    assert response.url == change_url(profile)
    assert decision_state(profile) == (Status.VERIFIED, staff.pk, "")
    assert side_effects_for(profile) == (
        ["verification.approved"],
        ["verification.approved"],
        [[profile.user.email]],
    )
    assert messages_of(response) == [f"{profile} is verified and has been notified."]


def test_single_approve_of_rejected_doctor_changes_nothing(client_for, staff):
    profile = DoctorProfileFactory(status=Status.REJECTED, rejection_reason="Blurry ID.")

    response = client_for(staff).post(approve_url(profile.pk))

    assert response.status_code == 302
    assert response.url == change_url(profile)
    assert decision_state(profile) == (Status.REJECTED, None, "Blurry ID.")
    assert messages_of(response) == [f"Only pending profiles can be decided; {profile} is rejected."]


def test_single_reject_get_shows_reason_form(client_for, staff):
    profile = pending_doctor()

    response = client_for(staff).get(reject_url(profile.pk))

    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    assert decision_state(profile) == (Status.PENDING, None, "")


def test_single_reject_without_reason_shows_error_and_changes_nothing(client_for, staff):
    profile = pending_doctor()

    response = client_for(staff).post(reject_url(profile.pk), {"apply": "yes", "reason": ""})

    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    assert decision_state(profile) == (Status.PENDING, None, "")
    assert side_effects_for(profile) == ([], [], [])


def test_single_reject_with_reason_rejects_and_returns_to_change_page(
    client_for, staff, django_capture_on_commit_callbacks
):
    profile = pending_doctor()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post(
            reject_url(profile.pk), {"apply": "yes", "reason": "Degree certificate missing."}
        )

    assert response.status_code == 302
    assert response.url == change_url(profile)
    assert decision_state(profile) == (Status.REJECTED, staff.pk, "Degree certificate missing.")
    assert side_effects_for(profile) == (
        ["verification.rejected"],
        ["verification.rejected"],
        [[profile.user.email]],
    )


@pytest.mark.parametrize("url_for", [approve_url, reject_url])
def test_single_decision_of_unknown_doctor_is_404(client_for, staff, url_for):
    response = client_for(staff).get(url_for(999_999))

    assert response.status_code == 404


@pytest.mark.parametrize("url_for", [approve_url, reject_url])
def test_single_decision_refuses_other_http_methods(client_for, staff, url_for):
    profile = pending_doctor()

    response = client_for(staff).put(url_for(profile.pk))

    assert response.status_code == 405
    assert decision_state(profile) == (Status.PENDING, None, "")


# --- Who may decide --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["doctor", "patient", None])
@pytest.mark.parametrize("url_for", [approve_url, reject_url])
def test_decision_urls_send_non_staff_to_admin_login(client, client_for, request, persona, url_for):
    profile = pending_doctor()
    browser = client_for(request.getfixturevalue(persona)) if persona else client
    url = url_for(profile.pk)

    responses = [browser.get(url), browser.post(url, {"apply": "yes", "reason": "Nope."})]

    for response in responses:
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
    assert decision_state(profile) == (Status.PENDING, None, "")


@pytest.mark.parametrize("persona", ["doctor", "patient"])
def test_bulk_actions_send_non_staff_to_admin_login(client_for, request, persona):
    profile = pending_doctor()

    response = client_for(request.getfixturevalue(persona)).post(
        reverse(CHANGELIST), {"action": "approve_selected", "_selected_action": [profile.pk]}
    )

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert decision_state(profile) == (Status.PENDING, None, "")


def test_decision_urls_forbid_staff_without_change_permission(client_for):
    profile = pending_doctor()
    viewer = AdminFactory(is_superuser=False)

    response = client_for(viewer).post(approve_url(profile.pk))

    assert response.status_code == 403
    assert decision_state(profile) == (Status.PENDING, None, "")


# --- Change page: inlines and documents ------------------------------------------------------------------


def doctor_with(count):
    """A pending doctor with `count` qualifications, clinics and documents."""
    profile = DoctorProfileFactory(status=Status.PENDING, submitted_at=timezone.now())
    kinds = list(DoctorDocument.Kind)[:count]
    for n in range(count):
        QualificationFactory(doctor=profile, degree=f"Degree {n}")
        ClinicFactory(doctor=profile, locality=LocalityFactory(name=f"Area {n}"))
        DoctorDocumentFactory(doctor=profile, kind=kinds[n])
    return profile


def queries_for_change_page(browser, profile):
    browser.get(change_url(profile))  # warms the session cache, as for any later page
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(change_url(profile))
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_change_page_query_count_does_not_grow_with_inline_rows(client_for, staff):
    browser = client_for(staff)
    one, three = doctor_with(1), doctor_with(3)

    assert queries_for_change_page(browser, one) == queries_for_change_page(browser, three)


def test_documents_inline_links_to_download(client_for, staff):
    profile = pending_doctor()
    document = profile.documents.get(kind=DoctorDocument.Kind.REGISTRATION)

    page = client_for(staff).get(change_url(profile)).content.decode()

    assert f'href="{reverse("profiles:document_download", args=[document.pk])}"' in page
    assert document.original_name in page


def test_document_download_link_gives_staff_the_file(client_for, staff):
    document = DoctorDocumentFactory(original_name="registration.pdf")

    response = client_for(staff).get(reverse("profiles:document_download", args=[document.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="registration.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == MINIMAL_PDF


# --- Reference data and patients -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:profiles_specialty_changelist",
        "admin:profiles_city_changelist",
        "admin:profiles_language_changelist",
    ],
)
def test_reference_data_lists_open_for_staff(client_for, staff, url_name):
    response = client_for(staff).get(reverse(url_name), {"q": "a"})

    assert response.status_code == 200


def test_patient_list_searches_by_email_and_shows_city(client_for, staff):
    wanted = PatientProfileFactory(
        full_name="Priya Nair", user__email="priya@example.com", city=CityFactory()
    )
    PatientProfileFactory(full_name="Karan Mehta", user__email="karan@example.com")

    response = client_for(staff).get(reverse("admin:profiles_patientprofile_changelist"), {"q": "priya@"})

    assert list(response.context["cl"].result_list) == [wanted]
    page = response.content.decode()
    assert "priya@example.com" in page
    assert "Pune" in page


def test_patient_change_page_hides_medical_fields(client_for, staff):
    profile = PatientProfileFactory(allergies="Penicillin")

    response = client_for(staff).get(reverse("admin:profiles_patientprofile_change", args=[profile.pk]))

    assert response.status_code == 200
    assert "Penicillin" not in response.content.decode()
