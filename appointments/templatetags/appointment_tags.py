from django import template
from django.utils import timezone

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
    """True when the viewer's active zone is not the doctor's: times must then name their zone."""
    doctor = getattr(appointment_or_doctor, "doctor", appointment_or_doctor)
    return viewer_zone_key() != doctor.time_zone


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
    """The picker's query string with some values changed (day, mode)."""
    from urllib.parse import urlencode

    values = {"day": picker.day.isoformat(), "mode": picker.mode}
    values.update({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in changes.items()})
    return urlencode(values)


@register.filter
def status_label(value) -> str:
    from appointments.models import Appointment

    return Appointment.Status(value).label if value in Appointment.Status.values else value


@register.inclusion_tag("payments/partials/refund_policy.html")
def refund_policy():
    """The refund policy in two lines, from the settings that decide it: `{% refund_policy %}`
    on any page (the payment page, the Terms page)."""
    from appointments.refund_policy import policy_lines

    return {"policy": policy_lines()}
