"""Generate a plan fixture from the official text and its English translation.

    python manage.py build_plan_fixture kaohsiung-112-115

reads fixtures/source/<slug>.zh-hant.txt (the official text, verbatim) and
fixtures/source/<slug>.en.json (the reference translation, keyed by document position)
and writes fixtures/<slug>.json in the plan data format. No tree paths are written:
treebeard assigns them when the plan is loaded, so nothing is ever hand-numbered.
"""

import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from plan.exchange import FORMAT
from plan.source import SourceError, parse

SOURCE_NOTE = (
    "The official Traditional Chinese text of the plan as published by the issuing authority, "
    "kept verbatim in fixtures/source/; only the three sentences split by the source PDF's page "
    "breaks are joined. The English is a reference translation; the Chinese text prevails."
)


def both(zh, en):
    return {"zh-hant": zh, "en": en}


class Command(BaseCommand):
    help = "Generate fixtures/<slug>.json from the official text and its English translation."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument(
            "--roc-term", default="112-115", help="first and last ROC year, e.g. 112-115"
        )

    def handle(self, slug, roc_term, **options):
        folder = Path(settings.BASE_DIR) / "fixtures"
        text_path = folder / "source" / f"{slug}.zh-hant.txt"
        raw = text_path.read_bytes()
        try:
            source = parse(raw.decode("utf-8"))
        except SourceError as error:
            raise CommandError(f"{text_path.name}: {error}") from error
        en = json.loads((folder / "source" / f"{slug}.en.json").read_text("utf-8"))
        data = self.build(slug, roc_term, source, en)
        data["source"] = {
            "file": f"fixtures/source/{text_path.name}",
            "sha256": hashlib.sha256(raw).hexdigest(),
            "note": SOURCE_NOTE,
        }
        out = folder / f"{slug}.json"
        out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")
        self.stdout.write(f"wrote {out.relative_to(settings.BASE_DIR)}")

    def build(self, slug, roc_term, source, en):
        start, end = (int(year) for year in roc_term.split("-"))
        meta, nodes = en["plan"], en["nodes"]

        def node(key, kind, title="", body="", chart_label=None, children=()):
            tr = nodes[key]
            label = None
            if chart_label is not None:
                label = both(chart_label, tr.get("chart_label") or "")
            return {
                "kind": kind,
                "ref": tr["ref"],
                "title": both(title, (tr.get("title") or "") if title else ""),
                "body": both(body, (tr.get("body") or "") if body else ""),
                "chart_label": label,
                "children": list(children),
            }

        visions = []
        for v, vision in enumerate(source.visions, 1):
            strategies = []
            for s, strategy in enumerate(vision.strategies, 1):
                actions = [
                    node(f"{v}.{s}.{a}", "action", body=text)
                    for a, text in enumerate(strategy.actions, 1)
                ]
                strategies.append(
                    node(
                        f"{v}.{s}",
                        "strategy",
                        strategy.title,
                        strategy.body,
                        strategy.chart_label,
                        actions,
                    )
                )
            visions.append(node(str(v), "vision", vision.title, children=strategies))
        return {
            "format": FORMAT,
            "slug": slug,
            "title": both(source.title, meta["title"]),
            "authority": both(source.authority, meta["authority"]),
            "preamble_heading": both(source.preamble_heading, meta["preamble_heading"]),
            "preamble": both(source.preamble, meta["preamble"]),
            "visions_heading": both(source.visions_heading, meta["visions_heading"]),
            "closing_heading": both(source.closing_heading, meta["closing_heading"]),
            "closing": both(source.closing, meta["closing"]),
            "term": {"roc": [start, end], "western": [start + 1911, end + 1911]},
            "chart": {
                "title": both(source.chart_title, meta["chart_title"]),
                "rows": {
                    row: both(source.chart_rows[row], meta["chart_rows"][row])
                    for row in source.chart_rows
                },
            },
            "tree": node(
                "goal", "goal", source.goal, chart_label=source.goal_chart_label, children=visions
            ),
        }
