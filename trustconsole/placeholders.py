"""Admin-edited notice texts name their variable parts as {{ name }}; these fill them in."""

import re

from django.core.exceptions import ValidationError

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


class NoticeIncomplete(ValidationError):
    pass


def placeholders_in(texts):
    return {name for text in texts for name in PLACEHOLDER.findall(text)}


def unknown_placeholders(texts, known):
    return sorted(placeholders_in(texts) - set(known))


def fill(texts, values, label):
    """Each text with every placeholder filled. Refuses when one would come out empty: a notice
    with a hole in it must not be sent."""
    empty = sorted(name for name in placeholders_in(texts) if not str(values.get(name) or "").strip())
    if empty:
        raise NoticeIncomplete(
            f"The {label} notice would have empty parts ({', '.join(empty)}); "
            "fill them in or fix the template. Nothing was sent."
        )
    return [PLACEHOLDER.sub(lambda match: str(values[match.group(1)]).strip(), text) for text in texts]
