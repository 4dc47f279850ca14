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
        goal.name = entry["name"]["zh-hant"]
        goal.description = (entry.get("description") or {}).get("zh-hant", "")
        goal.save()
        created.append(goal)
    return created


def load_knowledge(plan, data):
    """Create the file's topics and terms that are missing and assign the plan's items to
    them (only for entries created now). Returns (created, skipped) short names."""
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
        new_topics = {}
        for order, entry in enumerate(data.get("topics", []), 1):
            if Topic.objects.filter(slug=entry["slug"]).exists():
                skipped.append(entry["slug"])
                continue
            topic = Topic(slug=entry["slug"], order=order)
            _translated(topic, "name", entry["name"])
            _translated(topic, "description", entry.get("description"))
            topic.save()
            new_topics[topic.slug] = topic
            created.append(topic.slug)
        for entry in data.get("terms", []):
            if Term.objects.filter(slug=entry["slug"]).exists():
                skipped.append(entry["slug"])
                continue
            term = Term(slug=entry["slug"], reading=entry.get("zhuyin", ""))
            _translated(term, "term", entry["term"])
            _translated(term, "aliases", entry.get("aliases"))
            _translated(term, "explanation", entry["explanation"])
            term.save()
            term.related.set(node_list(entry.get("related", []), f"term {term.slug}"))
            reversion.add_to_revision(term)
            created.append(term.slug)
        goals = {goal.number: goal for goal in Goal.objects.all()}
        goal_nodes = {}
        for ref, assigned in data.get("assignments", {}).items():
            (node,) = node_list([ref], "assignments")
            for slug in assigned.get("topics", []):
                if slug in new_topics:
                    new_topics[slug].nodes.add(node)
            for number in assigned.get("sdgs", []):
                if number not in goals:
                    raise ValueError(f"assignments: {ref}: no SDG {number}")
                goal_nodes.setdefault(number, []).append(node)
        for topic in new_topics.values():
            reversion.add_to_revision(topic)
        # Goals are shared: the file adds this plan's items to them, never removes any.
        for number, items in goal_nodes.items():
            goals[number].nodes.add(*items)
            reversion.add_to_revision(goals[number])
    return created, skipped


def load_plan_knowledge(plan):
    """Load fixtures/knowledge/<slug>.json for a plan just loaded, if there is one."""
    path = knowledge_dir() / f"{plan.slug}.json"
    if not path.exists():
        return None
    return load_knowledge(plan, read(path))
