from django import template

register = template.Library()


@register.filter
def percent(value) -> str:
    """0.125 -> "12.5%"."""
    return f"{value * 100:.1f}%"


@register.filter
def duration_words(value) -> str:
    """A timedelta as "2 days 3 hours" (minutes under an hour)."""
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if not days and not hours:
        minutes = rest // 60
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)
