"""Time zones and day boundaries: the one home of these rules (DESIGN.md, "Time zones").

- The viewer's zone: the logged-in user's profile zone, else the browser's (the
  `tz` cookie written by static/js/tz.js), else Asia/Kolkata. core stands below
  the apps that own profiles, so callers pass the profile's zone in.
- Wall-clock time -> instant, with the daylight-saving rules of DESIGN.md
  (see local_instant).
- Local dates, local midnights and the "Today / Tomorrow / Tue, 10 Mar" labels.

Everything returned as an instant is an aware datetime in UTC.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

DEFAULT_ZONE = "Asia/Kolkata"
ZONE_COOKIE = "tz"
VALID_ZONES = frozenset(available_timezones())


def zone(name_or_zone) -> ZoneInfo:
    """The zone named (ZoneInfo caches its instances), or the zone itself."""
    return name_or_zone if isinstance(name_or_zone, ZoneInfo) else ZoneInfo(name_or_zone)


# Old names that browsers still report (Chromium's ICU says "Asia/Calcutta" for
# India) for zones whose current name the doctors' profiles use: read as the
# current name, so the same clock is never named two ways.
_LEGACY_ZONES = {
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Dacca": "Asia/Dhaka",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Thimbu": "Asia/Thimphu",
    "Europe/Kiev": "Europe/Kyiv",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Indianapolis": "America/Indiana/Indianapolis",
    "America/Louisville": "America/Kentucky/Louisville",
    "America/Godthab": "America/Nuuk",
    "Pacific/Truk": "Pacific/Chuuk",
    "Pacific/Ponape": "Pacific/Pohnpei",
}
LEGACY_ZONES = {old: new for old, new in _LEGACY_ZONES.items() if new in VALID_ZONES}


ZONE_ON_DEMAND = "zone_on_demand"


def zone_on_demand(view):
    """Mark a view that usually answers without showing a time (the consultation
    poll's 204): the viewer's zone is then not looked up for every request; the
    view calls `request.activate_viewer_zone()` before it renders times."""
    setattr(view, ZONE_ON_DEMAND, True)
    return view


def viewer_zone_name(*, profile_zone: str | None = None, cookie: str = "") -> str:
    """The viewer's zone: `profile_zone` (a logged-in user's profile time_zone),
    else the browser's zone from the `tz` cookie when it names a real zone, else
    the default; a legacy alias read as its current name (LEGACY_ZONES)."""
    if profile_zone:
        return LEGACY_ZONES.get(profile_zone, profile_zone)
    name = cookie if cookie in VALID_ZONES else DEFAULT_ZONE
    return LEGACY_ZONES.get(name, name)


def clocks_differ(zone_a, zone_b, *, at: datetime) -> bool:
    """Whether the two zones' clocks read differently at the instant `at`: the one
    "zones differ" rule (a time is then shown with its zone named, and a clinic
    visit with the viewer's own time as a note). Offsets, not names: Asia/Calcutta
    and Asia/Kolkata are one clock, London and Kolkata differ, and London and
    Lisbon differ in no season."""
    return at.astimezone(zone(zone_a)).utcoffset() != at.astimezone(zone(zone_b)).utcoffset()


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


# --- How an appointment's time is shown -----------------------------------------------------
# The one rule (issue 10, point 3), used by the slot picker, the search cards, the lists, the
# appointment page, and the notifications and emails: a clinic visit happens at the clinic, so
# its time is shown first in the clinic's (the doctor's) zone, with the viewer's own time as a
# note when their clocks differ; a video consult happens wherever the viewer is, so its time is
# shown in the viewer's zone. A time shown in a zone that is not the viewer's names its zone.


@dataclass(frozen=True)
class ShownTime:
    local: datetime  # the moment in the zone shown first
    zone_name: str  # that zone's short name ("IST"), only when the viewer's and doctor's clocks differ
    viewer_local: datetime | None = None  # the viewer's wall time, for a clinic visit elsewhere
    viewer_zone_name: str = ""

    def _day(self, local: datetime, today: date | None, long: bool) -> str:
        if today is not None and local.date() in (today, today + timedelta(days=1)):
            return day_label(local.date(), today)
        if long:
            return f"{local:%A}, {local.day} {local:%B}"
        return f"{local:%a}, {local.day} {local:%b}"

    def day(self) -> str:
        """ "Tue, 1 Dec": the day `label` shows, without the time."""
        return self._day(self.local, None, False)

    def time(self) -> str:
        """ "9:00 AM IST" (the zone named only when the clocks differ)."""
        return " ".join(filter(None, (clock(self.local), self.zone_name)))

    def clock(self) -> str:
        """ "9:00 AM", for a list whose heading names the zone (the slot picker)."""
        return clock(self.local)

    def viewer_clock(self) -> str:
        """The viewer's own "3:30 AM" for a clinic visit elsewhere, else ""; with
        the weekday, "Wed 3:30 AM", when it is another day there (a slot pill)."""
        if self.viewer_local is None:
            return ""
        if self.viewer_local.date() != self.local.date():
            return f"{self.viewer_local:%a} {clock(self.viewer_local)}"
        return clock(self.viewer_local)

    def viewer_time(self) -> str:
        """The viewer's own "3:30 AM GMT" for a clinic visit elsewhere, else ""."""
        if self.viewer_local is None:
            return ""
        return " ".join(filter(None, (clock(self.viewer_local), self.viewer_zone_name)))

    def label(self, *, today: date | None = None, long: bool = False, year: bool = False) -> str:
        """ "Tue, 1 Dec, 9:00 AM IST"; "Today, ..." when `today` is given; the long
        form "Tuesday, 1 December, ..."; with the year for emails."""
        day = self._day(self.local, today, long)
        if year:
            day += f" {self.local.year}"
        return f"{day}, {self.time()}"

    def note(self, *, today: date | None = None) -> str:
        """The viewer's own time when a clinic's clock differs: "your time: 3:30 AM GMT",
        with the day too when it is another day there; "" otherwise."""
        if self.viewer_local is None:
            return ""
        local = self.viewer_local
        text = self.viewer_time()
        if local.date() != self.local.date():
            text = f"{self._day(local, today, False)}, {text}"
        return f"your time: {text}"


def clock(local: datetime) -> str:
    """ "9:00 AM", "12:30 PM"."""
    return f"{local.hour % 12 or 12}:{local:%M %p}"


def shown_zone(*, in_person: bool, doctor_zone, viewer_zone) -> ZoneInfo:
    """The zone an appointment's days and times are shown in first: the doctor's
    (the clinic's) for a clinic visit, the viewer's for a video consult."""
    return zone(doctor_zone if in_person else viewer_zone)


def shown_time(moment: datetime, *, in_person: bool, doctor_zone, viewer_zone) -> ShownTime:
    """`moment` as the rule above shows it to a viewer in `viewer_zone`."""
    viewer_zone = zone(viewer_zone)
    first = shown_zone(in_person=in_person, doctor_zone=doctor_zone, viewer_zone=viewer_zone)
    local = moment.astimezone(first)
    viewer_local = moment.astimezone(viewer_zone)
    if not clocks_differ(doctor_zone, viewer_zone, at=moment):
        return ShownTime(local=local, zone_name="")
    return ShownTime(
        local=local,
        zone_name=local.tzname() or str(first),
        viewer_local=viewer_local if in_person else None,
        viewer_zone_name=viewer_local.tzname() or str(viewer_zone),
    )
