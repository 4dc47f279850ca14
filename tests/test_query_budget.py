"""Every public page costs the same few queries however large the plan grows."""

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plan.exchange import create_plan

from .test_portal_pages import LANGS, PAGES


def doubled(data):
    """The plan twice over: every vision, strategy and action item again, with new refs."""
    data = copy.deepcopy(data)
    copies = iter(range(10_000))

    def renamed(node):
        node = {**node, "ref": f"{node['ref'][:30]}-copy{next(copies)}"}
        node["children"] = [renamed(child) for child in node["children"]]
        return node

    goal = data["tree"]
    goal["children"] += [renamed(vision) for vision in goal["children"]]
    for vision in goal["children"]:
        vision["children"] += [renamed(strategy) for strategy in vision["children"]]
    return data


def count_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_a_plan_twice_the_size(client, plan_file_data):
    create_plan(plan_file_data)
    normal = {
        (lang, page): count_queries(client, prefix + PAGES[page])
        for lang, prefix in LANGS.items()
        for page in PAGES
    }

    from plan.models import Plan

    Plan.objects.all().delete()
    big = create_plan(doubled(plan_file_data))
    assert big.nodes.count() > 2 * 46
    large = {
        (lang, page): count_queries(client, prefix + PAGES[page])
        for lang, prefix in LANGS.items()
        for page in PAGES
    }
    assert large == normal
    assert max(normal.values()) <= 4
