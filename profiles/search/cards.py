"""Search result cards: what one card shows, ready to print.

A page of results is twenty doctors; building them as model instances with
prefetched relations, and letting the template format each value through
filters and `{% url %}`, cost more than finding them. So a card is made from
plain rows (two queries for any number of doctors: the doctors, then their
specialty links, language links and clinics together), names come from the cached
reference data, and every word and link is prepared here once.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter

from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import doctor_display_name
from core import zones
from core.templatetags.ui import avatar_class, initials, rupees
from profiles.models import Clinic, DoctorProfile, Mode

# The doctor row a card reads, in this order.
CARD_FIELDS = (
    "pk",
    "slug",
    "full_name",
    "photo",
    "practising_since",
    "time_zone",
    "offers_online",
    "fee_online",
    "next_online_at",
    "offers_in_person",
    "fee_in_person",
    "next_in_person_at",
)


@dataclass
class DoctorCard:
    """One result, with its words ready."""

    pk: int
    name: str
    url: str  # the doctor's page
    photo_url: str = ""
    avatar_class: str = ""  # when there is no photo: a coloured circle with the initials
    initials: str = ""
    specialties: str = ""  # "Dermatologist · General Physician"
    experience: str = ""  # "14 years experience"
    place: str = ""  # "Lotus Skin Centre · Kothrud, Pune"
    fees: list = field(default_factory=list)  # [("Clinic visit", "800")]
    languages: str = ""  # "English, Hindi"
    next_at: datetime | None = None
    next_iso: str = ""
    next_label: str = ""  # "Today, 4:30 PM", "Tomorrow, 10:00 AM GMT"
    slots_url: str = ""  # the slot picker on the next free slot's day and mode


@dataclass(frozen=True)
class CardContext:
    """What every card of a page shares: the reference data, the mode asked for,
    the place asked for (a card shows the clinic there), the viewer's now and zone."""

    reference: object
    mode: str = ""  # a Mode, or "" for either
    city_id: int | None = None
    locality_id: int | None = None
    now: datetime | None = None
    zone: object = None
    # The next clinic slot only for a doctor whose clinics are all in city_id (a
    # doctor keeps one next clinic slot across their clinics): the home page's
    # "soonest in your city" (profiles.search.query.soonest_doctors).
    local_slots_only: bool = False


def doctor_cards(ids, context: CardContext) -> list:
    """The cards of the doctors with these ids, in this order: two queries."""
    if not ids:
        return []
    rows = DoctorProfile.objects.filter(pk__in=ids).values_list(*CARD_FIELDS)
    specialties, languages, clinics = defaultdict(list), defaultdict(list), defaultdict(list)
    for doctor_id, kind, pk, name, city_id, locality_id in sorted(_details(ids), key=itemgetter(2)):
        if kind == SPECIALTY:
            specialties[doctor_id].append(pk)
        elif kind == LANGUAGE:
            languages[doctor_id].append(pk)
        else:
            clinics[doctor_id].append((name, city_id, locality_id))

    builder = _CardBuilder(context)
    by_id = {
        row[0]: builder.card(row, specialties[row[0]], languages[row[0]], clinics[row[0]]) for row in rows
    }
    return [by_id[pk] for pk in ids if pk in by_id]


SPECIALTY, LANGUAGE, CLINIC = 1, 2, 3


def _details(ids) -> list:
    """The doctors' specialty ids, language ids and clinics, in one query:
    (doctor id, kind, id, clinic name, city id, locality id) rows. Plain SQL:
    building three querysets and their union cost more than running them."""
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(ids))
    specialty_links = quote(DoctorProfile.specialties.through._meta.db_table)
    language_links = quote(DoctorProfile.languages.through._meta.db_table)
    clinics = quote(Clinic._meta.db_table)
    # Every name is a table of ours and every value a parameter.
    sql = (
        f"SELECT doctorprofile_id, {SPECIALTY}, specialty_id, '', 0, 0 FROM {specialty_links}"  # noqa: S608
        f" WHERE doctorprofile_id IN ({marks})"
        f" UNION ALL SELECT doctorprofile_id, {LANGUAGE}, language_id, '', 0, 0 FROM {language_links}"
        f" WHERE doctorprofile_id IN ({marks})"
        f" UNION ALL SELECT doctor_id, {CLINIC}, id, name, city_id, locality_id FROM {clinics}"
        f" WHERE doctor_id IN ({marks}) AND archived_at IS NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, *ids, *ids])
        return cursor.fetchall()


def _known_in_order(ids, rank) -> list:
    """The ids the reference data knows, in its order."""
    return sorted((pk for pk in ids if pk in rank), key=rank.__getitem__)


class _CardBuilder:
    def __init__(self, context: CardContext):
        self.context = context
        self.reference = context.reference
        self.now = context.now or timezone.now()
        self.zone = context.zone or timezone.get_current_timezone()
        self.zone_name = str(self.zone)
        self.today = zones.local_date(self.now, self.zone)
        self.year = timezone.localdate(self.now).year
        self.photo_url = DoctorProfile._meta.get_field("photo").storage.url

    def card(self, row, specialty_ids, language_ids, clinics) -> DoctorCard:
        (
            _pk,
            slug,
            name,
            photo,
            since,
            doctor_zone,
            offers_online,
            fee_online,
            next_online,
            offers_in_person,
            fee_in_person,
            next_in_person,
        ) = row
        reference = self.reference
        card = DoctorCard(
            pk=row[0], name=doctor_display_name(name), url=reverse("profiles:doctor_page", args=[slug])
        )
        if photo:
            card.photo_url = self.photo_url(photo)
        else:
            card.avatar_class, card.initials = avatar_class(name), initials(name)
        # A specialty or language added since this process read the reference data
        # (another worker saved it) is left out until the next read, not a failure.
        card.specialties = " · ".join(
            reference.specialty_by_id(pk).name
            for pk in _known_in_order(specialty_ids, reference.specialty_rank)
        )
        card.languages = ", ".join(
            reference.language_by_id(pk).name for pk in _known_in_order(language_ids, reference.language_rank)
        )
        years = max(self.year - since, 0) if since else 0
        if years:
            card.experience = ngettext("%(years)d year experience", "%(years)d years experience", years) % {
                "years": years
            }
        card.place = self._place(clinics)
        if offers_in_person and fee_in_person:
            card.fees.append((Mode.IN_PERSON.label, rupees(fee_in_person)))
        if offers_online and fee_online:
            card.fees.append((Mode.ONLINE.label, rupees(fee_online)))

        mode = self.context.mode
        candidates = []
        if mode != Mode.IN_PERSON and offers_online and next_online:
            candidates.append((next_online, Mode.ONLINE))
        if mode != Mode.ONLINE and offers_in_person and next_in_person and self._here(clinics):
            candidates.append((next_in_person, Mode.IN_PERSON))
        # A value older than now is stale (the refresher has not run yet): say nothing.
        candidates = [c for c in candidates if c[0] >= self.now]
        if candidates:
            moment, slot_mode = min(candidates)
            # How an appointment's time is shown (core.zones): a clinic visit in the clinic's time.
            shown = zones.shown_time(
                moment, in_person=slot_mode == Mode.IN_PERSON, doctor_zone=doctor_zone, viewer_zone=self.zone
            )
            today = zones.local_date(self.now, shown.local.tzinfo)
            label = shown.label(today=today)
            if shown.note():
                label += f" ({shown.note(today=self.today)})"
            local = shown.local
            card.next_at, card.next_iso, card.next_label = moment, local.isoformat(), label
            card.slots_url = f"{reverse('appointments:slots', args=[slug])}?day={local.date():%Y-%m-%d}&mode={slot_mode.value}"
        return card

    def _here(self, clinics) -> bool:
        """Whether the doctor's next clinic slot is in the city asked for, when that matters."""
        if not self.context.local_slots_only:
            return True
        return bool(clinics) and all(city_id == self.context.city_id for _name, city_id, _loc in clinics)

    def _place(self, clinics) -> str:
        """The clinic in the locality or city asked for, else the first one."""
        if not clinics:
            return ""
        context = self.context
        chosen = clinics[0]
        for clinic in clinics:
            _name, city_id, locality_id = clinic
            if (context.locality_id and locality_id == context.locality_id) or (
                not context.locality_id and context.city_id and city_id == context.city_id
            ):
                chosen = clinic
                break
        name, city_id, locality_id = chosen
        locality, city = self.reference.locality_by_id(locality_id), self.reference.city_by_id(city_id)
        where = ", ".join(part.name for part in (locality, city) if part)
        return f"{name} · {where}" if where else name
