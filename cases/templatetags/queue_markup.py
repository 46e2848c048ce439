"""The queue page's repeated markup, written out in Python.

Fifty rows of ten cells, and a dozen filters of up to thirty options each, were most of the
analysts' busiest page's render time as template nodes; django.contrib.admin builds its change
list rows the same way. Every value goes through format_html, so everything is escaped.
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


def _assignee(row):
    if not row["assignee"]:
        return mark_safe('<span class="muted">nobody</span>')
    lapsed = mark_safe(' <span class="muted">(lapsed)</span>') if row["lapsed"] else ""
    return format_html("{}{}", row["assignee"], lapsed)


def _row(row, selectable):
    pick = (
        format_html(
            '<td><input type="checkbox" class="pick" name="case" value="{}" form="bulk-form" '
            'aria-label="Select case {}"></td>',
            row["pk"],
            row["pk"],
        )
        if selectable
        else ""
    )
    country = format_html(" · {}", row["country"]) if row["country"] else ""
    flag = mark_safe(' <span class="tag">flag</span>') if row["has_reports"] else ""
    due = (
        format_html('<strong class="bad">overdue {}</strong>', row["due"])
        if row["overdue"]
        else format_html("in {}", row["due"])
    )
    return format_html(
        '<tr data-href="{href}" tabindex="-1" class="case-row{breached}">{pick}'
        '<td><a href="{href}">#{pk}</a></td>'
        '<td class="num priority-{band}">{priority}</td>'
        '<td><abbr title="{policy_title}">{policy_code}</abbr></td>'
        '<td>{account} <span class="muted">{kind}{country}</span></td>'
        '<td class="num">{signal_count}{flag}</td>'
        '<td><time datetime="{opened_iso}">{opened_ago} ago</time></td>'
        "<td>{due}</td><td>{status}</td><td>{assignee}</td></tr>\n",
        href=row["href"],
        breached=" breached" if row["breached"] else "",
        pick=pick,
        pk=row["pk"],
        band=row["band"],
        priority=row["priority"],
        policy_title=row["policy_title"],
        policy_code=row["policy_code"],
        account=row["account"],
        kind=row["kind"],
        country=country,
        signal_count=row["signal_count"],
        flag=flag,
        opened_iso=row["opened_iso"],
        opened_ago=row["opened_ago"],
        due=due,
        status=row["status"],
        assignee=_assignee(row),
    )


@register.simple_tag
def queue_rows(rows, selectable):
    """The <tr> of each row of cases.presenters.queue_rows."""
    return mark_safe("".join(_row(row, selectable) for row in rows))  # noqa: S308 - each row is format_html


@register.simple_tag
def filter_options(field):
    """The <option>s of a filter's choices, the chosen one selected."""
    current = "" if field.value() is None else str(field.value())
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if str(value) == current else "", label) for value, label in field.field.choices),
    )
