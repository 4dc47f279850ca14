"""Search's results: which nodes and sections match, in what order, with their places,
addresses, highlighted titles and snippets; and the pages (topics, goals, agencies, glossary
terms) a search names. What matches a word is plan.search's business.

Ranked by more of the words, then more of them in the title, then document order (plan by
plan). Forgiving: each word also counts in its other forms (synonyms from the glossary and a
curated list, the Traditional form of a Simplified word); when no result has every word, the
results with the most of them are shown, labelled as partial matches.
"""

import re
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from plan.models import PlanNode
from plan.numbering import section_number
from plan.search import (
    WORD_END,
    Query,
    fold,
    match_spans,
    occurrences,
    parse_query,
    plan_text_matches,
    term_words,
    terms_matched,
    text_matches,
    title_hits,
)
from plan.tree import ancestors

from ...published import page_reading, plan_url, published_plans
from .highlight import highlight, snippet
from .index import expanded, matching_rows, search_index

# A page shows at most this many results (the best ranked), and says how many there are.
MAX_RESULTS = 100


@dataclass
class Hit:
    """One result: a node, or a plan's opening (preamble) or closing text."""

    plan: object
    kind: str  # a PlanNode.Kind, or "preamble" / "closing"
    url: str
    position: int  # document order within the plan
    title_hits: int  # how many of the query's words the title has: ranks title matches first
    node: object = None
    ancestors: list = field(default_factory=list)
    title: str = ""  # highlighted title; empty where it has no text in the page's language
    chart_label: str = ""  # highlighted chart label, where only it has a match
    snippet: str = ""
    matched: list = field(default_factory=list)  # a partial match: the words it has


@dataclass
class SearchResults:
    query: Query
    language: str
    plans: list
    hits: list = field(default_factory=list)  # the best ranked, at most MAX_RESULTS
    total: int = 0  # how many results there are in all
    other_language: str = ""
    other_count: int = 0  # how many results the same search has in the other language
    partial: bool = False  # no result has every word: these have some of them
    pages: list = field(default_factory=list)  # topics, goals, agencies, terms the words name
    alternatives: list = field(default_factory=list)  # (word, [what also counted for it])


def search(query, language, plans=None):
    """Published content of published plans matching `query` in `language`, ranked, and how
    many results the same words have in the other language; topics, goals, agencies and
    glossary terms the words name are listed as pages of their own.

    Three queries at most: the published plans (unless given), the search index (trees,
    glossary, topics, agencies: portal.published.site_rows, kept per content version), and
    the nodes matching any word in either language (with their texts).
    """
    if not isinstance(query, Query):
        query = parse_query(query)
    if plans is None:
        plans = published_plans()
    other = "en" if language == "zh-hant" else "zh-hant"
    results = SearchResults(query=query, language=language, plans=plans, other_language=other)
    if not query or not plans:
        return results
    # The reading results link to: a Simplified page's results stay Simplified.
    reading = page_reading() if language == "zh-hant" else language
    index = search_index(plans, reading)
    terms = expanded(query, index)
    results.alternatives = [
        (
            term[0],
            [
                _written(index.display.get(bare, bare), language)
                for bare in (word.removesuffix(WORD_END) for word in term[1:])
            ],
        )
        for term in terms
        if isinstance(term, tuple)
    ]
    results.pages = named_pages(query, terms, index, plans, language)

    # Those with all of the words are the results; when there are none, those with the most
    # of them are: partial matches. Those with all of them in the other language are counted.
    full, partial = [], []
    for pk, plan_id, here, there, *texts in matching_rows(plans, terms, language, other):
        if text_matches(there, terms, other):
            results.other_count += 1
        matched = terms_matched(here, terms, language)
        if len(matched) == len(terms):
            full.append((pk, plan_id, len(terms), *texts))
        elif matched:
            partial.append((pk, plan_id, len(matched), *texts))
    results.other_count += sum(len(plan_text_matches(p, terms, other)) for p in plans)
    sections = [
        (plan, kind, heading, text)
        for plan in plans
        for kind, heading, text in plan_text_matches(plan, terms, language)
    ]
    if not full and not sections and len(terms) > 1:
        results.partial = True
        full = partial

    # Rank first, from the rows alone; highlight and cut snippets only for what is shown.
    ranked = _ranked(full, sections, index, plans, terms, language)
    results.total = len(ranked)
    for key, found in ranked[:MAX_RESULTS]:
        if found[0] == "node":
            hit = _node_hit(key, found, plans, terms, language, results.partial)
        else:
            hit = _section_hit(key, found, reading, terms, language)
        results.hits.append(hit)
    return results


def _ranked(full, sections, index, plans, terms, language):
    """[(rank key, what was found)], best first. A key: (fewer words missing, more words in
    the title, the plan's place, the place in the plan), negated where more is better."""
    plan_index = {plan.pk: number for number, plan in enumerate(plans)}
    ranked = []
    for pk, plan_id, count, title, label, body in full:
        positions = index.positions[plan_id]
        if pk not in positions:
            continue  # hidden by an unpublished node above it (PlanTree decides)
        in_title = title_hits(fold(f"{title or ''}\n{label or ''}"), terms, language)
        key = (-count, -in_title, plan_index[plan_id], positions[pk])
        tree = index.trees[plan_id]
        ranked.append((key, ("node", tree, pk, title or "", label or "", body or "")))
    for plan, kind, heading, text in sections:
        in_title = title_hits(fold(heading), terms, language)
        position = -1 if kind == "preamble" else 10**9  # the opening first, closing last
        key = (-len(terms), -in_title, plan_index[plan.pk], position)
        ranked.append((key, (kind, plan, heading, text)))
    ranked.sort(key=lambda item: item[0])
    return ranked


def _node_hit(key, found, plans, terms, language, partial):
    _count, in_title, plan_number, position = key
    _, tree, _pk, title, label, body = found
    node = tree.nodes[position]
    hit = Hit(
        plan=plans[plan_number],
        kind=node.kind,
        url=node.url,
        position=position,
        title_hits=-in_title,
        node=node,
        ancestors=[a for a in ancestors(node) if a.kind != PlanNode.Kind.GOAL],
        title=highlight(title, terms, language) if title else "",
        snippet=snippet(body, terms, language),
    )
    # The chart's wording, where only it explains why the node was found.
    if (
        label
        and not text_matches(fold(title), terms, language)
        and match_spans(label, terms, language)
    ):
        hit.chart_label = highlight(label, terms, language)
    if partial:
        folded = fold(f"{title}\n{label}\n{body}")
        hit.matched = [term_words(t)[0] for t in terms_matched(folded, terms, language)]
    return hit


def _section_hit(key, found, reading, terms, language):
    _count, in_title, _plan_number, position = key
    kind, plan, heading, text = found
    number = section_number(1 if kind == "preamble" else 3)[language]
    return Hit(
        plan=plan,
        kind=kind,
        url=f"{plan_url(plan, reading)}{kind}/",
        position=position,
        title_hits=-in_title,
        title=mark_safe(escape(number) + highlight(heading, terms, language)),
        snippet=snippet(text, terms, language),
    )


def _written(word, language):
    """A word as the page shows it, with the language it is in where that is not the page's
    (screen readers switch voice): (word, lang attribute or "")."""
    latin = word.isascii()
    if language == "en":
        return word, "" if latin else "zh-Hant"
    return word, "en" if latin else ""


# Pages a search names ---------------------------------------------------------------------

_SDG = re.compile(r"\bsdgs?\s*(\d{1,2})\b")


@dataclass
class NamedPage:
    kind: str  # "topic", "goal", "agency", "term"
    name: str
    url: str


def _names(text, words, names):
    """Whether a search names an entry: the search is one of the entry's names (in either
    language) or one of its words' alternatives is; or the search holds a whole name ("交通
    建設" names 交通); or it is most of a name ("sustainable cities" names Sustainable Cities
    and Communities). A common word alone ("and", "care" in "care for the elderly" but not
    "for") never names everything that contains it."""
    for name in names:
        folded = fold(name)
        if not folded:
            continue
        if folded == text or folded in words:
            return True
        if len(folded) >= 2 and next(occurrences(text, folded), None) is not None:
            return True
        if len(text) >= 2 and 2 * len(text) >= len(folded) and text in folded:
            return True
    return False


def named_pages(query, terms, index, plans, language):
    """The topics, goals, agencies and glossary entries the search's words name."""
    words = {word.removesuffix(WORD_END) for term in terms for word in term_words(term)}
    text = fold(query.text)
    plan = plans[0]  # topics and goals: the current plan's pages
    pages = []
    # Addresses in the page's own reading: reverse() follows the active language.
    for topic in index.knowledge.topics:
        if _names(text, words, index.names.get(("topic", topic.key), [topic.name])):
            url = reverse("portal:topic", args=[plan.slug, topic.key])
            pages.append(NamedPage("topic", topic.name, url))
    numbers = {int(n) for n in _SDG.findall(text)}
    for goal in index.knowledge.goals:
        names = index.names.get(("goal", goal.key), [goal.name])
        if int(goal.key) in numbers or _names(text, words, names):
            url = reverse("portal:sdg", args=[plan.slug, goal.key])
            pages.append(NamedPage("goal", f"SDG {goal.key} {goal.name}", url))
    for plan_id, code, names, name in index.agencies:
        if plan_id == plan.pk and (_names(text, words, names.values()) or fold(code) == text):
            url = reverse("portal:agency", args=[plan.slug, code])
            pages.append(NamedPage("agency", name, url))
    glossary_url = reverse("portal:glossary")
    glossary = index.knowledge.glossary
    for term in glossary.terms:
        names = [*glossary.names(term, "zh-hant"), *glossary.names(term, "en")]
        if any(fold(name) in words or fold(name) == text for name in names):
            pages.append(NamedPage("term", term.name, f"{glossary_url}#{term.key}"))
    return pages
