"""System checks the portal makes of itself.

- Every name a route uses at a plan's place in the address (/search/, /<slug>/chart/, …)
  must be in plan.models.RESERVED_NAMES, or a plan slug or node ref could take it and hide
  the page (or be hidden by it). A route added without reserving its name fails `check`.
- A production deployment names its release (PORTAL_RELEASE), which every cache key holds.
- A production deployment names a contact for its open data (OPEN_DATA_CONTACT), or the data
  catalog says it has none (a warning: the site works, data.gov.tw registration lacks it).
"""

import re

from django.conf import settings
from django.core import checks
from django.urls import URLPattern, URLResolver, get_resolver

from plan.models import RESERVED_NAMES

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def route_names():
    """The literal path segments that sit where a plan slug or a node ref could: the first
    segment of every route, and the segments right after a plan slug."""
    names = {code for code, _ in settings.LANGUAGES}
    for route in _routes(get_resolver().url_patterns):
        segments = [s for s in route.lstrip("^").split("/") if s]
        for index, segment in enumerate(segments[:3]):
            if "<" in segment or not SLUG.match(segment):
                continue
            after_slug = index and "<" in segments[index - 1]
            if index == 0 or after_slug:
                names.add(segment)
    return names


@checks.register(checks.Tags.urls)
def check_reserved_route_names(app_configs, **kwargs):
    missing = sorted(route_names() - RESERVED_NAMES)
    return [
        checks.Error(
            f"The route name “{name}” is not reserved: a plan slug or node ref could take it.",
            hint="Add it to plan.models.RESERVED_NAMES.",
            id="portal.E001",
        )
        for name in missing
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_release_is_named(app_configs, **kwargs):
    if settings.PORTAL_RELEASE:
        return []
    return [
        checks.Error(
            "PORTAL_RELEASE is not set.",
            hint=(
                "A deploy sets it (e.g. to the commit): it is part of every cache key, so a "
                "shared cache never serves pages of the previous release."
            ),
            id="portal.E002",
        )
    ]


@checks.register(deploy=True)
def check_open_data_contact(app_configs, **kwargs):
    from .pages.opendata.catalog import contact_point  # the catalog's rule for a contact

    if contact_point() is not None:
        return []
    return [
        checks.Warning(
            "OPEN_DATA_CONTACT is not set: the data catalog (/data/catalog.json) names no "
            "contact for the data.",
            hint=(
                "Set OPEN_DATA_CONTACT_NAME and OPEN_DATA_CONTACT_EMAIL or "
                "OPEN_DATA_CONTACT_PHONE: data.gov.tw asks every dataset for a contact "
                "(提供機關聯絡人)."
            ),
            id="portal.W001",
        )
    ]
