"""Loading the knowledge files, and reading them back for exports and backups.

knowledge/sdgs.json holds the 17 goals (with its source; installed with the app, its migration
loads it); fixtures/knowledge/<plan slug>.json a plan's glossary terms, topics and the proposed assignment of its strategies and
action items to topics and goals. Loading never overwrites: an entry whose short name is
already in the database is left as staff have it (and reported).
"""

import json
from pathlib import Path

import reversion
from django.conf import settings
from django.db import transaction
from django.utils import translation

LANGUAGES = ("zh-hant", "en")
GOALS_FORMAT = "plan-portal-sdgs/1"
FORMAT = "plan-portal-knowledge/1"
# The revision comment of a loaded entry (staff read it in the admin's history).
LOADED = "載入編輯補充資料"


def knowledge_dir():
    return Path(settings.BASE_DIR) / "fixtures" / "knowledge"


GOALS_FILE = Path(__file__).resolve().parent / "sdgs.json"


def read(path):
    return json.loads(Path(path).read_text("utf-8"))


def _translated(obj, name, values):
    for language in LANGUAGES:
        value = (values or {}).get(language, "")
        if isinstance(value, list):
            value = "\n".join(value)
        setattr(obj, f"{name}_{language.replace('-', '_')}", value)


def load_goals(data, Goal):
    """Create the goals that are missing; works with migration-state models."""
    if data.get("format") != GOALS_FORMAT:
        raise ValueError(f"not a goals file (format {data.get('format')!r})")
    created = []
    for entry in data["goals"]:
        if Goal.objects.filter(number=entry["number"]).exists():
            continue
        goal = Goal(number=entry["number"])
        _translated(goal, "name", entry["name"])
        _translated(goal, "description", entry.get("description"))
        # Migration-state models have no modeltranslation descriptors: fill the base columns.
        # On the real model the base name is a descriptor writing the active language's
        # column: in Chinese, or a load run in English would give the English name the
        # Chinese text.
        with translation.override("zh-hant"):
            goal.name = entry["name"]["zh-hant"]
            goal.description = (entry.get("description") or {}).get("zh-hant", "")
            # save() too: modeltranslation copies the active language into the base column.
            goal.save()
        created.append(goal)
    return created


def load_knowledge(plan, data):
    """Create the file's topics and terms that are missing, and add the plan's items to the
    topics, terms and goals the file assigns them to (new or already there: a second plan's
    items join shared topics). Nothing is removed and no staff wording is overwritten.
    Returns (created, skipped) short names."""
    from plan.models import PlanNode

    from .models import Goal, Term, Topic

    if data.get("format") != FORMAT:
        raise ValueError(f"not a knowledge file (format {data.get('format')!r})")
    nodes = {node.ref: node for node in PlanNode.objects.live().filter(plan=plan)}
    created, skipped = [], []

    def node_list(refs, where):
        missing = [ref for ref in refs if ref not in nodes]
        if missing:
            raise ValueError(f"{where}: no such plan items in {plan.slug}: {', '.join(missing)}")
        return [nodes[ref] for ref in refs]

    with transaction.atomic(), reversion.create_revision(manage_manually=True):
        reversion.set_comment(LOADED)
        # A flushed or restored database may have lost the goals its migration loaded.
        load_goals(read(GOALS_FILE), Goal)
        topics = {}
        for order, entry in enumerate(data.get("topics", []), 1):
            topic = Topic.objects.filter(slug=entry["slug"]).first()
            if topic is None:
                topic = Topic(slug=entry["slug"], order=order)
                _translated(topic, "name", entry["name"])
                _translated(topic, "description", entry.get("description"))
                topic.save()
                created.append(topic.slug)
            else:
                skipped.append(topic.slug)
            topics[topic.slug] = topic
        terms = {}
        for entry in data.get("terms", []):
            term = Term.objects.filter(slug=entry["slug"]).first()
            if term is None:
                term = Term(slug=entry["slug"], reading=entry.get("zhuyin", ""))
                _translated(term, "term", entry["term"])
                _translated(term, "aliases", entry.get("aliases"))
                _translated(term, "explanation", entry["explanation"])
                term.save()
                created.append(term.slug)
            else:
                skipped.append(term.slug)
            term.related.add(*node_list(entry.get("related", []), f"term {term.slug}"))
            terms[term.slug] = term
        goals = {goal.number: goal for goal in Goal.objects.all()}
        assigned = {}
        for ref, assignment in data.get("assignments", {}).items():
            (node,) = node_list([ref], "assignments")
            for slug in assignment.get("topics", []):
                if slug not in topics:
                    raise ValueError(f"assignments: {ref}: no topic {slug} in the file")
                assigned.setdefault(topics[slug], []).append(node)
            for number in assignment.get("sdgs", []):
                if number not in goals:
                    raise ValueError(f"assignments: {ref}: no SDG {number}")
                assigned.setdefault(goals[number], []).append(node)
        for entry, items in assigned.items():
            entry.nodes.add(*items)
        for entry in [*topics.values(), *terms.values(), *assigned]:
            reversion.add_to_revision(entry)
    return created, skipped


def load_plan_knowledge(plan):
    """Load fixtures/knowledge/<slug>.json for a plan just loaded, if there is one."""
    path = knowledge_dir() / f"{plan.slug}.json"
    if not path.exists():
        return None
    return load_knowledge(plan, read(path))
