import re
from urllib.parse import urlsplit

from django import template

register = template.Library()

URL_PATTERN = re.compile(r"""\b(?:https?://|www\.)[^\s<>"']+""", re.IGNORECASE)


@register.filter
def links_in(text):
    """[(url, domain)] for every link-looking run in text; shown as text, never as a live link."""
    found = []
    for match in URL_PATTERN.findall(text or ""):
        url = match.rstrip(".,;:!?)")
        full = url if "://" in url else f"http://{url}"
        found.append((url, urlsplit(full).hostname or ""))
    return found


@register.filter
def domain_of(url):
    return urlsplit(url if "://" in url else f"http://{url}").hostname or ""


@register.filter
def percent(value):
    """A rate as a whole percentage; a dash when there was nothing to divide."""
    return "\u2013" if value is None else f"{round(float(value) * 100)}%"


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


@register.filter
def duration_hours(value):
    """A timedelta (or seconds) as hours and minutes, e.g. "26 h 05 min"."""
    if value is None:
        return "\u2013"
    seconds = int(value.total_seconds() if hasattr(value, "total_seconds") else value)
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours} h {minutes:02d} min"
