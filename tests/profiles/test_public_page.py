import pytest
from django.urls import reverse

from profiles.models import DoctorProfile
from tests.factories import (
    ClinicFactory,
    QualificationFactory,
    SpecialtyFactory,
    complete_doctor,
    verified_doctor,
)

pytestmark = pytest.mark.django_db
Status = DoctorProfile.Status
VIEWERS = ["anonymous", "patient", "other_doctor", "owner", "staff"]


def view(client, client_for, request, viewer, profile):
    if viewer == "anonymous":
        http = client
    elif viewer == "owner":
        http = client_for(profile.user)
    else:
        http = client_for(request.getfixturevalue(viewer))
    return http.get(reverse("profiles:doctor_page", args=[profile.slug]))


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("status", [Status.DRAFT, Status.PENDING, Status.VERIFIED, Status.REJECTED])
def test_public_page_visibility_by_status_and_viewer(client, client_for, request, viewer, status):
    reason = "Unreadable scan." if status == Status.REJECTED else ""
    profile = complete_doctor(status=status, rejection_reason=reason)

    response = view(client, client_for, request, viewer, profile)

    visible = status == Status.VERIFIED or viewer in ("owner", "staff")
    assert response.status_code == (200 if visible else 404)
    if visible:
        page = response.content.decode()
        assert profile.full_name in page
        assert ("✓ Verified" in page) == (status == Status.VERIFIED)
        assert ("Preview." in page) == (status != Status.VERIFIED)


def test_public_page_shows_the_profile(client):
    profile = verified_doctor(full_name="Dr. Asha Rao", practising_since=2012)

    page = client.get(reverse("profiles:doctor_page", args=[profile.slug])).content.decode()

    assert "<title>Dr. Asha Rao, Dermatologist in Pune · MedConsult</title>" in page
    assert 'name="description" content="Dr. Asha Rao, Dermatologist' in page
    for text in [
        "Dermatologist",
        "MBBS",
        "Armed Forces Medical College",
        "English",
        "₹500",
        "₹700",
        "Kothrud",
    ]:
        assert text in page
    assert f"{profile.experience_years} years experience" in page
    assert 'id="booking"' in page
    assert 'class="avatar avatar-lg avatar-' in page


def test_unknown_slug_is_404(client):
    assert client.get(reverse("profiles:doctor_page", args=["nobody"])).status_code == 404


@pytest.mark.parametrize("count", [1, 3])
def test_public_page_query_count_is_constant(client, django_assert_num_queries, count):
    profile = verified_doctor()
    for n in range(count - 1):
        profile.specialties.add(SpecialtyFactory(name=f"Extra {n}", slug=f"extra-{n}"))
        QualificationFactory(doctor=profile)
        ClinicFactory(doctor=profile)

    # The page's 5, then the slot picker rendered with it: rules, exceptions, taken,
    # settings for the week, and the same four again for the next free slot (none this week).
    with django_assert_num_queries(13):
        response = client.get(reverse("profiles:doctor_page", args=[profile.slug]))

    assert response.status_code == 200


def test_deactivated_doctor_is_not_public(client, client_for, staff):
    profile = verified_doctor()
    profile.user.is_active = False
    profile.user.save(update_fields=["is_active"])

    assert client.get(reverse("profiles:doctor_page", args=[profile.slug])).status_code == 404
    assert client_for(staff).get(reverse("profiles:doctor_page", args=[profile.slug])).status_code == 200
