"""How long ago a notification came: "just now" rather than "0 minutes ago"."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import Notification
from core.notifications import notify
from core.templatetags.ui import ago

pytestmark = pytest.mark.django_db


def test_ago_says_just_now_for_the_last_minute():
    now = timezone.now()

    assert ago(now, now) == "just now"
    assert ago(now - timedelta(seconds=59), now) == "just now"
    assert ago(now + timedelta(seconds=5), now) == "just now"  # a clock slightly ahead


def test_ago_counts_minutes_hours_and_days_after_that():
    now = timezone.now()

    assert ago(now - timedelta(minutes=1), now) == "1\xa0minute ago"
    assert ago(now - timedelta(minutes=5), now) == "5\xa0minutes ago"
    assert ago(now - timedelta(days=2, hours=3), now) == "2\xa0days, 3\xa0hours ago"


def test_notifications_page_says_just_now_for_a_fresh_one(client_for, patient):
    notify(user=patient, kind="t", title="Fresh")
    older = notify(user=patient, kind="t", title="Older")
    Notification.objects.filter(pk=older.pk).update(send_after=timezone.now() - timedelta(minutes=5))

    page = client_for(patient).get(reverse("core:notifications")).content.decode()

    assert ">just now</time>" in page
    assert ">5\xa0minutes ago</time>" in page
    assert "0\xa0minutes ago" not in page
