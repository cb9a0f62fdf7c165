from django import template
from django.utils import timezone
from django.utils.html import format_html

from core import zones
from profiles.models import Mode

register = template.Library()


def viewer_zone_key() -> str:
    # The zone's key ("Asia/Kolkata"); Django's get_current_timezone_name() may
    # give an abbreviation ("-04") for fixed-offset zones.
    return str(timezone.get_current_timezone())


@register.simple_tag
def viewer_zone() -> str:
    return viewer_zone_key()


@register.filter
def zone_differs(appointment_or_doctor) -> bool:
    """True when the viewer's clock is not the doctor's (core.zones.clocks_differ,
    now): times must then name their zone."""
    doctor = getattr(appointment_or_doctor, "doctor", appointment_or_doctor)
    return zones.clocks_differ(timezone.get_current_timezone(), doctor.time_zone, at=timezone.now())


@register.filter
def zone_abbr(moment) -> str:
    """The short name of the active zone at that moment: IST, GMT, BST, EST..."""
    return timezone.localtime(moment).tzname() or timezone.get_current_timezone_name()


@register.simple_tag
def slot_url(picker, slot, moving=None):
    from appointments.views.booking import slot_link

    return slot_link(picker, slot, moving)


@register.simple_tag
def picker_query(picker, **changes):
    """The picker's query string with some values changed (day, mode, clinic; "" drops one)."""
    from urllib.parse import urlencode

    values = {"day": picker.day.isoformat(), "mode": picker.mode}
    if picker.clinic is not None:
        values["clinic"] = picker.clinic.pk
    values.update({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in changes.items()})
    return urlencode({k: v for k, v in values.items() if v != ""})


@register.filter
def status_label(value) -> str:
    from appointments.models import Appointment

    return Appointment.Status(value).label if value in Appointment.Status.values else value


def shown(moment, doctor, mode):
    """`moment` by core.zones' rule for an appointment's time, for the active (viewer's) zone."""
    return zones.shown_time(
        moment,
        in_person=mode == Mode.IN_PERSON,
        doctor_zone=doctor.time_zone,
        viewer_zone=timezone.get_current_timezone(),
    )


@register.simple_tag
def when(moment, doctor, mode, style="short"):
    """An appointment's time as every page shows it (core.zones.shown_time): a
    clinic visit in the clinic's time with the viewer's own as a note, a video
    consult in the viewer's time. `style` "long" spells out the day."""
    shown_at = shown(moment, doctor, mode)
    label = shown_at.label(long=style == "long")
    note = shown_at.note()
    if not note:
        return format_html('<time datetime="{}">{}</time>', moment.isoformat(), label)
    return format_html(
        '<time datetime="{}">{}</time> <span class="time-note">({})</span>', moment.isoformat(), label, note
    )


@register.simple_tag
def appointment_when(appointment, style="short"):
    return when(appointment.start, appointment.doctor, appointment.mode, style)


@register.simple_tag
def appointment_day(appointment):
    """The appointment's day as appointment_when shows it ("Tue, 1 Dec"), for text
    that names it again (a screen reader's button label)."""
    return shown(appointment.start, appointment.doctor, appointment.mode).day()


@register.inclusion_tag("appointments/partials/slot_picker.html", takes_context=True)
def slot_picker(context, doctor):
    """The slot picker's first state, rendered with the page that shows it (the
    doctor page), so nothing moves when it would have arrived by HTMX."""
    from appointments.views.booking import picker_context

    return picker_context(context["request"], doctor)


@register.inclusion_tag("payments/partials/refund_policy.html")
def refund_policy():
    """The refund policy in two lines, from the settings that decide it: `{% refund_policy %}`
    on any page (the payment page, the Terms page)."""
    from appointments.refund_policy import policy_lines

    return {"policy": policy_lines()}
