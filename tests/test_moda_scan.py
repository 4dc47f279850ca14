"""Taiwan's 網站無障礙規範 115.11, as the community scanner a11y-moda checks it (unofficial,
alpha; see docs/accessibility.md). It lives in its own virtualenv, so the project's stays
untouched: the test finds it through A11Y_MODA (the command's path) or on PATH, and is
skipped without it. It reads the served HTML and CSS of every page in the sitemap (no
browser: --no-render) and fails on any rule the scanner fails at level AA."""

import json
import os
import shutil
import subprocess

import pytest

SCANNER = os.environ.get("A11Y_MODA") or shutil.which("a11y-moda")

pytestmark = [
    # Run once (with the validator), not on every database engine.
    pytest.mark.validator,
    pytest.mark.skipif(
        not SCANNER, reason="a11y-moda is not installed (see docs/accessibility.md)"
    ),
]


def test_every_page_passes_the_moda_rules_at_level_aa(live_plan, tmp_path):
    command = [
        SCANNER,
        "site",
        live_plan.url + "/",
        "--no-render",
        "--allow-private-hosts",
        "--source",
        "sitemap",
        "--level",
        "AA",
        "--spec",
        "115.11",
        "--max-pages",
        "1000",
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
    assert summary["pages_scanned"] >= 80, summary  # every page of the sitemap, both languages
    failing = {
        rule: sorted(found["pages_affected"])[:3]
        for rule, found in report["by_rule"].items()
        if found["status"] == "fail"
    }
    assert summary["fail"] == 0 and not failing, failing
