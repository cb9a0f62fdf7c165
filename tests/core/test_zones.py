"""core.zones: wall clock -> instant on both daylight-saving edges, local
midnights, day labels and the viewer's zone."""

from datetime import UTC, date, datetime, time

from core import zones

NEW_YORK = "America/New_York"


def test_local_instant_maps_a_time_in_the_spring_forward_gap_to_the_change():
    # 8 Mar 2026 in New York: 02:00 EST becomes 03:00 EDT at 07:00 UTC; 02:30 never happens.
    instant = zones.local_instant(datetime(2026, 3, 8, 2, 30), NEW_YORK)

    assert instant == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)


def test_local_instant_around_the_spring_forward_gap_is_the_plain_reading():
    assert zones.local_instant(datetime(2026, 3, 8, 1, 59), NEW_YORK) == datetime(
        2026, 3, 8, 6, 59, tzinfo=UTC
    )
    assert zones.local_instant(datetime(2026, 3, 8, 3, 0), NEW_YORK) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)


def test_local_instant_takes_the_first_occurrence_of_a_repeated_time():
    # 1 Nov 2026 in New York: 01:30 happens at 05:30 UTC (EDT) and again at 06:30 UTC (EST).
    instant = zones.local_instant(datetime(2026, 11, 1, 1, 30), NEW_YORK)

    assert instant == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_existing_local_instant_is_none_only_inside_the_gap():
    assert zones.existing_local_instant(datetime(2026, 3, 8, 2, 30), NEW_YORK) is None
    assert zones.existing_local_instant(datetime(2026, 11, 1, 1, 30), NEW_YORK) == datetime(
        2026, 11, 1, 5, 30, tzinfo=UTC
    )


def test_local_day_bounds_count_a_23_and_a_25_hour_day():
    short_start, short_end = zones.local_day_bounds(date(2026, 3, 8), date(2026, 3, 8), NEW_YORK)
    long_start, long_end = zones.local_day_bounds(date(2026, 11, 1), date(2026, 11, 1), NEW_YORK)

    assert (short_end - short_start).total_seconds() == 23 * 3600
    assert (long_end - long_start).total_seconds() == 25 * 3600
    assert zones.local_midnight(date(2026, 3, 8), NEW_YORK) == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)


def test_local_date_reads_the_wall_calendar_of_the_zone():
    # 22:30 UTC is still the 15th in New York and already the 16th in India.
    moment = datetime(2026, 1, 15, 22, 30, tzinfo=UTC)

    assert zones.local_date(moment, NEW_YORK) == date(2026, 1, 15)
    assert zones.local_date(moment, "Asia/Kolkata") == date(2026, 1, 16)


def test_day_label_says_today_tomorrow_then_the_weekday():
    today = date(2026, 3, 9)

    labels = [zones.day_label(day, today) for day in (date(2026, 3, 9), date(2026, 3, 10), date(2026, 3, 12))]

    assert labels == ["Today", "Tomorrow", "Thu, 12 Mar"]


def test_viewer_zone_prefers_the_profile_then_a_valid_cookie_then_the_default():
    assert zones.viewer_zone_name(profile_zone="Europe/London", cookie=NEW_YORK) == "Europe/London"
    assert zones.viewer_zone_name(profile_zone=None, cookie=NEW_YORK) == NEW_YORK
    assert zones.viewer_zone_name(profile_zone=None, cookie="Mars/Olympus") == "Asia/Kolkata"
    assert zones.viewer_zone_name() == zones.DEFAULT_ZONE


def test_local_instant_accepts_a_zone_or_its_name():
    assert zones.local_instant(
        datetime.combine(date(2026, 1, 15), time(9)), zones.zone(NEW_YORK)
    ) == datetime(2026, 1, 15, 14, 0, tzinfo=UTC)
