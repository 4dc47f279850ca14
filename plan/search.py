"""Search, the data side: text folding, query parsing, stems, matching in the database and
where a text matches. Ranking, snippets and addresses are the portal's (portal.pages.search).

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
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Length, Substr

_SPACE = re.compile(r"\s+")

# Queries are cut to this many characters (with a note on the page), never refused.
MAX_QUERY_LENGTH = 100


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


# A synonym in Latin letters stands for its whole word (or its plural): "port" for harbour
# is not the start of "portal". What the visitor typed keeps matching word starts.
WORD_END = "\x00"


def whole_word(word):
    """`word` as a synonym: matched as a whole word where it is in Latin letters."""
    return word + WORD_END if word and _latin(word[-1]) else word


@functools.lru_cache(maxsize=4096)
def term_variants(term, language):
    """The strings any one of which a text must contain to match `term`: a word, or a tuple
    of words any of which will do (a word with its synonyms, see `expand_terms`)."""
    if isinstance(term, tuple):
        return tuple(dict.fromkeys(v for word in term for v in term_variants(word, language)))
    if language != "en" or term.endswith(WORD_END):
        return (term,)
    head, hyphen, tail = term.rpartition("-")
    return tuple(head + hyphen + variant for variant in _english_variants(tail))


def expand_terms(terms, alternatives):
    """The query's words with their alternatives: `alternatives(word)` gives the words that
    also count for `word` (synonyms, the Traditional form of a Simplified word). Consecutive
    words that together are a known phrase ("social housing") become one term. A word with
    alternatives becomes a tuple, its own form first; a word without stays a string."""
    expanded, index = [], 0
    while index < len(terms):
        for length in (3, 2, 1):
            phrase = " ".join(terms[index : index + length])
            others = alternatives(phrase) if index + length <= len(terms) else ()
            if others or length == 1:
                break
        others = tuple(word for word in others if word != phrase)
        expanded.append((phrase, *others) if others else phrase)
        index += length
    return tuple(expanded)


def term_words(term):
    """The words of a term: itself, or itself and its alternatives."""
    return term if isinstance(term, tuple) else (term,)


def column(language):
    return "search_" + language.replace("-", "_")


def _latin(char):
    return char.isascii() and char.isalnum()


def occurrences(folded, variant):
    """Where `variant` occurs in the folded text. Latin letters and digits must start a word
    ("mrt" finds MRT, not "smrt"), and one or two of them must be the whole word ("ai" finds
    AI, not "air" or "maintain"); Chinese matches anywhere."""
    whole = variant.endswith(WORD_END)
    variant = variant.removesuffix(WORD_END)
    short = whole or (len(variant) <= 2 and _latin(variant[-1]))
    found = folded.find(variant)
    while found != -1:
        end = found + len(variant)
        if whole and folded.startswith("es", end):
            end += 2  # a synonym's plural: harbor → harbors, bus → buses
        elif whole and folded.startswith("s", end):
            end += 1
        if not (
            (found and _latin(variant[0]) and _latin(folded[found - 1]))
            or (short and end < len(folded) and _latin(folded[end]))
        ):
            yield found
        found = folded.find(variant, found + 1)


@functools.lru_cache(maxsize=4096)
def _checks(term, language):
    """(bare form, form) of each of the term's forms: `in` on the bare form first (a fast
    scan in C: most texts a search reads lack most forms), the word rules only then."""
    return tuple((v.removesuffix(WORD_END), v) for v in term_variants(term, language))


def _has(folded, term, language):
    return any(
        bare in folded and next(occurrences(folded, variant), None) is not None
        for bare, variant in _checks(term, language)
    )


@functools.lru_cache(maxsize=4096)
def _like_variants(term, language):
    """The variants the database must look for: one that contains another is left out
    (text with 大眾捷運 has 捷運), since the database only narrows what Python then checks."""
    variants = sorted({v.removesuffix(WORD_END) for v in term_variants(term, language)}, key=len)
    kept = []
    for variant in variants:
        if not any(shorter in variant for shorter in kept):
            kept.append(variant)
    return tuple(kept)


def matches_q(terms, language):
    """Every term somewhere in the node's folded text of `language` (a Q on PlanNode): the
    database narrows the candidates with LIKE, text_matches() then applies word starts."""
    name = column(language)
    condition = Q()
    for term in terms:
        either = Q()
        for variant in _like_variants(term, language):
            either |= Q(**{f"{name}__contains": variant})
        condition &= either
    return condition


def matches_any_q(terms, language):
    """Any term somewhere in the node's folded text of `language` (partial matches)."""
    name = column(language)
    condition = Q()
    for term in terms:
        for variant in _like_variants(term, language):
            condition |= Q(**{f"{name}__contains": variant})
    return condition


def text_matches(folded, terms, language):
    """Whether a folded text has every term (each in one of its forms)."""
    return all(_has(folded, term, language) for term in terms)


def terms_matched(folded, terms, language):
    """The terms a folded text has (partial matches rank by how many)."""
    return [term for term in terms if _has(folded, term, language)]


def visible_nodes(plan_ids):
    """Published nodes of the plans with no unpublished node above them (a queryset):
    what PlanTree.load shows, decided in SQL so it can be counted without loading trees."""
    from .models import PlanNode

    unpublished_above = PlanNode.objects.filter(
        Q(published=False) | Q(deleted=True),
        plan_id=OuterRef("plan_id"),
        depth__lte=OuterRef("depth"),
        path=Substr(OuterRef("path"), 1, Length("path")),
    )
    return PlanNode.objects.filter(plan_id__in=plan_ids).filter(~Exists(unpublished_above))


def plan_text_matches(plan, terms, language):
    """The plan's opening and closing sections that have every term: (kind, heading, text)."""
    return [
        (kind, heading, text)
        for kind, heading, text in plan_texts(plan, language)
        if text_matches(_folded_plan_text(heading, text), terms, language)
    ]


def plan_texts(plan, language):
    """The plan's opening and closing sections: (kind, heading, text) in `language`."""
    suffix = language.replace("-", "_")
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


def title_hits(folded_title, terms, language):
    """How many of the terms a (folded) title has: ranks title matches first."""
    return sum(1 for term in terms if _has(folded_title, term, language))


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
                length = len(variant.removesuffix(WORD_END))
                start, end = origin[found], origin[found + length - 1] + 1
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
