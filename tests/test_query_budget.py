"""Every public page costs at most 4 queries, COLD (nothing served from a cache), and the
same number however large the plan grows (README: "At most 4 SQL queries per public page")."""

import pytest
from django.db import connection

from knowledge.models import Term, Topic
from plan.exchange import create_plan
from plan.models import Plan, PlanNode

from .factories import (
    BUDGET,
    LANGS,
    LOCALISED,
    SIMPLIFIED_BUDGET,
    SLUG,
    P,
    cold_queries,
    doubled,
    load_with_history,
)


def budget(lang):
    return SIMPLIFIED_BUDGET if lang == "zh-hans" else BUDGET


# Pages that exist once, outside the language prefixes.
UNPREFIXED = {
    "sitemap": "/sitemap.xml",
    "robots": "/robots.txt",
    "plans-json": "/data/plans.json",
    "plan-json": f"/data/{SLUG}.json",
    "plan-csv": f"/data/{SLUG}.csv",
    "catalog": "/data/catalog.json",
}


def all_pages():
    pages = {
        (lang, name): prefix + path
        for lang, prefix in LANGS.items()
        for name, path in LOCALISED.items()
    }
    pages.update({("-", name): path for name, path in UNPREFIXED.items()})
    return pages


def measure():
    # What the database backend finds out once per connection (on SQLite, whether JSON
    # functions exist: a SAVEPOINT and a probe query the first time one is used) is not a cost
    # of any page: find it out before measuring, whichever page happens to come first.
    connection.features.supports_json_field  # noqa: B018
    return {key: cold_queries(path) for key, path in all_pages().items()}


def report(measured, also=None):
    lines = []
    for (lang, name), queries in sorted(measured.items()):
        other = f" (plan twice the size: {len(also[lang, name])})" if also else ""
        lines.append(f"  {name} [{lang}] {all_pages()[lang, name]}: {len(queries)}{other}")
    return "\n".join(lines)


def listing(queries):
    return "\n".join(f"      {i}. {sql[:300]}" for i, sql in enumerate(queries, 1))


@pytest.mark.django_db
def test_history_pages_have_entries_to_show(without_plan, client, plan_file_data):
    load_with_history(plan_file_data)
    for lang, prefix in LANGS.items():
        for path in ("/changes/", f"{P}/mrt-network/history/", "/changes/feed/"):
            html = client.get(prefix + path).content.decode()
            assert "修訂" in html or "修订" in html or "Completing Kaohsiung" in html, (lang, path)


@pytest.mark.django_db
def test_every_public_page_costs_at_most_4_queries_cold(without_plan, plan_file_data):
    load_with_history(plan_file_data)
    measured = measure()
    over = {key: queries for key, queries in measured.items() if len(queries) > budget(key[0])}
    detail = "\n".join(
        f"  {name} [{lang}] {all_pages()[lang, name]}: {len(queries)} queries\n{listing(queries)}"
        for (lang, name), queries in sorted(over.items())
    )
    assert not over, (
        f"{len(over)} page(s) cost more than {BUDGET} queries cold "
        f"({SIMPLIFIED_BUDGET} in Simplified):\n{detail}\n"
        f"All cold counts:\n{report(measured)}"
    )


@pytest.mark.django_db
def test_cold_query_counts_do_not_grow_with_a_plan_twice_the_size(without_plan, plan_file_data):

    load_with_history(plan_file_data)
    normal = measure()

    Plan.objects.all().delete()
    big = load_with_history(doubled(plan_file_data))
    assert big.nodes.count() > 2 * 46
    large = measure()

    differ = sorted(key for key in normal if len(normal[key]) != len(large[key]))
    detail = "\n".join(
        f"  {name} [{lang}] {all_pages()[lang, name]}: {len(normal[lang, name])} → "
        f"{len(large[lang, name])}\n    normal plan:\n{listing(normal[lang, name])}\n"
        f"    plan twice the size:\n{listing(large[lang, name])}"
        for lang, name in differ
    )
    assert not differ, (
        f"query counts change with the plan's size:\n{detail}\n"
        f"All cold counts:\n{report(normal, large)}"
    )


# ------------------------------------------------------------------------------------------
# Hostile review of the knowledge layer (issue 15): glossary marking, topics and SDGs, the
# Simplified Chinese reading, forgiving search, the loader and the admin.


HANS = "/zh-hans"


PREFIXES = ("", "/en", HANS)


@pytest.mark.django_db
def test_new_pages_cost_the_same_cold_with_two_plans(without_plan, plan_file_data):
    from django.db import connection

    from .factories import cold_queries, doubled, load_with_history

    load_with_history(plan_file_data)
    connection.features.supports_json_field  # noqa: B018 - probed once, not a page's cost
    second = create_plan({**doubled(plan_file_data), "slug": "kaohsiung-116-119"})
    strategies = list(PlanNode.objects.filter(plan=second, kind="strategy")[:5])
    for topic in Topic.objects.all():
        topic.nodes.add(*strategies)
    for term in Term.objects.all():
        term.related.add(*strategies)
    paths = ["/glossary/", "/search/?q=捷運+SDG+11+交通"]
    for slug in (SLUG, "kaohsiung-116-119"):
        paths += [
            f"/{slug}/topics/",
            f"/{slug}/topics/transport/",
            f"/{slug}/sdgs/11/",
            f"/{slug}/progress/?topic=transport&sdg=11",
        ]
    for prefix in PREFIXES:
        for path in paths:
            count = len(cold_queries(prefix + path))
            assert count <= (5 if prefix == HANS else 4), (prefix + path, count)
