"""Small presentation helpers shared by every app's templates."""

import zlib
from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()

AVATAR_COLOURS = 8


@register.filter
def avatar_class(name) -> str:
    """One of eight background classes, stable for a name (a class, never a style=)."""
    digest = zlib.crc32(str(name or "").encode("utf-8"))
    return f"avatar-{digest % AVATAR_COLOURS}"


@register.filter
def initials(name) -> str:
    """Up to two initials: "Asha Rao" -> "AR"; honorifics like "Dr." are skipped."""
    words = [
        w for w in str(name or "").replace(".", " ").split() if w.lower() not in {"dr", "mr", "mrs", "ms"}
    ]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


@register.filter
def rupees(paise) -> str:
    """Paise as rupees with Indian digit grouping: 150000000 -> "15,00,000"."""
    if paise in (None, ""):
        return ""
    whole, fraction = divmod(int(paise), 100)
    digits = str(whole)
    if len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        groups = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        digits = ",".join([head, *groups, tail]) if head else ",".join([*groups, tail])
    return f"{digits}.{fraction:02d}" if fraction else digits


# Under this, "0 minutes ago" says nothing a person would say.
JUST_NOW = timedelta(minutes=1)


@register.filter
def ago(moment, now=None) -> str:
    """ "just now" for the last minute (or a moment a little ahead, from a clock
    that runs slightly fast), else "5 minutes ago", "2 days, 3 hours ago"."""
    if not moment:
        return ""
    now = now or timezone.now()
    if now - moment < JUST_NOW:
        return "just now"
    return f"{timesince(moment, now)} ago"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None
