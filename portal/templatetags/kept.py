"""{% kept "name" part … %} … {% endkept %}: a piece of a page rendered once per content
version and Taipei date in each process (portal.serving.caching.per_version), for the parts of a
page that are costly to render and the same for every request with the same parts: a
strategy's progress (its indicators' charts, tables and timeline).

The parts must name everything the piece depends on beyond the content and the date
(the node, the page's language, the origin of its absolute links). A staff preview is
never kept."""

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe

from ..serving.caching import per_version

register = template.Library()


class KeptNode(template.Node):
    def __init__(self, parts, nodelist):
        self.parts = parts
        self.nodelist = nodelist

    def render(self, context):
        if context.get("preview"):
            return self.nodelist.render(context)
        parts = tuple(str(part.resolve(context)) for part in self.parts)
        today = timezone.localdate().isoformat()
        with context.push():
            html = per_version("kept", today, *parts, build=lambda: self.nodelist.render(context))
        return mark_safe(html)  # rendered by the template engine above


@register.tag
def kept(parser, token):
    parts = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    if not parts:
        raise template.TemplateSyntaxError("{% kept %} needs a name and the parts it depends on")
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(parts, nodelist)
