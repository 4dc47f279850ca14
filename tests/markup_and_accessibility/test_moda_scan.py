"""Taiwan's 網站無障礙規範 115.11, as the community scanner a11y-moda checks it (unofficial,
alpha; see docs/accessibility.md). It lives in its own virtualenv, so the project's stays
untouched: the test finds it through A11Y_MODA (the command's path) or on PATH, and is
skipped without it. It reads the served HTML and CSS of the pages a sitemap lists (no
browser: --no-render) and fails on any rule the scanner fails at level AA: a sample of the
site's pages (every page type in 繁體中文 and English, five in 简体中文) with the plan's
glossary, topics and goals loaded, then the pages the site's sitemap does not list
(searches, filtered overviews), each through a sitemap of the test's own."""

import json
import os
import shutil
import subprocess
from urllib.parse import unquote, urlsplit

import pytest
from django.test import override_settings

from ..factories import load_knowledge

SCANNER = os.environ.get("A11Y_MODA") or shutil.which("a11y-moda")


pytestmark = [
    # Run once (with the validator), not on every database engine.
    pytest.mark.validator,
    pytest.mark.skipif(
        not SCANNER, reason="a11y-moda is not installed (see docs/accessibility.md)"
    ),
]


OPTIONS = ["--no-render", "--allow-private-hosts", "--level", "AA", "--spec", "115.11"]


def scan_site(live_plan, tmp_path):
    """One scanner run over the pages the live server's /sitemap.xml lists: its report."""
    command = [
        SCANNER,
        "site",
        live_plan.url + "/",
        *OPTIONS,
        "--source",
        "sitemap",
        "--max-pages",
        "1000",
        # Two at a time (the machine's cores): the live server answers requests in threads.
        "--workers",
        "2",
        "--format",
        "json",
        "-o",
        "moda.json",
    ]
    subprocess.run(command, cwd=tmp_path, check=False, capture_output=True, timeout=300)
    # The scanner writes its report under reports/ in the folder it runs in.
    written = list(tmp_path.rglob("moda.json"))
    assert written, "a11y-moda wrote no report"
    return json.loads(written[0].read_text("utf-8"))


def address(url):
    """A page's path and query, as the scanner lists it (no trailing slash, unquoted)."""
    parts = urlsplit(unquote(url))
    return parts.path.rstrip("/") + (f"?{parts.query}" if parts.query else "")


def scanned_whole(report, paths):
    """Every page of `paths` scanned, none of them an error page: the scanner counts a page
    that answered 404 or 500 as scanned, with no issues (fetch_error set)."""
    errors = [
        (page.get("url"), page.get("status_code"), page.get("fetch_error"))
        for page in report["pages"]
        if page.get("status_code") != 200 or page.get("fetch_error")
    ]
    assert not errors, errors
    scanned = {address(page["url"]) for page in report["pages"]}
    missing = [path for path in paths if address(path) not in scanned]
    assert not missing, missing


def failing_rules(report):
    """{rule: up to three pages} for each rule the scanner failed."""
    return {
        rule: sorted(found["pages_affected"])[:3]
        for rule, found in report["by_rule"].items()
        if found["status"] == "fail"
    }


@override_settings(ROOT_URLCONF="tests.moda_sample_urls")
def test_every_page_type_passes_the_moda_rules_at_level_aa(live_plan, tmp_path):
    """Every page type in Traditional Chinese and English, five in Simplified, every vision
    and the first strategy of each: the scanner reads the sample's sitemap
    (tests/moda_sample_urls.py)."""
    from ..moda_sample_urls import sample_paths

    load_knowledge()
    paths = sample_paths()
    report = scan_site(live_plan, tmp_path)
    summary = report["site_summary"]
    assert summary["pages_scanned"] >= len(paths) > 50, summary
    scanned_whole(report, paths)
    failing = failing_rules(report)
    assert summary["fail"] == 0 and not failing, failing


@override_settings(ROOT_URLCONF="tests.moda_unlisted_urls")
def test_pages_outside_the_sitemap_pass_the_moda_rules_at_level_aa(live_plan, tmp_path):
    """Searches and filtered overviews in each reading, listed by a sitemap of their own
    (tests/moda_unlisted_urls.py) for one scanner run: a run per page spent most of its
    time starting the scanner."""
    from ..moda_sample_urls import unlisted_paths

    load_knowledge()
    paths = unlisted_paths()
    report = scan_site(live_plan, tmp_path)
    summary = report["site_summary"]
    assert summary["pages_scanned"] == len(paths) == 15, summary
    scanned_whole(report, paths)
    failing = failing_rules(report)
    assert summary["fail"] == 0 and not failing, failing
