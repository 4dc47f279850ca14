"""The static snapshot: every page in both languages, and every link resolves inside it."""

import re

import pytest

from ..factories import write_snapshot

LINKS = re.compile(r'\b(?:href|src|action)="([^"]+)"')

pytestmark = pytest.mark.snapshot


@pytest.mark.django_db(transaction=True)
def test_snapshot_is_complete_and_self_contained(without_plan, tmp_path, plan_file_data):
    from plan.exchange import create_plan
    from plan.tree import PlanTree

    plan = create_plan(plan_file_data)
    out = tmp_path / "site"
    write_snapshot(out)

    for prefix in ("", "en/"):
        assert (out / prefix / "index.html").exists()
        for node in PlanTree.load(plan):
            if node.kind in ("vision", "strategy"):
                assert (out / prefix / plan.slug / node.ref / "index.html").exists(), node.ref
        for page in ("full-text", "chart", "preamble", "closing"):
            assert (out / prefix / plan.slug / page / "index.html").exists()
    assert (out / "data" / f"{plan.slug}.json").exists()
    assert (out / "data" / f"{plan.slug}.csv").exists()
    assert (out / "static" / "portal" / "site.css").exists()
    assert (out / "404.html").exists()

    checked = 0
    for page in out.rglob("*.html"):
        html = page.read_text("utf-8")
        assert 'href="/' not in html and 'src="/' not in html, page
        for link in LINKS.findall(html):
            if link.startswith(("http://", "https://", "mailto:", "#")):
                continue
            target = (page.parent / link.split("#")[0]).resolve()
            assert target.is_file() and target.is_relative_to(out.resolve()), f"{page}: {link}"
            checked += 1
    assert checked > 1000
    # Absolute addresses name where the archive lives.
    home = (out / "index.html").read_text("utf-8")
    assert '<link rel="canonical" href="https://plan.example.gov.tw/">' in home
