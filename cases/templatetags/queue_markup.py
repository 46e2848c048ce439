"""The queue page's repeated markup, written out in Python.

Fifty rows of ten cells, and a dozen filters of up to thirty options each, were most of the
analysts' busiest page's render time as template nodes; django.contrib.admin builds its change
list rows the same way. Every value is escaped (html.escape, which is what Django's escape runs).
"""

from html import escape

from django import template
from django.utils.safestring import SafeData, mark_safe

register = template.Library()


def _e(value):
    """conditional_escape without its lazy-string wrapper: Django's escape() is this same
    html.escape, and format_html's per-argument overhead was a third of the page's render."""
    return value if isinstance(value, SafeData) else escape(str(value))


def _assignee(row):
    if not row["assignee"]:
        return '<span class="muted">nobody</span>'
    lapsed = ' <span class="muted">(lapsed)</span>' if row["lapsed"] else ""
    return _e(row["assignee"]) + lapsed


def _row(row, selectable):
    """One row's markup: every value is escaped with _e; only our own literal tags are not."""
    pk = _e(row["pk"])
    href = _e(row["href"])
    pick = (
        f'<td><input type="checkbox" class="pick" name="case" value="{pk}" form="bulk-form" '
        f'aria-label="Select case {pk}"></td>'
        if selectable
        else ""
    )
    country = f" · {_e(row['country'])}" if row["country"] else ""
    flag = ' <span class="tag">flag</span>' if row["has_reports"] else ""
    due = f'<strong class="bad">overdue {_e(row["due"])}</strong>' if row["overdue"] else f"in {_e(row['due'])}"
    breached = " breached" if row["breached"] else ""
    return (
        f'<tr data-href="{href}" tabindex="-1" class="case-row{breached}">{pick}'
        f'<td><a href="{href}">#{pk}</a></td>'
        f'<td class="num priority-{_e(row["band"])}">{_e(row["priority"])}</td>'
        f'<td><abbr title="{_e(row["policy_title"])}">{_e(row["policy_code"])}</abbr></td>'
        f'<td>{_e(row["account"])} <span class="muted">{_e(row["kind"])}{country}</span></td>'
        f'<td class="num">{_e(row["signal_count"])}{flag}</td>'
        f'<td><time datetime="{_e(row["opened_iso"])}">{_e(row["opened_ago"])} ago</time></td>'
        f"<td>{due}</td><td>{_e(row['status'])}</td><td>{_assignee(row)}</td></tr>\n"
    )


@register.simple_tag
def queue_rows(rows, selectable):
    """The <tr> of each row of cases.presenters.queue_rows."""
    return mark_safe("".join(_row(row, selectable) for row in rows))  # noqa: S308 - _row escapes every value


# Filters typed as text; every other filter is a <select> of its choices.
TEXT_FILTERS = {"q": ' type="search"', "country": ' type="text"'}
TEXT_FILTER_EXTRAS = {"country": ' maxlength="2" size="3"'}


def _current(field):
    """The filter's submitted value as text, "" when there is none."""
    return "" if field.value() is None else str(field.value())


def _options(field):
    current = _current(field)
    return "".join(
        f'<option value="{_e(value)}"{" selected" if str(value) == current else ""}>{_e(label)}</option>'
        for value, label in field.field.choices
    )


def _filter(field):
    """One filter's label and control: every value and label escaped with _e."""
    name = _e(field.name)
    if field.name in TEXT_FILTERS:
        control = (
            f'<input{TEXT_FILTERS[field.name]} name="{name}" id="id_{name}" value="{_e(_current(field))}"'
            f"{TEXT_FILTER_EXTRAS.get(field.name, '')}>"
        )
    else:
        control = f'<select name="{name}" id="id_{name}">\n    {_options(field)}\n  </select>'
    return f'<div class="filter">\n  <label for="id_{name}">{_e(field.label)}:</label>\n  {control}\n</div>\n'


@register.simple_tag
def filter_fields(form):
    """Each filter of the queue's filter form as a label and a control, the chosen option
    selected. Django's widget templates render each <option> through a template include, and a
    template per filter cost the page a dozen includes."""
    return mark_safe("".join(_filter(field) for field in form))  # noqa: S308 - _filter escapes every value
