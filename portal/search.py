"""Search, the pages' side: ranking, the place of each result in its plan, its address, and
highlighted titles and snippets (HTML). What matches is plan.search's business.

Chinese has no spaces, so search is substring search over folded text (plan.search.fold).
"""

import re
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import mark_safe

from plan.models import PlanNode
from plan.numbering import section_number
from plan.search import (
    Query,
    column,
    fold,
    match_spans,
    matches_q,
    parse_query,
    plan_text_matches,
    text_matches,
    title_hits,
    visible_nodes,
)
from plan.tree import PlanTree, ancestors

from .caching import per_version_many
from .trees import link, plan_url, published_plans

# A page shows at most this many results (the best ranked), and says how many there are.
MAX_RESULTS = 100
# Characters of context a snippet shows before the first match, and its whole length.
SNIPPET_BEFORE = 30
SNIPPET_LENGTH = 140
_SPACE = re.compile(r"\s+")


# Highlighting ----------------------------------------------------------------------------


def _marked(text, spans, start=0, end=None):
    """text[start:end], escaped, with the spans in <mark>: the staff text is escaped first and
    only then are our own tags added."""
    end = len(text) if end is None else end
    html, position = [], start
    for span_start, span_end in spans:
        span_start, span_end = max(span_start, start), min(span_end, end)
        if span_start >= span_end:
            continue
        html += [escape(text[position:span_start]), "<mark>", escape(text[span_start:span_end])]
        html.append("</mark>")
        position = span_end
    html.append(escape(text[position:end]))
    return mark_safe("".join(html))


def highlight(text, terms, language):
    """The whole text, escaped, with every match in <mark>."""
    text = text or ""
    return _marked(text, match_spans(text, terms, language))


def snippet(text, terms, language):
    """A window of the text around its first match (the start of the text without one),
    escaped, with the matches in <mark> and an ellipsis where the text was cut."""
    text = _SPACE.sub(" ", text or "").strip()
    if not text:
        return ""
    spans = match_spans(text, terms, language)
    if len(text) <= SNIPPET_LENGTH + SNIPPET_BEFORE:
        return _marked(text, spans)
    first = spans[0][0] if spans else 0
    start = max(0, first - SNIPPET_BEFORE)
    end = min(len(text), start + SNIPPET_LENGTH)
    if end == len(text):
        start = max(0, end - SNIPPET_LENGTH)
    if language == "en":
        # Cut English between words, not inside one.
        if start:
            space = text.find(" ", start, first)
            start = space + 1 if space != -1 else start
        if end < len(text):
            space = text.rfind(" ", max(first, start), end)
            end = space if space > first else end
    html = _marked(text, spans, start, end)
    return mark_safe(("…" if start else "") + html + ("…" if end < len(text) else ""))


# Searching -------------------------------------------------------------------------------


# A result shows its place in the plan (vision › strategy, with their numbers) and links to
# its page, which takes the plan's tree. Over dozens of plans, reading whole trees as model
# instances would cost more than the search itself, so trees are read as light rows (the
# fields a place shows), linked up by PlanTree (visibility, numbering, addresses), and kept
# per content version (portal.caching). What is found, and its own text, always comes fresh
# from the database; a tree only names the places.
_TREE_FIELDS = ("id", "plan_id", "path", "depth", "kind", "ref", "title_zh_hant", "title_en")


class ResultNode:
    """A node of a search result's tree: the fields that name a place in the plan."""

    # PlanTree reads these; a place needs none of them.
    body_zh_hant = body_en = chart_label_zh_hant = chart_label_en = body = chart_label = ""
    edited_at = None

    def __init__(self, row, language):
        self.__dict__.update(row)
        self.pk = row["id"]
        self.localize(language)

    def localize(self, language):
        # What modeltranslation shows: the page's language, else the Chinese.
        self.title = self.__dict__.get(f"title_{language.replace('-', '_')}") or (
            self.title_zh_hant or ""
        )

    def get_kind_display(self):
        return PlanNode.Kind(self.kind).label


def result_trees(plans, language):
    """The published, linked trees of `plans` for pages in `language`, by plan id: kept per
    content version, or read in one query (the plans not kept yet, together)."""
    by_id = {plan.pk: plan for plan in plans}

    def build(missing):
        trees = PlanTree.load_many(
            [by_id[pk] for pk in missing], fields=_TREE_FIELDS, node_class=ResultNode
        )
        for tree in trees:
            link(tree, language)
            tree.positions = {node.pk: index for index, node in enumerate(tree.nodes)}
        return {tree.plan.pk: tree for tree in trees}

    return per_version_many(("search tree", language), list(by_id), build)


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


@dataclass
class SearchResults:
    query: Query
    language: str
    plans: list
    hits: list = field(default_factory=list)  # the best ranked, at most MAX_RESULTS
    total: int = 0  # how many results there are in all
    other_language: str = ""
    other_count: int = 0  # how many results the same search has in the other language


def search(query, language, plans=None):
    """Published content of published plans matching `query` in `language`, ranked: more of
    the words in the title first, then document order (plan by plan); and how many results
    the same words have in the other language.

    Three queries at most: the published plans (unless given), the nodes matching in either
    language (with their texts), and the trees of the plans with results that are not in
    memory yet (for each result's place, number and address).
    """
    if not isinstance(query, Query):
        query = parse_query(query)
    if plans is None:
        plans = published_plans()
    other = "en" if language == "zh-hant" else "zh-hant"
    results = SearchResults(query=query, language=language, plans=plans, other_language=other)
    if not query or not plans:
        return results
    terms, suffix = query.terms, language.replace("-", "_")
    ranked = []

    candidates = visible_nodes([p.pk for p in plans]).filter(
        matches_q(terms, language) | matches_q(terms, other)
    )
    columns = (column(language), column(other), f"title_{suffix}", f"chart_label_{suffix}")
    found = []
    for pk, plan_id, here, there, *texts in candidates.values_list(
        "pk", "plan_id", *columns, f"body_{suffix}"
    ):
        if text_matches(there, terms, other):
            results.other_count += 1
        if text_matches(here, terms, language):
            found.append((pk, plan_id, *texts))
    results.other_count += sum(len(plan_text_matches(p, terms, other)) for p in plans)

    plan_ids = {row[1] for row in found}
    trees = result_trees([plan for plan in plans if plan.pk in plan_ids], language)
    plan_index = {plan.pk: index for index, plan in enumerate(plans)}

    # Rank first, from the rows alone; highlight and cut snippets only for what is shown.
    for pk, plan_id, title, label, body in found:
        tree = trees[plan_id]
        if pk not in tree.positions:
            continue  # hidden by an unpublished node above it (PlanTree decides)
        in_title = title_hits(fold(f"{title or ''}\n{label or ''}"), terms, language)
        key = (-in_title, plan_index[plan_id], tree.positions[pk])
        ranked.append((key, ("node", tree, pk, title or "", label or "", body or "")))
    for plan in plans:
        for kind, heading, text in plan_text_matches(plan, terms, language):
            in_title = title_hits(fold(heading), terms, language)
            position = -1 if kind == "preamble" else 10**9  # the opening first, closing last
            key = (-in_title, plan_index[plan.pk], position)
            ranked.append((key, (kind, plan, heading, text)))
    ranked.sort(key=lambda item: item[0])
    results.total = len(ranked)

    for (in_title, index, position), found_in in ranked[:MAX_RESULTS]:
        if found_in[0] == "node":
            _, tree, pk, title, label, body = found_in
            node = tree.nodes[position]
            hit = Hit(
                plan=plans[index],
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
        else:
            kind, plan, heading, text = found_in
            url = f"{plan_url(plan, language)}{kind}/"
            number = section_number(1 if kind == "preamble" else 3)[language]
            hit = Hit(
                plan=plan,
                kind=kind,
                url=url,
                position=position,
                title_hits=-in_title,
                title=mark_safe(escape(number) + highlight(heading, terms, language)),
                snippet=snippet(text, terms, language),
            )
        results.hits.append(hit)
    return results
