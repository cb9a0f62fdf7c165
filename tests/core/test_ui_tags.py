import pytest

from core.templatetags.ui import avatar_class, initials


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Asha Rao", "AR"), ("Dr. Asha Rao", "AR"), ("Priya", "P"), ("dr. vikram anand iyer", "VI"), ("", "?")],
)
def test_initials(name, expected):
    assert initials(name) == expected


def test_avatar_class_is_stable_and_in_range():
    names = [f"Doctor {n}" for n in range(200)]

    classes = {avatar_class(name) for name in names}

    assert avatar_class("Asha Rao") == avatar_class("Asha Rao")
    assert classes == {f"avatar-{n}" for n in range(8)}
