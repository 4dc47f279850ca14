"""The plan as open data: the export format with the progress layer (`export_data`: what
/data/<slug>.json serves and `export_plan` prints) and the plan's CSV rows (`csv_rows`).
Only published content is ever exported.
"""

from django.utils import timezone

from plan.exchange import LANGUAGES, plan_data, texts
from progress.numbers import stored_number
from progress.rollup import EMPTY

from ...context_processors import twin_paths
from ...published import linked_tree, plan_progress
from .fields import CSV_COLUMNS


def export_data(plan):
    """The plan in the export format, with its pages' addresses (the Chinese ones; English
    pages add /en in front): what `export_plan` prints and /data/<slug>.json serves.

    Added to the format (keys only added, never changed): each node's agencies, published
    indicators, progress and updates, and the plan's agencies at the top. The tree is the
    pages' linked tree and the progress the pages' bundle (one query, kept per version)."""
    tree = linked_tree(plan, "zh-hant")
    data = plan_data(plan, tree)
    bundle, progress = plan_progress(plan)
    nodes = {node.ref: node for node in tree}
    agencies = {}

    def add(node_data):
        node = nodes[node_data["ref"]]
        facts = bundle.get(node.pk, EMPTY)
        node_data["agencies"] = {
            "lead": [a["code"] for a in facts.lead],
            "support": [a["code"] for a in facts.support],
        }
        for agency in (*facts.lead, *facts.support):
            agencies[agency["code"]] = agency
        node_data["indicators"] = [_indicator(i, plan) for i in facts.indicators]
        node_data["progress"] = _progress(progress.get(node.pk))
        if node.kind != "action":
            # Added: how many strategies report, at every level above the action items.
            reported, total = progress[node.pk].coverage if node.pk in progress else (0, 0)
            node_data["coverage"] = {"reported": reported, "total": total}
        node_data["updates"] = [_update(u) for u in facts.updates]
        node_data["withdrawn"] = [_withdrawn(w, plan) for w in facts.withdrawn]
        for child in node_data["children"]:
            add(child)

    if data["tree"]:
        add(data["tree"])
    data["agencies"] = [
        {
            "code": code,
            "name": _bilingual(a, "name"),
            "url": a["url"] or "",
        }
        for code, a in sorted(agencies.items())
    ]
    return data


def json_number(value):
    """A stored figure as a JSON number (55 rather than 55.0); None stays null, and a value
    that is not a number (typed by hand before the number grammar) stays as it is."""
    number = stored_number(value)
    if number is None or isinstance(number, str):
        return None if value in (None, "") else str(value)
    return int(number) if number == number.to_integral_value() else float(number)


def _bilingual(fact, name):
    return {"zh-hant": fact.get(f"{name}_zh_hant") or "", "en": fact.get(f"{name}_en") or ""}


def _progress(progress):
    """A node's progress. The first five keys are the format's first (their meaning never
    changes: `expected` and `light` are measured against today, `percent` is the weighted
    mean of the reported children where any reports). Added since, each figure with its
    date: `as_of`, `expected_at_date` and `light_at_date` (the figure that stands for the
    node, compared with what was planned by its own date), `own` (the node's own latest
    update as one statement), and `withheld` (true where pages withhold an average over too
    few reporting strategies)."""
    if progress is None or not progress.is_reported:
        return None
    figure = progress.figure
    return {
        "status": progress.status,
        "percent": json_number(progress.percent),
        "expected": json_number(progress.expected),
        "light": progress.light,
        "date": progress.date.isoformat() if progress.date else None,
        "as_of": _iso(figure.date) if figure else None,
        "expected_at_date": json_number(figure.expected) if figure else None,
        "light_at_date": figure.light if figure else None,
        "own": _figure(progress.own),
        "withheld": progress.withheld(),
    }


def _figure(figure):
    if figure is None:
        return None
    return {
        "status": figure.status,
        "percent": json_number(figure.percent),
        "date": _iso(figure.date),
        "expected_at_date": json_number(figure.expected),
        "light_at_date": figure.light,
        "source": figure.source,
    }


def _update(update):
    return {
        "date": update["date"].isoformat(),
        "status": update["status"],
        "percent": json_number(update["percent"]),
        "summary": _bilingual(update, "summary"),
        "source": update["source"] or "",
        "agency": update["agency"],
        "reason": update["reason"] or "",
        "remedy": update["remedy"] or "",
        # Added: the English (empty until staff write it); `reason` and `remedy` stay Chinese.
        "reason_en": update.get("reason_en") or "",
        "remedy_en": update.get("remedy_en") or "",
    }


def _withdrawn(fact, plan):
    """A published fact a reviewer withdrew: when (Taipei time), why, and what it said."""
    what = {"update": _update, "indicator": lambda i: _indicator(i, plan)}.get(fact["kind"])
    moment = fact.get("withdrawn_at")
    return {
        "kind": fact["kind"],
        "withdrawn_at": timezone.localtime(moment).isoformat() if moment else None,
        "reason": fact.get("withdrawal_reason") or "",
        "fact": what(fact) if what else _milestone(fact),
    }


def _milestone(milestone):
    return {
        "planned_date": _iso(milestone.get("planned_date")),
        "description": _bilingual(milestone, "description"),
        "done_on": _iso(milestone.get("done_on")),
        "source": milestone.get("source") or "",
    }


def _iso(day):
    return day.isoformat() if day else None


def _indicator(indicator, plan):
    values = indicator["values"] or {}
    years = {}
    for year in range(plan.term_start_roc, plan.term_end_roc + 1):
        entry = values.get(str(year), {})
        years[str(year)] = {
            "target": json_number(entry.get("target")),
            "actual": json_number(entry.get("actual")),
            "source": entry.get("source") or indicator["source"] or "",
        }
    return {
        "key": indicator["key"],
        "name": _bilingual(indicator, "name"),
        "measure": _bilingual(indicator, "measure"),
        "unit": _bilingual(indicator, "unit"),
        "direction": indicator["direction"],
        "baseline_year": indicator["baseline_year"],
        "baseline": json_number(indicator["baseline"]),
        "weight": json_number(indicator["weight"]),
        "values": years,
        "source": indicator["source"] or "",
        "target_change_reason": indicator["target_change_reason"] or "",
        "target_change_reason_en": indicator.get("target_change_reason_en") or "",
    }


def csv_rows(plan, absolute):
    """The plan's CSV (CSV_COLUMNS, then a row per item), each page's address made absolute
    by `absolute(path)`. The pages' linked tree (kept per content version): its Chinese
    addresses, and the English ones under /en."""
    rows = [CSV_COLUMNS]
    for node in linked_tree(plan, "zh-hant"):
        numbers = node.numbers or {}
        urls = twin_paths(node.url, "zh-hant")
        row = [node.ref, node.parent.ref if node.parent else "", node.kind]
        row += [numbers.get(language, "") for language in LANGUAGES]
        for name in ("title", "body", "chart_label"):
            row += texts(node, name).values()
        row += [absolute(urls[language]) for language in LANGUAGES]
        rows.append(row)
    return rows
