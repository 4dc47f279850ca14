"""Taiwan's 網站無障礙規範 115.11, as the community scanner a11y-moda checks it (unofficial,
alpha; see docs/accessibility.md). It lives in its own virtualenv, so the project's stays
untouched: the test finds it through A11Y_MODA (the command's path) or on PATH, and is
skipped without it. It reads the served HTML and CSS of every page in the sitemap (no
browser: --no-render) and fails on any rule the scanner fails at level AA. The sitemap lists
every page in each reading (繁體中文, English, 简体中文) with the plan's glossary, topics and
goals loaded; the pages it does not list (searches, filtered overviews) are scanned one by
one."""

import json
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import override_settings

from ..factories import P, load_knowledge

SCANNER = os.environ.get("A11Y_MODA") or shutil.which("a11y-moda")


pytestmark = [
    # Run once (with the validator), not on every database engine.
    pytest.mark.validator,
    pytest.mark.skipif(
        not SCANNER, reason="a11y-moda is not installed (see docs/accessibility.md)"
    ),
]


READINGS = ("", "/en", "/zh-hans")


# Page types the sitemap does not list (they depend on a query), in each reading.
UNLISTED = [
    "/search/?q=%E6%8D%B7%E9%81%8B+%E5%A4%AA%E7%A9%BA%E9%9B%BB%E6%A2%AF",  # 捷運 太空電梯: partial
    "/search/?q=%E4%BA%A4%E9%80%9A",  # 交通: a topic's page named above the results
    "/search/?q=fishing+port",  # synonyms
    f"{P}/progress/?topic=transport",
    f"{P}/progress/?sdg=11",
]


OPTIONS = ["--no-render", "--allow-private-hosts", "--level", "AA", "--spec", "115.11"]


def failing_rules(issues):
    return sorted({issue["rule_id"] for issue in issues if issue["status"] == "fail"})


@override_settings(ROOT_URLCONF="tests.moda_sample_urls")
def test_every_page_type_passes_the_moda_rules_at_level_aa(live_plan, tmp_path):
    """Every page type in each reading, every vision and every strategy: the scanner reads
    the sample's sitemap (tests/moda_sample_urls.py)."""
    from ..moda_sample_urls import sample_paths

    load_knowledge()
    expected = len(sample_paths())
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
    report = json.loads(written[0].read_text("utf-8"))
    summary = report["site_summary"]
    assert summary["pages_scanned"] >= expected > 60, summary
    failing = {
        rule: sorted(found["pages_affected"])[:3]
        for rule, found in report["by_rule"].items()
        if found["status"] == "fail"
    }
    assert summary["fail"] == 0 and not failing, failing


def test_pages_outside_the_sitemap_pass_the_moda_rules_at_level_aa(live_plan, tmp_path):
    load_knowledge()
    paths = [prefix + path for prefix in READINGS for path in UNLISTED]

    def scan(numbered):
        number, path = numbered
        name = f"page-{number}.json"
        folder = tmp_path / str(number)
        folder.mkdir()
        command = [SCANNER, "scan", live_plan.url + path, *OPTIONS, "--format", "json", "-o", name]
        subprocess.run(command, cwd=folder, check=False, capture_output=True, timeout=120)
        return path, list(folder.rglob(name))

    # Three scanner processes at a time: each spends most of its time starting up.
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(scan, enumerate(paths)))
    failing = {}
    for path, written in results:
        assert written, f"a11y-moda wrote no report for {path}"
        report = json.loads(written[0].read_text("utf-8"))
        assert report["status_code"] == 200 and not report["fetch_error"], (path, report)
        if report["summary"]["fail"] or failing_rules(report["issues"]):
            failing[path] = failing_rules(report["issues"])
    assert not failing, failing
