import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from accounts.signals import user_registered
from medconsult.management.commands.seed_demo import DEMO_ACCOUNTS, DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_creates_each_role_with_working_login_and_is_idempotent(
    settings, client, django_capture_on_commit_callbacks
):
    settings.DEBUG = True
    registered = []
    user_registered.connect(lambda sender, user, **kw: registered.append(user.email), weak=False)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    User.objects.filter(email="patient@medconsult.local").update(password="changed")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)

    assert {(u.email, u.role) for u in User.objects.all()} == {(e, r) for e, _, r in DEMO_ACCOUNTS}
    assert sorted(registered) == ["doctor@medconsult.local", "patient@medconsult.local"]
    for email, _, _ in DEMO_ACCOUNTS:
        response = client.post("/accounts/login/", {"username": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        client.logout()
    assert User.objects.get(email="admin@medconsult.local").is_superuser


def test_seed_demo_force_runs_with_debug_off(settings):
    settings.DEBUG = False

    call_command("seed_demo", "--force", verbosity=0)

    assert User.objects.count() == len(DEMO_ACCOUNTS)
