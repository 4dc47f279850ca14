"""Search, the pages' side: ranking, the place of each result in its plan, its address, and
highlighted titles and snippets (HTML). What matches is plan.search's business.

Chinese has no spaces, so search is substring search over folded text (plan.search.fold).
"""

import re
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from knowledge.bundle import bundle_parts as knowledge_parts
from knowledge.bundle import knowledge_from_rows
from knowledge.synonyms import CURATED
from plan import bundle
from plan.models import PlanNode
from plan.numbering import section_number
from plan.search import (
    WORD_END,
    Query,
    column,
    expand_terms,
    fold,
    match_spans,
    matches_any_q,
    matches_q,
    occurrences,
    parse_query,
    plan_text_matches,
    term_words,
    terms_matched,
    text_matches,
    title_hits,
    visible_nodes,
    whole_word,
)
from plan.tree import PlanTree, ancestors
from progress.models import Responsibility

from .caching import per_version
from .simplified import to_traditional
from .trees import link, page_reading, plan_url, published_plans, text_language

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


def _index_rows(plans):
    """One query, kept per content version: the light rows of the published plans' trees
    (each result's place), the site's glossary, topics and goals (synonyms and pages named by
    a search) and the agencies with a role in each plan."""
    ids = [plan.pk for plan in plans]

    def read():
        nodes = PlanNode.objects.filter(plan_id__in=ids).published()
        agencies = QuerySet(Responsibility).filter(node__plan_id__in=ids)
        fields = {name: name for name in _TREE_FIELDS if name not in ("id", "plan_id")}
        return bundle.read(
            [
                bundle.rows(nodes, "node", node="plan_id", **fields),
                bundle.rows(
                    agencies,
                    "agency",
                    node="node__plan_id",
                    code="agency__code",
                    name_zh_hant="agency__name_zh_hant",
                    name_en="agency__name_en",
                ),
                *knowledge_parts(),
            ]
        )

    return per_version("search rows", tuple(ids), build=read)


@dataclass
class SearchIndex:
    trees: dict  # plan id → light linked tree, with `positions`
    knowledge: object  # knowledge.bundle.Knowledge in the page's language
    synonyms: dict  # folded word → the folded words of its synonym groups
    agencies: list  # (plan id, code, {language: name})
    display: dict  # folded word → as written in its synonym group ("mrt" → "MRT")
    names: dict  # ("topic" | "goal", key) → its names in both languages


def search_index(plans, reading):
    """What search needs beside the matching rows, for pages in `reading` (kept)."""
    language = text_language(reading)
    rows = _index_rows(plans)

    def build():
        by_plan = {plan.pk: [] for plan in plans}
        agencies = {}
        for kind, pk, plan_id, data in rows:
            if kind == "node":
                by_plan[plan_id].append(
                    ResultNode({"id": pk, "plan_id": plan_id, **data}, language)
                )
            elif kind == "agency":
                names = {"zh-hant": data["name_zh_hant"], "en": data["name_en"]}
                agencies[plan_id, data["code"]] = names
        trees = {}
        for plan in plans:
            tree = PlanTree(plan, sorted(by_plan[plan.pk], key=lambda node: node.path))
            link(tree, reading)
            tree.positions = {node.pk: index for index, node in enumerate(tree.nodes)}
            trees[plan.pk] = tree
        knowledge = knowledge_from_rows(rows, language)
        other = knowledge_from_rows(rows, "en" if language == "zh-hant" else "zh-hant")
        names = {}
        for both in (knowledge, other):
            for entry in [*both.topics, *both.goals]:
                names.setdefault((entry.kind, entry.key), []).append(entry.name)
        groups = [*CURATED, *knowledge.glossary.synonym_groups()]
        return SearchIndex(
            trees=trees,
            knowledge=knowledge,
            synonyms=synonym_groups(groups),
            agencies=[(plan_id, code, names) for (plan_id, code), names in agencies.items()],
            display={fold(word): word for group in groups for word in group},
            names=names,
        )

    return per_version("search index", tuple(p.pk for p in plans), reading, build=build)


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


def _written(word, language):
    """A word as the page shows it, with the language it is in where that is not the page's
    (screen readers switch voice): (word, lang attribute or "")."""
    latin = word.isascii()
    if language == "en":
        return word, "" if latin else "zh-Hant"
    return word, "en" if latin else ""


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
    """Published content of published plans matching `query` in `language`, ranked: more of
    the words in the title first, then document order (plan by plan); and how many results
    the same words have in the other language.

    Forgiving: each word also counts in its other forms (synonyms from the glossary and a
    curated list, the Traditional form of a Simplified word); when no result has every word,
    the results with the most of them are shown, labelled as partial matches; topics, goals,
    agencies and glossary terms the words name are listed as pages of their own.

    Four queries at most: the published plans (unless given), the search index (trees,
    glossary, topics, agencies; kept per content version), and the nodes matching any word
    in either language (with their texts).
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
    suffix = language.replace("-", "_")

    # One query for every node with any of the words in this language (those with all of them
    # are the results; when there are none, those with the most of them are: partial
    # matches), or with all of them in the other (how many results the other language has).
    candidates = visible_nodes([p.pk for p in plans]).filter(
        matches_any_q(terms, language) | matches_q(terms, other)
    )
    columns = (column(language), column(other), f"title_{suffix}", f"chart_label_{suffix}")
    full, partial = [], []
    for pk, plan_id, here, there, *texts in candidates.values_list(
        "pk", "plan_id", *columns, f"body_{suffix}"
    ):
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
    trees = index.trees
    plan_index = {plan.pk: index for index, plan in enumerate(plans)}

    # Rank first, from the rows alone; highlight and cut snippets only for what is shown.
    ranked = []
    for pk, plan_id, count, title, label, body in full:
        tree = trees[plan_id]
        if pk not in tree.positions:
            continue  # hidden by an unpublished node above it (PlanTree decides)
        in_title = title_hits(fold(f"{title or ''}\n{label or ''}"), terms, language)
        key = (-count, -in_title, plan_index[plan_id], tree.positions[pk])
        ranked.append((key, ("node", tree, pk, title or "", label or "", body or "")))
    for plan, kind, heading, text in sections:
        in_title = title_hits(fold(heading), terms, language)
        position = -1 if kind == "preamble" else 10**9  # the opening first, closing last
        key = (-len(terms), -in_title, plan_index[plan.pk], position)
        ranked.append((key, (kind, plan, heading, text)))
    ranked.sort(key=lambda item: item[0])
    results.total = len(ranked)

    for (_count, in_title, index_, position), found_in in ranked[:MAX_RESULTS]:
        if found_in[0] == "node":
            _, tree, pk, title, label, body = found_in
            node = tree.nodes[position]
            hit = Hit(
                plan=plans[index_],
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
            if results.partial:
                folded = fold(f"{title}\n{label}\n{body}")
                hit.matched = [term_words(t)[0] for t in terms_matched(folded, terms, language)]
        else:
            kind, plan, heading, text = found_in
            url = f"{plan_url(plan, reading)}{kind}/"
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
    for plan_id, code, names in index.agencies:
        name = names.get(language) or names["zh-hant"]
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
