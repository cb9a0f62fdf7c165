import pytest
from django.urls import reverse

from core.models import Notification
from core.notifications import notify
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_bell_shows_unread_count(client_for, patient):
    notify(user=patient, kind="t", title="One")
    notify(user=patient, kind="t", title="Two")

    page = client_for(patient).get(reverse("patient_dashboard")).content.decode()

    assert 'aria-label="Notifications, 2 unread"' in page
    assert '<span class="bell__count" aria-hidden="true">2</span>' in page


def test_list_shows_only_own_notifications(client_for, patient, other_patient):
    notify(user=patient, kind="t", title="Mine")
    notify(user=other_patient, kind="t", title="Theirs")

    page = client_for(patient).get(reverse("core:notifications")).content.decode()

    assert "Mine" in page
    assert "Theirs" not in page


def test_open_marks_read_and_follows_the_link(client_for, patient):
    notification = notify(user=patient, kind="t", title="Go", url="/patient/profile/")

    response = client_for(patient).post(reverse("core:notification_open", args=[notification.pk]))

    assert response.url == "/patient/profile/"
    notification.refresh_from_db()
    assert notification.is_read


def test_open_refuses_foreign_redirects(client_for, patient):
    notification = notify(user=patient, kind="t", title="Go", url="https://evil.example.com/")

    response = client_for(patient).post(reverse("core:notification_open", args=[notification.pk]))

    assert response.url == reverse("core:notifications")


def test_open_someone_elses_notification_is_404(client_for, patient, other_patient):
    theirs = notify(user=other_patient, kind="t", title="Theirs")

    response = client_for(patient).post(reverse("core:notification_open", args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_mark_all_read_touches_only_own(client_for, patient, other_patient):
    notify(user=patient, kind="t", title="a")
    notify(user=patient, kind="t", title="b")
    notify(user=other_patient, kind="t", title="c")

    client_for(patient).post(reverse("core:notifications_read_all"))

    assert Notification.objects.filter(user=patient, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(user=other_patient, read_at__isnull=True).count() == 1


def test_notifications_need_login(client):
    response = client.get(reverse("core:notifications"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("count", [1, 25])
def test_notification_list_query_count_is_constant(client_for, django_assert_num_queries, count):
    user = PatientFactory()
    for n in range(count):
        notify(user=user, kind="t", title=f"n{n}")
    client = client_for(user)

    # the user, their zone, the page's count and rows, and the bell's unread count
    with django_assert_num_queries(5):
        response = client.get(reverse("core:notifications"))

    assert response.status_code == 200
