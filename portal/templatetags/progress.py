"""Progress in templates: `{% plan_progress plan as progress %}` then `progress|of:node`.

The presenter (portal.progress_views.PlanProgress) reads the plan's progress through its one
accessor, so a page that shows progress costs the bundle's query once per content version.
"""

from django import template

from ..progress_views import PlanProgress

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
    """A Decimal without exponent or trailing zeros: 1200, 35.5."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
