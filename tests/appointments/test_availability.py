"""The doctor's availability page: weekly hours, exceptions, booking settings,
and the bookings a change collides with (never cancelled silently)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments import availability
from appointments.models import (
    Appointment,
    AppointmentEvent,
    AvailabilityException,
    AvailabilityRule,
    BookingSettings,
    Mode,
)
from core.models import Notification
from tests.factories import (
    AppointmentFactory,
    AvailabilityExceptionFactory,
    AvailabilityRuleFactory,
    BookingSettingsFactory,
    ClinicFactory,
    verified_doctor,
)

pytestmark = pytest.mark.django_db

KOLKATA = ZoneInfo("Asia/Kolkata")
PAGE = "appointments:availability"
HTMX = {"HTTP_HX_REQUEST": "true"}
Kind = AvailabilityException.Kind


@pytest.fixture
def profile():
    """A verified doctor in Asia/Kolkata offering video and clinic visits, with one clinic."""
    return verified_doctor(full_name="Dr. Asha Rao", time_zone="Asia/Kolkata")


def next_local(weekday: int, *, weeks_ahead=1):
    """A date on `weekday` at least a week ahead in Kolkata, clear of any notice."""
    today = timezone.localdate(timezone=KOLKATA)
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks_ahead)


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=KOLKATA)


def rule_data(**overrides):
    data = {
        "rule-weekday": "0",
        "rule-start": "09:00",
        "rule-end": "13:00",
        "rule-slot_minutes": "15",
        "rule-mode": Mode.ONLINE,
        "rule-clinic": "",
    }
    data.update(overrides)
    return data


def booking(profile, patient, start, minutes=30, **kwargs):
    return AppointmentFactory(
        doctor=profile, patient=patient, start=start, end=start + timedelta(minutes=minutes), **kwargs
    )


# --- The page and who may see it -------------------------------------------------------------


def test_availability_page_shows_rules_by_weekday_in_doctor_zone(client_for, profile):
    clinic = profile.clinics.get()
    AvailabilityRuleFactory(doctor=profile, weekday=0, start=time(9), end=time(13), slot_minutes=20)
    AvailabilityRuleFactory(
        doctor=profile, weekday=2, start=time(14), end=time(18), mode=Mode.IN_PERSON, clinic=clinic
    )

    response = client_for(profile.user).get(reverse(PAGE))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Times are in Asia/Kolkata" in html
    assert html.index("Monday") < html.index("09:00–13:00") < html.index("Wednesday")
    assert "20-minute slots · Video consultation" in html
    assert (
        f'14:00–18:00</strong>\n<span class="muted">· 30-minute slots · Clinic visit at {clinic.name}' in html
    )
    assert "style=" not in html
    assert "<script>" not in html


def test_availability_page_for_patient_is_forbidden(client_for, patient):
    response = client_for(patient).get(reverse(PAGE))

    assert response.status_code == 403


def test_availability_page_for_staff_is_forbidden(client_for, staff):
    response = client_for(staff).get(reverse(PAGE))

    assert response.status_code == 403


def test_availability_page_for_anonymous_redirects_to_login(client):
    response = client.get(reverse(PAGE))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_availability_page_without_offered_modes_asks_to_turn_one_on(client_for):
    profile = verified_doctor(offers_online=False, offers_in_person=False)

    response = client_for(profile.user).get(reverse(PAGE))

    assert b"You don't offer any consultations yet" in response.content
    assert b"Add hours</button>" not in response.content


@pytest.mark.parametrize("rows", [1, 5])
def test_availability_page_runs_constant_queries(client_for, django_assert_num_queries, profile, rows):
    clinic = profile.clinics.get()
    BookingSettingsFactory(doctor=profile)
    for weekday in range(rows):
        AvailabilityRuleFactory(doctor=profile, weekday=weekday)
        AvailabilityRuleFactory(
            doctor=profile, weekday=weekday, start=time(14), end=time(17), mode=Mode.IN_PERSON, clinic=clinic
        )
        AvailabilityExceptionFactory(doctor=profile, kind=Kind.LEAVE, date=next_local(weekday, weeks_ahead=3))
        AvailabilityExceptionFactory(
            doctor=profile,
            kind=Kind.EXTRA,
            date=next_local(weekday, weeks_ahead=2),
            start=time(18),
            end=time(20),
            slot_minutes=20,
            mode=Mode.IN_PERSON,
            clinic=clinic,
        )
    client = client_for(profile.user)

    # session, user, profile, clinics, rules, exceptions, settings, unread notifications
    with django_assert_num_queries(8):
        response = client.get(reverse(PAGE))

    assert response.status_code == 200
    assert response.content.decode().count(">Remove</button>") == rows * 4


# --- Weekly rules ----------------------------------------------------------------------------


def test_rule_add_with_htmx_returns_rules_fragment(client_for, profile):
    response = client_for(profile.user).post(
        reverse("appointments:availability_rule_add"), rule_data(), **HTMX
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert '<section class="card" id="rules"' in html
    assert "<html" not in html
    assert 'id="collisions" hx-swap-oob="true"' in html
    assert "Added Monday 09:00–13:00 (Video consultation)." in html
    rule = AvailabilityRule.objects.get(doctor=profile)
    assert (rule.weekday, rule.start, rule.end, rule.slot_minutes, rule.mode, rule.clinic) == (
        0,
        time(9),
        time(13),
        15,
        Mode.ONLINE,
        None,
    )


def test_rule_add_without_htmx_redirects_to_page(client_for, profile):
    clinic = profile.clinics.get()

    response = client_for(profile.user).post(
        reverse("appointments:availability_rule_add"),
        rule_data(**{"rule-weekday": "4", "rule-mode": Mode.IN_PERSON, "rule-clinic": str(clinic.pk)}),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse(PAGE) + "#rules"
    assert AvailabilityRule.objects.filter(doctor=profile, weekday=4, clinic=clinic).count() == 1


def test_rule_remove_with_htmx_returns_rules_fragment(client_for, profile):
    rule = AvailabilityRuleFactory(doctor=profile)

    response = client_for(profile.user).post(
        reverse("appointments:availability_rule_remove", args=[rule.pk]), **HTMX
    )

    assert response.status_code == 200
    assert b'id="rules"' in response.content
    assert b"Removed Monday 09:00" in response.content
    assert not AvailabilityRule.objects.filter(pk=rule.pk).exists()


def test_rule_remove_without_htmx_redirects_to_page(client_for, profile):
    rule = AvailabilityRuleFactory(doctor=profile)

    response = client_for(profile.user).post(reverse("appointments:availability_rule_remove", args=[rule.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse(PAGE) + "#rules"
    assert not AvailabilityRule.objects.filter(pk=rule.pk).exists()


def test_rule_add_overlapping_same_mode_is_refused(client_for, profile):
    AvailabilityRuleFactory(doctor=profile, weekday=0, start=time(9), end=time(13))

    response = client_for(profile.user).post(
        reverse("appointments:availability_rule_add"),
        rule_data(**{"rule-start": "12:00", "rule-end": "15:00"}),
    )

    assert response.status_code == 400
    assert "Overlaps Monday 09:00–13:00 (Video consultation)." in response.content.decode()
    assert AvailabilityRule.objects.filter(doctor=profile).count() == 1


def test_rule_add_overlapping_other_mode_is_refused_with_htmx_inline(client_for, profile):
    clinic = profile.clinics.get()
    AvailabilityRuleFactory(doctor=profile, weekday=0, start=time(9), end=time(13))

    response = client_for(profile.user).post(
        reverse("appointments:availability_rule_add"),
        rule_data(
            **{
                "rule-start": "10:00",
                "rule-end": "11:00",
                "rule-mode": Mode.IN_PERSON,
                "rule-clinic": clinic.pk,
            }
        ),
        **HTMX,
    )

    # htmx does not swap 4xx answers: the fragment with the message comes back as 200.
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="form-summary"' in html
    assert "Overlaps Monday 09:00–13:00 (Video consultation)." in html
    assert AvailabilityRule.objects.filter(doctor=profile).count() == 1


def test_rule_add_back_to_back_and_other_weekday_are_accepted(client_for, profile):
    AvailabilityRuleFactory(doctor=profile, weekday=0, start=time(9), end=time(13))
    client = client_for(profile.user)

    client.post(
        reverse("appointments:availability_rule_add"),
        rule_data(**{"rule-start": "13:00", "rule-end": "14:00"}),
    )
    client.post(reverse("appointments:availability_rule_add"), rule_data(**{"rule-weekday": "1"}))

    assert AvailabilityRule.objects.filter(doctor=profile).count() == 3


def test_rule_add_ending_before_start_is_refused(client_for, profile):
    response = client_for(profile.user).post(
        reverse("appointments:availability_rule_add"),
        rule_data(**{"rule-start": "13:00", "rule-end": "09:00"}),
    )

    assert response.status_code == 400
    assert response.context["rule_form"].errors["end"] == ["The end time must be after the start time."]
    assert not AvailabilityRule.objects.exists()


@pytest.mark.parametrize("minutes", ["5", "61"])
def test_rule_add_slot_length_outside_10_to_60_is_refused(client_for, profile, minutes):
    response = client_for(profile.user).post(
        reverse("appointments:availability_rule_add"), rule_data(**{"rule-slot_minutes": minutes})
    )

    assert response.status_code == 400
    assert "slot_minutes" in response.context["rule_form"].errors
    assert not AvailabilityRule.objects.exists()


def test_rule_add_mode_not_offered_is_refused(client_for):
    profile = verified_doctor(offers_in_person=False)

    response = client_for(profile.user).post(
        reverse("appointments:availability_rule_add"),
        rule_data(**{"rule-mode": Mode.IN_PERSON, "rule-clinic": profile.clinics.get().pk}),
    )

    assert response.status_code == 400
    assert response.context["rule_form"].errors["mode"] == [
        "You don't offer that kind of consultation. Turn it on in your profile first."
    ]
    assert not AvailabilityRule.objects.exists()


def test_rule_add_mode_not_offered_is_refused_by_the_service_too(profile):
    profile.offers_online = False

    with pytest.raises(availability.AvailabilityError, match="don't offer video"):
        availability.availability_rule_add(
            doctor=profile, weekday=0, start=time(9), end=time(10), slot_minutes=15, mode=Mode.ONLINE
        )

    assert not AvailabilityRule.objects.exists()


def test_rule_add_with_another_doctors_clinic_is_refused(client_for, profile):
    foreign = ClinicFactory()

    response = client_for(profile.user).post(
        reverse("appointments:availability_rule_add"),
        rule_data(**{"rule-mode": Mode.IN_PERSON, "rule-clinic": str(foreign.pk)}),
    )

    assert response.status_code == 400
    assert response.context["rule_form"].errors["clinic"] == ["Choose one of your own clinics."]
    assert not AvailabilityRule.objects.exists()


def test_rule_add_in_person_without_clinic_is_refused(client_for, profile):
    response = client_for(profile.user).post(
        reverse("appointments:availability_rule_add"), rule_data(**{"rule-mode": Mode.IN_PERSON})
    )

    assert response.status_code == 400
    assert response.context["rule_form"].errors["clinic"] == ["Choose the clinic for these hours."]
    assert not AvailabilityRule.objects.exists()


def test_rule_add_online_with_clinic_is_refused(client_for, profile):
    response = client_for(profile.user).post(
        reverse("appointments:availability_rule_add"), rule_data(**{"rule-clinic": profile.clinics.get().pk})
    )

    assert response.status_code == 400
    assert response.context["rule_form"].errors["clinic"] == [
        "Leave the clinic empty for video consultations."
    ]


def test_rule_remove_by_another_doctor_is_404_and_rule_stays(client_for, profile):
    rule = AvailabilityRuleFactory(doctor=profile)
    intruder = verified_doctor()

    response = client_for(intruder.user).post(
        reverse("appointments:availability_rule_remove", args=[rule.pk])
    )

    assert response.status_code == 404
    assert AvailabilityRule.objects.filter(pk=rule.pk).exists()


def test_rule_remove_by_patient_is_forbidden(client_for, patient, profile):
    rule = AvailabilityRuleFactory(doctor=profile)

    response = client_for(patient).post(reverse("appointments:availability_rule_remove", args=[rule.pk]))

    assert response.status_code == 403
    assert AvailabilityRule.objects.filter(pk=rule.pk).exists()


def test_another_doctors_page_does_not_show_my_rules(client_for, profile):
    AvailabilityRuleFactory(doctor=profile, weekday=0, start=time(7, 10), end=time(8, 50))
    other = verified_doctor()

    response = client_for(other.user).get(reverse(PAGE))

    assert response.status_code == 200
    assert b"07:10" not in response.content


def test_rule_remove_lists_bookings_no_other_hours_cover(client_for, patient, profile):
    monday = next_local(0)
    rule = AvailabilityRuleFactory(doctor=profile, weekday=0, start=time(9), end=time(13))
    stranded = booking(profile, patient, at(monday, 10))
    AvailabilityExceptionFactory(
        doctor=profile,
        kind=Kind.EXTRA,
        date=monday,
        start=time(11),
        end=time(12),
        slot_minutes=30,
        mode=Mode.ONLINE,
    )
    covered = booking(profile, patient, at(monday, 11))
    tuesday = booking(profile, patient, at(monday + timedelta(days=1), 10))

    change = availability.availability_rule_remove(rule=rule)

    assert change.colliding == [stranded]
    assert {a.status for a in (stranded, covered, tuesday)} == {Appointment.Status.CONFIRMED}


def test_rule_remove_over_booking_shows_it_for_review(client_for, patient, profile):
    monday = next_local(0)
    rule = AvailabilityRuleFactory(doctor=profile, weekday=0, start=time(9), end=time(13))
    appointment = booking(profile, patient, at(monday, 10))
    client = client_for(profile.user)

    response = client.post(reverse("appointments:availability_rule_remove", args=[rule.pk]), **HTMX)

    html = response.content.decode()
    assert "1 booking falls in that time" in html
    assert 'id="collisions" hx-swap-oob="true"' in html
    assert f'value="{appointment.pk}" checked' in html
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED


# --- Exceptions ------------------------------------------------------------------------------


def test_exception_add_leave_creates_it_and_lists_it(client_for, profile):
    first = next_local(2)
    client = client_for(profile.user)

    response = client.post(
        reverse("appointments:availability_exception_add", args=["leave"]),
        {
            "leave-date": first.isoformat(),
            "leave-end_date": (first + timedelta(days=2)).isoformat(),
            "leave-note": "Conference",
        },
        **HTMX,
    )

    assert response.status_code == 200
    assert b'id="exceptions"' in response.content
    leave = AvailabilityException.objects.get(doctor=profile)
    assert (leave.kind, leave.date, leave.end_date, leave.note) == (
        Kind.LEAVE,
        first,
        first + timedelta(days=2),
        "Conference",
    )
    assert f"{first:%a}, {first.day} {first:%b} – ".encode() in response.content


def test_exception_add_single_day_leave_without_last_day(client_for, profile):
    day = next_local(3)

    response = client_for(profile.user).post(
        reverse("appointments:availability_exception_add", args=["leave"]), {"leave-date": day.isoformat()}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse(PAGE) + "#exceptions"
    assert AvailabilityException.objects.get(doctor=profile).end_date == day


def test_exception_add_leave_ending_before_start_is_refused(client_for, profile):
    first = next_local(2)

    response = client_for(profile.user).post(
        reverse("appointments:availability_exception_add", args=["leave"]),
        {"leave-date": first.isoformat(), "leave-end_date": (first - timedelta(days=1)).isoformat()},
    )

    assert response.status_code == 400
    assert response.context["leave_form"].errors["end_date"] == [
        "The last day of leave cannot be before the first."
    ]
    assert not AvailabilityException.objects.exists()


def test_exception_add_leave_in_the_past_is_refused(client_for, profile):
    yesterday = timezone.localdate(timezone=KOLKATA) - timedelta(days=1)

    response = client_for(profile.user).post(
        reverse("appointments:availability_exception_add", args=["leave"]),
        {"leave-date": yesterday.isoformat()},
    )

    assert response.status_code == 400
    assert response.context["leave_form"].errors["date"] == ["That date has already passed."]
    assert not AvailabilityException.objects.exists()


def test_exception_add_blocked_hours(client_for, profile):
    day = next_local(1)

    response = client_for(profile.user).post(
        reverse("appointments:availability_exception_add", args=["block"]),
        {"block-date": day.isoformat(), "block-start": "14:00", "block-end": "16:00"},
    )

    assert response.status_code == 302
    block = AvailabilityException.objects.get(doctor=profile)
    assert (block.kind, block.date, block.start, block.end) == (Kind.BLOCK, day, time(14), time(16))


def test_exception_add_blocked_hours_ending_before_start_is_refused(client_for, profile):
    response = client_for(profile.user).post(
        reverse("appointments:availability_exception_add", args=["block"]),
        {"block-date": next_local(1).isoformat(), "block-start": "16:00", "block-end": "14:00"},
        **HTMX,
    )

    assert response.status_code == 200
    assert b"The end time must be after the start time." in response.content
    assert not AvailabilityException.objects.exists()


def test_exception_add_extra_hours_at_own_clinic(client_for, profile):
    clinic = profile.clinics.get()
    saturday = next_local(5)

    response = client_for(profile.user).post(
        reverse("appointments:availability_exception_add", args=["extra"]),
        {
            "extra-date": saturday.isoformat(),
            "extra-start": "10:00",
            "extra-end": "12:00",
            "extra-slot_minutes": "20",
            "extra-mode": Mode.IN_PERSON,
            "extra-clinic": str(clinic.pk),
        },
    )

    assert response.status_code == 302
    extra = AvailabilityException.objects.get(doctor=profile)
    assert (extra.kind, extra.start, extra.end, extra.slot_minutes, extra.mode, extra.clinic) == (
        Kind.EXTRA,
        time(10),
        time(12),
        20,
        Mode.IN_PERSON,
        clinic,
    )


def test_exception_add_extra_hours_with_another_doctors_clinic_is_refused(client_for, profile):
    response = client_for(profile.user).post(
        reverse("appointments:availability_exception_add", args=["extra"]),
        {
            "extra-date": next_local(5).isoformat(),
            "extra-start": "10:00",
            "extra-end": "12:00",
            "extra-slot_minutes": "20",
            "extra-mode": Mode.IN_PERSON,
            "extra-clinic": str(ClinicFactory().pk),
        },
    )

    assert response.status_code == 400
    assert response.context["extra_form"].errors["clinic"] == ["Choose one of your own clinics."]
    assert not AvailabilityException.objects.exists()


def test_exception_add_extra_hours_overlapping_weekly_hours_is_refused(client_for, profile):
    AvailabilityRuleFactory(doctor=profile, weekday=5, start=time(9), end=time(13))

    response = client_for(profile.user).post(
        reverse("appointments:availability_exception_add", args=["extra"]),
        {
            "extra-date": next_local(5).isoformat(),
            "extra-start": "12:00",
            "extra-end": "14:00",
            "extra-slot_minutes": "30",
            "extra-mode": Mode.ONLINE,
        },
    )

    assert response.status_code == 400
    assert (
        "Overlaps your weekly hours, Saturday 09:00–13:00 (Video consultation)." in response.content.decode()
    )
    assert not AvailabilityException.objects.exists()


def test_exception_add_unknown_kind_is_404(client_for, profile):
    response = client_for(profile.user).post(
        reverse("appointments:availability_exception_add", args=["holiday"])
    )

    assert response.status_code == 404


def test_exception_remove_with_htmx_returns_fragment(client_for, profile):
    leave = AvailabilityExceptionFactory(doctor=profile, date=next_local(1))

    response = client_for(profile.user).post(
        reverse("appointments:availability_exception_remove", args=[leave.pk]), **HTMX
    )

    assert response.status_code == 200
    assert b'id="exceptions"' in response.content
    assert not AvailabilityException.objects.filter(pk=leave.pk).exists()


def test_exception_remove_by_another_doctor_is_404_and_it_stays(client_for, profile):
    leave = AvailabilityExceptionFactory(doctor=profile, date=next_local(1))

    response = client_for(verified_doctor().user).post(
        reverse("appointments:availability_exception_remove", args=[leave.pk])
    )

    assert response.status_code == 404
    assert AvailabilityException.objects.filter(pk=leave.pk).exists()


def test_past_exceptions_are_not_listed(client_for, profile):
    AvailabilityExceptionFactory(
        doctor=profile, date=timezone.localdate(timezone=KOLKATA) - timedelta(days=3), note="Old trip"
    )
    AvailabilityExceptionFactory(doctor=profile, date=next_local(1), note="Coming trip")

    response = client_for(profile.user).get(reverse(PAGE))

    assert b"Coming trip" in response.content
    assert b"Old trip" not in response.content


# --- Booking settings ------------------------------------------------------------------------


def test_settings_save_creates_the_row(client_for, profile):
    assert not BookingSettings.objects.filter(doctor=profile).exists()

    response = client_for(profile.user).post(
        reverse("appointments:availability_settings"),
        {"notice": "4", "notice_unit": "hours", "horizon_days": "60", "approval_required": "on"},
    )

    assert response.status_code == 302
    settings = BookingSettings.objects.get(doctor=profile)
    assert (settings.min_notice_minutes, settings.horizon_days, settings.approval_required) == (240, 60, True)


def test_settings_save_in_minutes_updates_the_row(client_for, profile):
    BookingSettingsFactory(doctor=profile, approval_required=True)

    client_for(profile.user).post(
        reverse("appointments:availability_settings"),
        {"notice": "45", "notice_unit": "minutes", "horizon_days": "30"},
    )

    settings = BookingSettings.objects.get(doctor=profile)
    assert (settings.min_notice_minutes, settings.horizon_days, settings.approval_required) == (45, 30, False)


def test_settings_form_defaults_to_two_hours_and_thirty_days(client_for, profile):
    response = client_for(profile.user).get(reverse(PAGE))

    form = response.context["settings_form"]
    assert (form["notice"].value(), form["notice_unit"].value(), form["horizon_days"].value()) == (
        2,
        "hours",
        30,
    )
    assert form["approval_required"].value() is False


def test_settings_save_with_bad_horizon_is_refused(client_for, profile):
    response = client_for(profile.user).post(
        reverse("appointments:availability_settings"),
        {"notice": "2", "notice_unit": "hours", "horizon_days": "0"},
    )

    assert response.status_code == 400
    assert "horizon_days" in response.context["settings_form"].errors
    assert not BookingSettings.objects.filter(doctor=profile).exists()


# --- Leave over bookings: listed, then cancelled or kept explicitly ---------------------------


@pytest.fixture
def leave_over_booking(client_for, patient, profile):
    """A confirmed booking, then leave added over its day by the doctor."""
    day = next_local(2)
    appointment = booking(profile, patient, at(day, 10))
    client = client_for(profile.user)
    response = client.post(
        reverse("appointments:availability_exception_add", args=["leave"]), {"leave-date": day.isoformat()}
    )
    return client, response, appointment


def test_leave_over_booking_is_saved_and_lists_the_booking(leave_over_booking, profile):
    client, response, appointment = leave_over_booking

    page = client.get(response["Location"])

    assert response["Location"] == reverse(PAGE) + "#collisions"
    assert AvailabilityException.objects.filter(doctor=profile, kind=Kind.LEAVE).exists()
    html = page.content.decode()
    assert "Priya Nair" in html
    assert f"{appointment.start.astimezone(KOLKATA):%H:%M}–" in html
    assert "Video consultation" in html
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED


def test_leave_over_booking_cancelled_with_reason_notifies_patient(leave_over_booking, patient, profile):
    client, _, appointment = leave_over_booking
    before = Notification.objects.filter(user=patient, kind="appointment.cancelled").count()

    response = client.post(
        reverse("appointments:availability_collisions_cancel"),
        {"appointments": [appointment.pk], "reason": "I am away at a conference."},
    )

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    event = AppointmentEvent.objects.filter(appointment=appointment).last()
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        "CONFIRMED",
        "CANCELLED",
        profile.user,
        "I am away at a conference.",
    )
    assert Notification.objects.filter(user=patient, kind="appointment.cancelled").count() == before + 1
    page = client.get(reverse(PAGE))
    assert b'id="collisions-title"' not in page.content


def test_leave_over_booking_cancel_without_reason_cancels_nothing(leave_over_booking, patient):
    client, _, appointment = leave_over_booking

    response = client.post(
        reverse("appointments:availability_collisions_cancel"),
        {"appointments": [appointment.pk], "reason": "  "},
    )

    assert response.status_code == 400
    assert response.context["cancel_form"].errors["reason"] == ["Please give the patients a reason."]
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
    assert not Notification.objects.filter(user=patient, kind="appointment.cancelled").exists()


def test_leave_over_booking_kept_stays_confirmed(leave_over_booking, patient):
    client, _, appointment = leave_over_booking

    response = client.post(reverse("appointments:availability_collisions_keep"))

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
    assert not Notification.objects.filter(user=patient, kind="appointment.cancelled").exists()
    page = client.get(reverse(PAGE))
    assert b'id="collisions-title"' not in page.content


def test_collisions_cancel_of_bookings_not_under_review_is_refused(client_for, patient, profile):
    other = booking(verified_doctor(), patient, at(next_local(2), 10))
    mine = booking(profile, patient, at(next_local(3), 10))

    response = client_for(profile.user).post(
        reverse("appointments:availability_collisions_cancel"),
        {"appointments": [other.pk, mine.pk], "reason": "Away"},
    )

    assert response.status_code == 400
    other.refresh_from_db()
    mine.refresh_from_db()
    assert (other.status, mine.status) == (Appointment.Status.CONFIRMED, Appointment.Status.CONFIRMED)


def test_block_over_booking_lists_only_the_bookings_inside(patient, profile):
    day = next_local(4)
    inside = booking(profile, patient, at(day, 14, 30))
    booking(profile, patient, at(day, 16))

    change = availability.availability_exception_add(
        doctor=profile, kind=Kind.BLOCK, date=day, start=time(14), end=time(16)
    )

    assert change.colliding == [inside]
    assert change.saved.kind == Kind.BLOCK


def test_leave_lists_active_bookings_but_not_cancelled_ones(patient, profile):
    day = next_local(4)
    requested = booking(profile, patient, at(day, 9), status=Appointment.Status.REQUESTED)
    booking(profile, patient, at(day, 11), status=Appointment.Status.CANCELLED)

    change = availability.availability_exception_add(doctor=profile, kind=Kind.LEAVE, date=day, end_date=day)

    assert change.colliding == [requested]
