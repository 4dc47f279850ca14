"""Search: text folding, query parsing, matching in the database, ranking and highlighting.

Chinese has no spaces, so search is substring search. Folding with NFKC makes full-width
and half-width forms equal (ＭＲＴ = MRT, ５Ｇ = 5G), casefold makes Latin case irrelevant,
and whitespace is collapsed so a line break never hides a match.

Each node keeps its folded text per language (search_zh_hant, search_en); a query is folded
the same way and every word must occur in the column (`__contains`, i.e. LIKE '%…%', which a
trigram index serves on PostgreSQL); the rows found are then checked in Python for what LIKE
cannot say: a word in Latin letters must start a word ("ai" is not in "maintain"). English
words are cut to a conservative stem first, so "subsidy" also finds "subsidies".
"""

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Length, Substr
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

_SPACE = re.compile(r"\s+")

# Queries are cut to this many characters (with a note on the page), never refused.
MAX_QUERY_LENGTH = 100
# A page shows at most this many results (the best ranked), and says how many there are.
MAX_RESULTS = 100
# Characters of context a snippet shows before the first match, and its whole length.
SNIPPET_BEFORE = 30
SNIPPET_LENGTH = 140


def fold(text):
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text or "").casefold()).strip()


def node_search_text(fields, language):
    """The folded text a node is found by in one language: its title, chart label and body."""
    suffix = language.replace("-", "_")
    parts = [fields.get(f"{name}_{suffix}") or "" for name in ("title", "chart_label", "body")]
    return fold("\n".join(part for part in parts if part))


# The query ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    text: str  # what the visitor typed, cleaned and cut: shown back in the search box
    terms: tuple  # folded words, each of which must match
    truncated: bool = False

    def __bool__(self):
        return bool(self.terms)


def _clean(raw):
    """Drop what can only be noise (control and format characters, lone surrogates,
    unassigned code points): PostgreSQL refuses NUL in text, and none of these is in the plan."""
    kept = []
    for char in raw:
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):
            kept.append(" " if char.isspace() else "")
        elif category not in ("Cf", "Cs", "Co", "Cn"):
            kept.append(char)
    return "".join(kept)


def _strip_punctuation(word):
    """「科技高雄」 → 科技高雄, "rent," → rent; punctuation inside a word is kept."""
    start, end = 0, len(word)
    while start < end and unicodedata.category(word[start]).startswith("P"):
        start += 1
    while end > start and unicodedata.category(word[end - 1]).startswith("P"):
        end -= 1
    return word[start:end]


def parse_query(raw):
    """The visitor's text → a Query. Any input is accepted; over-long input is cut."""
    if not isinstance(raw, str):
        raw = ""
    text = _SPACE.sub(" ", _clean(raw)).strip()
    truncated = len(text) > MAX_QUERY_LENGTH
    if truncated:
        text = text[:MAX_QUERY_LENGTH].rstrip()
    terms = []
    for word in fold(text).split(" "):
        word = _strip_punctuation(word)
        if word and word not in terms:
            terms.append(word)
    return Query(text=text, terms=tuple(terms), truncated=truncated)


# English inflection: a word matches from its start, so a shorter stem only ever finds more,
# and the stem only has to be a prefix shared by the forms of a word: subsidy, subsidies and
# subsidize share "subsid". Short words are left alone, so a stem does not match everything.
_DOUBLED = re.compile(r"([bdfgmnprt])\1$")
_VERB = re.compile(r"(?:is|iz)(?:e|es|ed|ing|ation|ations|er|ers)?$")


def _undouble(stem):
    """planning → plann → plan."""
    return stem[:-1] if _DOUBLED.search(stem) else stem


def _english_variants(word):
    if not (word.isascii() and word.isalpha()) or len(word) < 4:
        return (word,)
    base = word
    if word.endswith("ies") and len(word) > 5:
        base = word[:-3] + "y"  # subsidies → subsidy
    elif word.endswith(("ses", "ches", "shes", "xes", "zes")) and len(word) > 4:
        base = word[:-2]  # buses → bus, taxes → tax
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        base = word[:-1]  # lines → line
    elif word.endswith("ing") and len(word) > 6:
        base = _undouble(word[:-3])  # housing → hous, planning → plan
    elif word.endswith("ied") and len(word) > 5:
        base = word[:-3] + "y"
    elif word.endswith("ed") and len(word) > 5:
        base = _undouble(word[:-2])
    verb = _VERB.search(base)
    if verb and verb.start() >= 5:
        return (base[: verb.start()],)  # subsidise, subsidized → subsid
    if len(base) >= 5 and base[-1] == "y" and base[-2] not in "aeiou":
        return (base[:-1],)  # subsidy → subsid; energy → energ
    if len(base) >= 5 and base[-1] == "e":
        return (base[:-1],)  # house → hous (housing); vehicle → vehicl
    if base[-1] == "y" and base[-2] not in "aeiou":
        return (base, base[:-1] + "ies")  # city, cities: "cit" alone would find "capacity"
    return (base,)


def term_variants(term, language):
    """The strings any one of which a text must contain to match `term`."""
    if language != "en":
        return (term,)
    head, hyphen, tail = term.rpartition("-")
    return tuple(head + hyphen + variant for variant in _english_variants(tail))


def _column(language):
    return "search_" + language.replace("-", "_")


def _latin(char):
    return char.isascii() and char.isalnum()


def occurrences(folded, variant):
    """Where `variant` occurs in the folded text. Latin letters and digits must start a word
    ("mrt" finds MRT, not "smrt"), and one or two of them must be the whole word ("ai" finds
    AI, not "air" or "maintain"); Chinese matches anywhere."""
    whole_word = len(variant) <= 2 and _latin(variant[-1])
    found = folded.find(variant)
    while found != -1:
        end = found + len(variant)
        if not (
            (found and _latin(variant[0]) and _latin(folded[found - 1]))
            or (whole_word and end < len(folded) and _latin(folded[end]))
        ):
            yield found
        found = folded.find(variant, found + 1)


def _has(folded, term, language):
    return any(
        next(occurrences(folded, v), None) is not None for v in term_variants(term, language)
    )


def matches_q(terms, language):
    """Every term somewhere in the node's folded text of `language` (a Q on PlanNode): the
    database narrows the candidates with LIKE, text_matches() then applies word starts."""
    column = _column(language)
    condition = Q()
    for term in terms:
        either = Q()
        for variant in term_variants(term, language):
            either |= Q(**{f"{column}__contains": variant})
        condition &= either
    return condition


def text_matches(folded, terms, language):
    """Whether a folded text has every term (each in one of its forms)."""
    return all(_has(folded, term, language) for term in terms)


def visible_nodes(plan_ids):
    """Published nodes of the plans with no unpublished node above them (a queryset):
    what PlanTree.load shows, decided in SQL so it can be counted without loading trees."""
    from .models import PlanNode

    unpublished_above = PlanNode.objects.filter(
        plan_id=OuterRef("plan_id"),
        published=False,
        depth__lte=OuterRef("depth"),
        path=Substr(OuterRef("path"), 1, Length("path")),
    )
    return PlanNode.objects.filter(plan_id__in=plan_ids).filter(~Exists(unpublished_above))


# Highlighting ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def _fold_piece(piece):
    return unicodedata.normalize("NFKC", piece).casefold()


def _folded_with_positions(text):
    """The folded text and, for each of its characters, where it came from in `text`."""
    folded = "".join(map(_fold_piece, text))
    if len(folded) == len(text) and not any(map(unicodedata.combining, text)):
        return folded, range(len(text) + 1)  # one for one: the usual case, found fast
    # Otherwise fold a base character with its combining marks, as NFKC composes them.
    pieces, origin = [], []
    start = 0
    while start < len(text):
        end = start + 1
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1
        piece = _fold_piece(text[start:end])
        pieces.append(piece)
        origin += [start] * len(piece)
        start = end
    origin.append(len(text))
    return "".join(pieces), origin


def match_spans(text, terms, language):
    """Where the terms occur in `text` (not folded), as merged (start, end) pairs."""
    folded, origin = _folded_with_positions(text)
    spans = []
    for term in terms:
        for variant in term_variants(term, language):
            for found in occurrences(folded, variant):
                start, end = origin[found], origin[found + len(variant) - 1] + 1
                if _latin(variant[-1]):
                    # An English stem marks its whole word: <mark>subsidies</mark>.
                    while end < len(text) and _latin(text[end]):
                        end += 1
                spans.append((start, end))
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


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
# per process until the plan changes: every node save or delete touches its plan's
# updated_at (plan.models.touch_plan). What is found, and its own text, always comes fresh
# from the database; a tree only names the places.
_TREE_FIELDS = ("id", "plan_id", "path", "depth", "kind", "ref", "title_zh_hant", "title_en")
_TREE_CACHE_SIZE = 512
_trees = {}


class ResultNode:
    """A node of a search result's tree: the fields that name a place in the plan."""

    # PlanTree and its link() read these; a place needs none of them.
    body_zh_hant = body_en = chart_label_zh_hant = chart_label_en = body = chart_label = ""
    updated_at = 0

    def __init__(self, row, language):
        self.__dict__.update(row)
        self.pk = row["id"]
        # What modeltranslation shows: the page's language, else the Chinese.
        self.title = row[f"title_{_suffix(language)}"] or row["title_zh_hant"] or ""

    def get_kind_display(self):
        from .models import PlanNode

        return PlanNode.Kind(self.kind).label


def result_trees(plans, language):
    """The published, linked trees of `plans` for pages in `language`, by plan id: from
    memory, or read in one query (the plans not in memory, together)."""
    from .models import PlanNode
    from .tree import PlanTree

    def key(plan):
        return (plan.pk, plan.updated_at, plan.version, language)

    trees = {plan.pk: _trees.get(key(plan)) for plan in plans}
    missing = [plan for plan in plans if trees[plan.pk] is None]
    if missing:
        rows = {plan.pk: [] for plan in missing}
        published = PlanNode.objects.filter(plan__in=missing).published()
        for row in published.order_by("plan_id", "path").values(*_TREE_FIELDS):
            rows[row["plan_id"]].append(ResultNode(row, language))
        if len(_trees) + len(missing) > _TREE_CACHE_SIZE:
            _trees.clear()  # plans that changed leave old entries behind
        for plan in missing:
            tree = PlanTree(plan, rows[plan.pk])
            with translation.override(language):
                tree.link(reverse("portal:plan", args=[plan.slug]), language)
            tree.positions = {node.pk: index for index, node in enumerate(tree.nodes)}
            trees[plan.pk] = _trees[key(plan)] = tree
    return trees


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


def _suffix(language):
    return language.replace("-", "_")


def _plan_texts(plan, language):
    """The plan's opening and closing sections: (kind, heading, text) in `language`."""
    suffix = _suffix(language)
    return [
        (
            kind,
            getattr(plan, f"{kind}_heading_{suffix}") or "",
            getattr(plan, f"{kind}_{suffix}") or "",
        )
        for kind in ("preamble", "closing")
    ]


@functools.lru_cache(maxsize=1024)
def _folded_plan_text(heading, text):
    return fold(f"{heading}\n{text}")


def _plan_text_hits(plans, query, language):
    """Matches in the plans' opening and closing texts, found in memory (they are plan fields)."""
    hits = []
    for plan in plans:
        for kind, heading, text in _plan_texts(plan, language):
            if text_matches(_folded_plan_text(heading, text), query.terms, language):
                hits.append((plan, kind, heading, text))
    return hits


def _title_hits(folded_title, terms, language):
    return sum(1 for term in terms if _has(folded_title, term, language))


def search(query, language, plans=None):
    """Published content of published plans matching `query` in `language`, ranked: more of
    the words in the title first, then document order (plan by plan); and how many results
    the same words have in the other language.

    Three queries at most: the published plans (unless given), the nodes matching in either
    language (with their texts), and the trees of the plans with results that are not in
    memory yet (for each result's place, number and address).
    """
    from .models import Plan, PlanNode
    from .numbering import section_number
    from .tree import ancestors

    if not isinstance(query, Query):
        query = parse_query(query)
    if plans is None:
        plans = list(Plan.objects.published())
    other = "en" if language == "zh-hant" else "zh-hant"
    results = SearchResults(query=query, language=language, plans=plans, other_language=other)
    if not query or not plans:
        return results
    terms, suffix = query.terms, _suffix(language)
    ranked = []

    candidates = visible_nodes([p.pk for p in plans]).filter(
        matches_q(terms, language) | matches_q(terms, other)
    )
    columns = (_column(language), _column(other), f"title_{suffix}", f"chart_label_{suffix}")
    found = []
    for pk, plan_id, here, there, *texts in candidates.values_list(
        "pk", "plan_id", *columns, f"body_{suffix}"
    ):
        if text_matches(there, terms, other):
            results.other_count += 1
        if text_matches(here, terms, language):
            found.append((pk, plan_id, *texts))
    results.other_count += len(_plan_text_hits(plans, query, other))

    plan_ids = {row[1] for row in found}
    trees = result_trees([plan for plan in plans if plan.pk in plan_ids], language)
    plan_index = {plan.pk: index for index, plan in enumerate(plans)}

    # Rank first, from the rows alone; highlight and cut snippets only for what is shown.
    for pk, plan_id, title, label, body in found:
        tree = trees[plan_id]
        if pk not in tree.positions:
            continue  # hidden by an unpublished node above it (PlanTree decides)
        title_hits = _title_hits(fold(f"{title or ''}\n{label or ''}"), terms, language)
        key = (-title_hits, plan_index[plan_id], tree.positions[pk])
        ranked.append((key, ("node", tree, pk, title or "", label or "", body or "")))
    for plan, kind, heading, text in _plan_text_hits(plans, query, language):
        title_hits = _title_hits(fold(heading), terms, language)
        position = -1 if kind == "preamble" else 10**9  # the opening comes first, closing last
        ranked.append(((-title_hits, plan_index[plan.pk], position), (kind, plan, heading, text)))
    ranked.sort(key=lambda item: item[0])
    results.total = len(ranked)

    for (title_hits, index, position), found_in in ranked[:MAX_RESULTS]:
        if found_in[0] == "node":
            _, tree, pk, title, label, body = found_in
            node = tree.nodes[position]
            hit = Hit(
                plan=plans[index],
                kind=node.kind,
                url=node.url,
                position=position,
                title_hits=-title_hits,
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
            with translation.override(language):
                url = reverse(f"portal:{kind}", args=[plan.slug])
            number = section_number(1 if kind == "preamble" else 3)[language]
            hit = Hit(
                plan=plan,
                kind=kind,
                url=url,
                position=position,
                title_hits=-title_hits,
                title=mark_safe(escape(number) + highlight(heading, terms, language)),
                snippet=snippet(text, terms, language),
            )
        results.hits.append(hit)
    return results
