"""Progress in templates: `{% plan_progress plan as progress %}` then `progress|of:node`.

The presenter (portal.pages.progress.presenters.PlanProgress) reads the plan's progress through its one
accessor, so a page that shows progress costs the bundle's query once per content version.
"""

from datetime import datetime
from decimal import Decimal

from django import template
from django.utils import timezone

from progress.numbers import format_number

from ..pages.progress.presenters import PlanProgress
from ..published import page_language

# ROC year 1 is 1912.
ROC_OFFSET = 1911

register = template.Library()


@register.simple_tag(takes_context=True)
def plan_progress(context, plan):
    """The page's presenter: the view's when it made one, else one built here."""
    found = context.get("progress")
    if isinstance(found, PlanProgress) and found.plan.pk == plan.pk:
        return found
    return PlanProgress(plan)


@register.filter
def of(progress, node):
    """A node's NodeProgress."""
    return progress.of(node)


@register.filter
def plain_number(value):
    """A Decimal without exponent or trailing zeros: 1200, 35.5; text that is no number
    (stored before the number grammar) as it is."""
    return value if isinstance(value, str) else format_number(value)


@register.filter
def grouped_number(value):
    """A figure as a page prints it, thousands grouped with commas (both languages write
    1,200 and 12,345.5): 1200 → "1,200". Text that is no number is printed as it is."""
    if not isinstance(value, Decimal):
        return plain_number(value)
    return format(value.normalize(), ",f")


@register.filter
def period_date(value):
    """A date of the reporting routine as each language writes it: the ROC calendar on
    Chinese pages (115/09/30, as the city's documents do), ISO on English ones."""
    if not value:
        return ""
    if isinstance(value, datetime):  # a moment (a sign-off, a publication): its Taipei day
        value = timezone.localdate(value)
    if page_language() == "en":
        return value.isoformat()
    return f"{value.year - ROC_OFFSET}/{value.month:02d}/{value.day:02d}"
