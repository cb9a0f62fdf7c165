"""Time zones and day boundaries: the one home of these rules (DESIGN.md, "Time zones").

- The viewer's zone: the logged-in user's profile zone, else the browser's (the
  `tz` cookie written by static/js/tz.js), else Asia/Kolkata. core stands below
  the apps that own profiles, so callers pass the profile's zone in.
- Wall-clock time -> instant, with the daylight-saving rules of DESIGN.md
  (see local_instant).
- Local dates, local midnights and the "Today / Tomorrow / Tue, 10 Mar" labels.

Everything returned as an instant is an aware datetime in UTC.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

DEFAULT_ZONE = "Asia/Kolkata"
ZONE_COOKIE = "tz"
VALID_ZONES = frozenset(available_timezones())


def zone(name_or_zone) -> ZoneInfo:
    """The zone named (ZoneInfo caches its instances), or the zone itself."""
    return name_or_zone if isinstance(name_or_zone, ZoneInfo) else ZoneInfo(name_or_zone)


def viewer_zone_name(*, profile_zone: str | None = None, cookie: str = "") -> str:
    """The viewer's zone: `profile_zone` (a logged-in user's profile time_zone),
    else the browser's zone from the `tz` cookie when it names a real zone, else
    the default."""
    if profile_zone:
        return profile_zone
    return cookie if cookie in VALID_ZONES else DEFAULT_ZONE


# --- Wall clock -> instant ------------------------------------------------------------------


def _is_real(naive: datetime, tz: ZoneInfo) -> bool:
    """Whether the wall-clock time occurs in `tz` (not skipped by a spring-forward change)."""
    aware = naive.replace(tzinfo=tz, fold=0)
    return aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive


def local_instant(naive: datetime, tz) -> datetime:
    """The UTC instant of the wall-clock time `naive` in `tz`, for every wall time.

    Daylight-saving rules, decided here once for every caller:
    - a time that occurs twice (fall-back: 01:30 in New York on 1 Nov 2026)
      is its first occurrence (01:30 EDT, 05:30 UTC);
    - a time that does not exist (spring-forward: 02:30 in New York on
      8 Mar 2026) maps to the instant of the change (03:00 EDT, 07:00 UTC), so
      a period "until 02:30" that night ends when the clocks jump, and one
      "from 02:30" starts then.

    The slot engine needs to know that a rule's start does not exist (it then
    yields no slot): see existing_local_instant.
    """
    tz = zone(tz)
    if _is_real(naive, tz):
        return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    # The two readings of a missing time straddle the change; bisect to the second
    # (zones change on whole minutes or seconds, never in between).
    low, high = sorted(naive.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1))
    before = low.astimezone(tz).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def existing_local_instant(naive: datetime, tz) -> datetime | None:
    """Like local_instant, but None for a wall time that does not exist in `tz`
    (a rule's slot at 02:30 on a spring-forward night is no slot at all)."""
    tz = zone(tz)
    return local_instant(naive, tz) if _is_real(naive, tz) else None


# --- Days -----------------------------------------------------------------------------------


def local_date(moment: datetime, tz) -> date:
    """The date on the wall calendar of `tz` at the instant `moment`."""
    return moment.astimezone(zone(tz)).date()


def local_midnight(day: date, tz) -> datetime:
    """The instant `day` begins in `tz`. Built from the date, never by adding 24
    hours, so a 23- or 25-hour day is counted right (and a midnight skipped by a
    change begins at the change)."""
    return local_instant(datetime.combine(day, time.min), tz)


def local_day_bounds(first: date, last: date, tz) -> tuple[datetime, datetime]:
    """[the start of `first`, the start of the day after `last`) in `tz`, as instants."""
    return local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz)


def day_label(day: date, today: date) -> str:
    """ "Today", "Tomorrow", else "Tue, 10 Mar"."""
    if day == today:
        return "Today"
    if day == today + timedelta(days=1):
        return "Tomorrow"
    return f"{day:%a}, {day.day} {day:%b}"
