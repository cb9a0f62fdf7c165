"""The onboarding page brings the doctor to what went wrong (issue 10, point 6):
a summary at the top linking to each problem, the section concerned open, and
the first field in error marked for focus (static/js/app.js)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from profiles.models import DoctorProfile
from tests.factories import MINIMAL_PDF, DoctorProfileFactory, complete_doctor

pytestmark = pytest.mark.django_db
Status = DoctorProfile.Status


def _summary(page):
    match = re.search(r'<div class="error-summary" id="error-summary".*?</div>', page, re.S)
    assert match, "no error summary on the page"
    return match.group(0)


def _autofocused(page):
    return re.findall(r"<[^>]*\bdata-autofocus\b[^>]*>", page)


def test_submit_too_early_summary_links_each_missing_item_and_takes_focus(client_for):
    profile = DoctorProfileFactory(full_name="Dr. New Doctor")

    response = client_for(profile.user).post(reverse("profiles:doctor_submit"))

    assert response.status_code == 400
    page = response.content.decode()
    summary = _summary(page)
    assert "Before you can submit, please add:" in summary
    assert '<a href="#id_specialties_0">at least one specialty</a>' in summary
    assert '<a href="#id_registration_number">your medical registration number</a>' in summary
    assert '<a href="#id_degree">at least one qualification</a>' in summary
    assert '<a href="#id_kind">your degree certificate</a>' in summary
    # The summary itself takes focus: the problems are all over the page.
    assert len(_autofocused(page)) == 1
    assert 'id="error-summary"' in _autofocused(page)[0]
    # The qualification form, needed for one of them, is open.
    assert re.search(r'<details class="add-item" open>\s*<summary[^>]*>Add a qualification', page)
    # Without JavaScript the submit button's page opens at the summary.
    assert 'action="/doctor/profile/submit/#error-summary"' in page
    profile.refresh_from_db()
    assert profile.status == Status.DRAFT


def test_refused_upload_is_summarised_linked_and_its_field_focused(client_for):
    profile = DoctorProfileFactory()
    fake_pdf = SimpleUploadedFile("scan.pdf", b"just some text, not a PDF", content_type="application/pdf")

    response = client_for(profile.user).post(
        reverse("profiles:document_upload"), {"kind": "DEGREE", "file": fake_pdf}
    )

    assert response.status_code == 400
    page = response.content.decode()
    summary = _summary(page)
    assert re.search(r'<a href="#id_file">File: [^<]+</a>', summary)
    [focused] = _autofocused(page)
    assert 'id="id_file"' in focused
    assert 'action="/doctor/profile/documents/#documents"' in page
    assert not profile.documents.exists()


def test_details_errors_focus_the_first_field_in_page_order(client_for):
    profile = DoctorProfileFactory()

    response = client_for(profile.user).post(
        reverse("profiles:doctor_profile"),
        {
            "full_name": profile.full_name,
            "practising_since": "2999",
            "offers_online": "on",
            "time_zone": "Asia/Kolkata",
        },
    )

    assert response.status_code == 400
    page = response.content.decode()
    summary = _summary(page)
    links = re.findall(r'<a href="(#[^"]+)">', summary)
    assert links == ["#id_practising_since", "#id_fee_online"]
    assert "There are 2 problems" in summary
    [focused] = _autofocused(page)
    assert 'id="id_practising_since"' in focused
    assert 'action="/doctor/profile/#details"' in page


def test_locked_upload_focuses_the_documents_section(client_for):
    profile = complete_doctor(status=Status.PENDING)
    pdf = SimpleUploadedFile("scan.pdf", MINIMAL_PDF, content_type="application/pdf")

    response = client_for(profile.user).post(
        reverse("profiles:document_upload"), {"kind": "DEGREE", "file": pdf}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "cannot change while verification is pending" in _summary(page)
    [focused] = _autofocused(page)
    assert focused.startswith('<section class="card" id="documents"')
    assert 'tabindex="-1"' in focused


def test_page_without_errors_has_no_summary_and_no_focus(client_for):
    profile = DoctorProfileFactory()

    page = client_for(profile.user).get(reverse("profiles:doctor_profile")).content.decode()

    assert 'id="error-summary"' not in page
    assert _autofocused(page) == []
