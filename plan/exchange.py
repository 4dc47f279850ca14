"""The plan as data: the export format (a public contract) and loading it back.

Fixtures, `export_plan` and the open-data download share one format, so a plan exported
from a city's database loads into another unchanged. Change it only by adding keys.

`plan_loaded` tells the other apps that `load_plan` has just created or replaced a plan from
its file (the knowledge app loads the plan's glossary and topics): plan knows nothing of them.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal

from .models import Plan, PlanNode, placement_problem, validate_not_reserved
from .search import node_search_text
from .tree import PlanTree

FORMAT = "plan-portal/1"
LANGUAGES = ("zh-hant", "en")
PLAN_TEXTS = Plan.DOCUMENT_TEXTS
CHART_ROWS = Plan.CHART_ROWS

# Sent by `load_plan` with `plan` and `replaced` (True for --replace: the plan's items are new
# rows), inside the transaction that loaded it: what a receiver loads goes with the plan or
# not at all. A receiver raises ValueError to refuse (the load is undone, the command says
# why), and may return one line for the command's output.
plan_loaded = Signal()


def _field(name, language):
    return f"{name}_{language.replace('-', '_')}"


def texts(obj, name):
    """A translated field as {"zh-hant": …, "en": …}, without modeltranslation's fallback."""
    return {language: getattr(obj, _field(name, language)) or "" for language in LANGUAGES}


def _texts_kwargs(name, value):
    return {_field(name, language): (value or {}).get(language) or "" for language in LANGUAGES}


def node_data(plan, node, with_urls=True):
    chart_label = texts(node, "chart_label")
    data = {
        "kind": node.kind,
        "ref": node.ref,
        "number": node.numbers,
        "title": texts(node, "title"),
        "body": texts(node, "body"),
        "chart_label": chart_label if any(chart_label.values()) else None,
    }
    if with_urls:
        data["url"] = node.url
    data["children"] = [node_data(plan, child, with_urls) for child in node.children]
    return data


def plan_data(plan, tree=None, with_urls=None):
    """The whole plan as plain data (published content only unless `tree` says otherwise).
    Each node's page address is included when the tree's nodes have one (the portal links
    the tree: portal.published.link); the domain does not know the site's addresses."""
    tree = tree or PlanTree.load(plan)
    if with_urls is None:
        with_urls = bool(tree.nodes) and hasattr(tree.nodes[0], "url")
    data = {"format": FORMAT, "slug": plan.slug}
    for name in PLAN_TEXTS:
        data[name] = texts(plan, name)
    data["term"] = {
        "roc": [plan.term_start_roc, plan.term_end_roc],
        "western": [plan.term_start, plan.term_end],
    }
    data["chart"] = {
        "title": texts(plan, "chart_title"),
        "rows": {row: texts(plan, f"chart_{row}_row") for row in CHART_ROWS},
    }
    data["source"] = {
        "file": plan.source_file,
        "sha256": plan.source_sha256,
        "note": plan.source_note,
    }
    data["tree"] = node_data(plan, tree.goal, with_urls) if tree.goal else None
    return data


# What an export adds that is not the plan's text: addresses and numbers derived on output,
# and the progress layer (agencies, indicators, progress, updates: data of its own, with its
# own CSV files, never loaded by load_plan).
DERIVED_NODE_KEYS = (
    "url",
    "number",
    "agencies",
    "indicators",
    "progress",
    "updates",
    "withdrawn",
    "coverage",
)
PROGRESS_PLAN_KEYS = ("agencies",)


def comparable(data):
    """Plan data without what is derived on output (URLs, numbering, western years)."""

    def strip(node):
        node = {k: v for k, v in node.items() if k not in DERIVED_NODE_KEYS}
        node["children"] = [strip(child) for child in node.get("children", [])]
        return node

    tree = data.get("tree")
    data = {k: v for k, v in data.items() if k not in ("tree", *PROGRESS_PLAN_KEYS)}
    data["term"] = {"roc": list(data["term"]["roc"])}
    data["tree"] = strip(tree) if tree else None
    return data


def differences(old, new, where=""):
    """The places where two plan data structures differ, as readable paths."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in sorted(set(old) | set(new), key=str):
            found += differences(old.get(key), new.get(key), f"{where}/{key}")
        return found
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [f"{where}: {len(old)} → {len(new)} items"]
        found = []
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            label = b.get("ref", index) if isinstance(b, dict) else index
            found += differences(a, b, f"{where}/{label}")
        return found
    return [] if old == new else [where or "/"]


def check_tree_data(data):
    """Refuse plan data that breaks the tree's rules or takes a reserved name, before
    anything is written (bulk loading bypasses the model's save)."""
    problems = []

    def walk(node, depth, where):
        ref = node.get("ref", "")
        problem = placement_problem(node.get("kind"), depth)
        if problem:
            problems.append(f"{where}/{ref}: {problem}")
        try:
            validate_not_reserved(ref)
        except ValidationError as error:
            problems.extend(f"{where}/{ref}: {message}" for message in error.messages)
        for child in node.get("children", []):
            walk(child, depth + 1, f"{where}/{ref}")

    if data.get("tree"):
        walk(data["tree"], 1, "")
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def create_plan(data):
    """Create a plan and its tree from plan data; treebeard assigns the paths."""
    check_tree_data(data)
    roc = data["term"]["roc"]
    plan = Plan(
        slug=data["slug"],
        # The first plan loaded is the one the home page shows, until staff choose another.
        is_current=not Plan.objects.filter(is_current=True).exists(),
        term_start_roc=roc[0],
        term_end_roc=roc[1],
        source_file=data.get("source", {}).get("file", ""),
        source_sha256=data.get("source", {}).get("sha256", ""),
        source_note=data.get("source", {}).get("note", ""),
    )
    for name in PLAN_TEXTS:
        for key, value in _texts_kwargs(name, data.get(name)).items():
            setattr(plan, key, value)
    chart = data.get("chart", {})
    for key, value in _texts_kwargs("chart_title", chart.get("title")).items():
        setattr(plan, key, value)
    for row in CHART_ROWS:
        for key, value in _texts_kwargs(f"chart_{row}_row", chart.get("rows", {}).get(row)).items():
            setattr(plan, key, value)
    plan.full_clean()
    plan.save()

    def bulk(node):
        fields = {"plan_id": plan.pk, "kind": node["kind"], "ref": node["ref"]}
        fields.update(_texts_kwargs("title", node.get("title")))
        fields.update(_texts_kwargs("body", node.get("body")))
        if node.get("chart_label"):
            fields.update(_texts_kwargs("chart_label", node["chart_label"]))
        # bulk_create skips save(), which fills the search columns for staff edits.
        fields["search_zh_hant"] = node_search_text(fields, "zh-hant")
        fields["search_en"] = node_search_text(fields, "en")
        return {"data": fields, "children": [bulk(child) for child in node.get("children", [])]}

    if data.get("tree"):
        PlanNode.objects.load_bulk([bulk(data["tree"])], bulk_create=True)
    return plan


@transaction.atomic
def replace_plan(plan, data):
    """Replace a plan and its whole tree with plan data (only when staff ask for it)."""
    PlanNode.objects.filter(plan=plan).delete()
    slug = plan.slug
    plan.delete()
    data = {**data, "slug": slug}
    return create_plan(data)
