"""Reads of profiles, each with the joins its page needs (a constant number of queries)."""

from django.db.models import Prefetch

from profiles.models import Clinic, DoctorDocument, DoctorProfile


def _doctor_with_details():
    return DoctorProfile.objects.select_related("user").prefetch_related(
        "specialties",
        "languages",
        "qualifications",
        Prefetch("clinics", queryset=Clinic.objects.select_related("city", "locality")),
    )


def doctor_for_public_page(*, slug, viewer):
    """The doctor behind /doctors/<slug>/, or None when `viewer` may not see it.

    Only VERIFIED doctors are public; the doctor themself (to preview) and
    staff see the page in any state.
    """
    profile = _doctor_with_details().with_bookable().filter(slug=slug).first()
    if profile is None:
        return None
    if viewer.is_staff or (viewer.is_authenticated and profile.user_id == viewer.pk):
        return profile
    if profile.is_bookable:
        return profile
    return None


def doctor_for_onboarding(*, user):
    return _doctor_with_details().prefetch_related("documents").get(user=user)


def doctor_document_for_download(*, user, pk):
    """(document, allowed): the document with that id, if any, and whether `user`
    may download it (its doctor, or staff). The view logs refusals against it."""
    document = DoctorDocument.objects.select_related("doctor__user").filter(pk=pk).first()
    if document is None:
        return None, False
    allowed = user.is_authenticated and (user.is_staff or document.doctor.user_id == user.pk)
    return document, allowed
