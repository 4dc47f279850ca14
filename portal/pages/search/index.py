"""Search's index: what a search needs beside the rows that match, kept per content version
and reading. The published plans' light trees (each result's place: portal.published's
place_trees), the site's glossary, topics and goals (their synonyms, and the pages a search
names), the agencies with a role in each plan; and the one query for the matching rows.

Chinese has no spaces, so search is substring search over folded text (plan.search.fold).
"""

import re
from dataclasses import dataclass

from knowledge.synonyms import CURATED
from plan.bundle import translated
from plan.search import (
    column,
    expand_terms,
    fold,
    matches_any_q,
    matches_q,
    visible_nodes,
    whole_word,
)

from ...published import place_trees, site_knowledge, site_rows, text_language
from ...serving.caching import per_version
from ...serving.simplified import to_traditional


@dataclass
class SearchIndex:
    trees: dict  # plan id → its light linked tree (place_trees)
    positions: dict  # plan id → {node id: its place in the tree's document order}
    knowledge: object  # knowledge.bundle.Knowledge in the page's language
    synonyms: dict  # folded word → the folded words of its synonym groups
    agencies: list  # (plan id, code, {language: name}, its name in the page's language)
    display: dict  # folded word → as written in its synonym group ("mrt" → "MRT")
    names: dict  # ("topic" | "goal", key) → its names in both languages


def search_index(plans, reading):
    """What search needs beside the matching rows, for pages in `reading` (kept)."""
    language = text_language(reading)

    def build():
        trees = place_trees(plans, reading)
        knowledge = site_knowledge(language, plans)
        other = site_knowledge("en" if language == "zh-hant" else "zh-hant", plans)
        names = {}
        for both in (knowledge, other):
            for entry in [*both.topics, *both.goals]:
                names.setdefault((entry.kind, entry.key), []).append(entry.name)
        agencies = {
            (plan_id, data["code"]): data
            for kind, _pk, plan_id, data in site_rows(plans)
            if kind == "agency"
        }
        groups = [*CURATED, *knowledge.glossary.synonym_groups()]
        return SearchIndex(
            trees=trees,
            positions={
                plan_id: {node.pk: index for index, node in enumerate(tree.nodes)}
                for plan_id, tree in trees.items()
            },
            knowledge=knowledge,
            synonyms=synonym_groups(groups),
            agencies=[
                (
                    plan_id,
                    code,
                    {"zh-hant": data["name_zh_hant"], "en": data["name_en"]},
                    translated(data, "name", language),
                )
                for (plan_id, code), data in agencies.items()
            ],
            display={fold(word): word for group in groups for word in group},
            names=names,
        )

    return per_version("search index", tuple(p.pk for p in plans), reading, build=build)


def matching_rows(plans, terms, language, other):
    """One query: (id, plan id, folded text in `language`, in `other`, title, chart label,
    body) of every visible node of `plans` with any of the terms in `language` (results,
    partial matches) or all of them in `other` (the other language's count)."""
    suffix = language.replace("-", "_")
    candidates = visible_nodes([plan.pk for plan in plans]).filter(
        matches_any_q(terms, language) | matches_q(terms, other)
    )
    return candidates.values_list(
        "pk",
        "plan_id",
        column(language),
        column(other),
        f"title_{suffix}",
        f"chart_label_{suffix}",
        f"body_{suffix}",
    )


def synonym_groups(groups):
    """Folded word → the words that also count for it: the curated groups and, for each
    glossary term, its names and aliases in both languages."""
    found = {}
    for group in groups:
        words = [fold(word) for word in group if word.strip()]
        for word in words:
            found.setdefault(word, {})
            found[word].update(dict.fromkeys(words))
    return {word: tuple(others) for word, others in found.items()}


_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def expanded(query, index):
    """The query with each word's alternatives: its synonyms, and for a word typed in
    Simplified characters its Traditional forms (and their synonyms)."""

    def alternatives(word):
        forms = [word]
        if _HAN.search(word):
            forms += [fold(form) for form in sorted(to_traditional(word)) if fold(form) != word]
        groups = []
        for form in forms:
            group = index.synonyms.get(form, ())
            if not group and form.endswith("s"):
                group = index.synonyms.get(form[:-1], ())  # harbors → harbor's group
            groups.append(group)
        if " " in word and not any(groups):
            return ()  # words join into one term only where they are a known phrase
        found = list(dict.fromkeys([*forms, *(w for group in groups for w in group)]))
        # The visitor's own words match word starts (subsidy → subsidies); a synonym in
        # Latin letters only its whole word ("port" for harbour is not "portal").
        found = [*forms, *(whole_word(w) for w in found[len(forms) :])]
        return tuple(found) if len(found) > 1 else ()

    return expand_terms(query.terms, alternatives)
