"""The glossary's order and its matching, as plain text rules (pages turn them into links).

Order: Chinese entries by zhuyin (注音), the order of Taiwanese dictionaries, from pypinyin's
readings (a staff-entered reading wins where the automatic one is wrong, e.g. 長照 read
ㄔㄤˊ, not ㄓㄤˇ); entries starting with a Latin letter (MeNGo) come first, alphabetically.
The Simplified reading (/zh-hans/) lists the same entries by pinyin, the order of mainland
dictionaries (a reader there does not read zhuyin): syllable by syllable, letters then tone,
the Latin-initial names among them by their letters; the staff's zhuyin reading gives the
pinyin too. English entries are alphabetical. Groups are headed by the first zhuyin symbol or
(pinyin, English) letter.

Matching: where the glossary's terms and aliases occur in a text, leftmost and longest
first, without overlaps; English matches whole words, ignoring case.
"""

import re
import unicodedata
from functools import cache, cached_property

# Zhuyin tone marks in the order dictionaries use (first tone is unmarked).
TONES = {"ˊ": 2, "ˇ": 3, "ˋ": 4, "˙": 5}
BOPOMOFO = re.compile(r"[\u3105-\u312f]")


def zhuyin(text, reading=""):
    """The zhuyin syllables of `text` (the staff's reading when given); a syllable that is
    not Chinese (Latin letters, digits) stays as it is."""
    if reading.strip():
        return reading.split()
    # Imported here: its dictionaries take some 40 MB, and pages never need them (each term
    # stores its automatic reading when saved: Term.automatic_reading).
    from pypinyin import Style, pinyin

    return [syllable[0] for syllable in pinyin(text, style=Style.BOPOMOFO)]


def pinyin(text, reading=""):
    """The pinyin syllables of `text`, with tone numbers (chang2 zhao4; 5 for the neutral tone):
    from the staff's zhuyin reading when given, else pypinyin's. A run that is not Chinese
    (MeNGo, 5G) stays as it is. Only saving a term calls it (Term.pinyin stores the result)."""
    from pypinyin import Style, lazy_pinyin

    if reading.strip():
        table = _zhuyin_to_pinyin()
        # Taiwanese writing puts the neutral tone's dot first (˙ㄉㄜ), pypinyin last (ㄉㄜ˙).
        return [table.get(s[1:] + s[0] if s.startswith("˙") else s, s) for s in reading.split()]
    return [
        syllable.strip()
        for syllable in lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True)
        if syllable.strip()
    ]


@cache
def _zhuyin_to_pinyin():
    """Zhuyin syllable → pinyin with its tone number, for every syllable pypinyin knows (its
    own conversion run backwards: pypinyin converts pinyin to zhuyin, not the other way)."""
    from pypinyin import Style
    from pypinyin.pinyin_dict import pinyin_dict
    from pypinyin.style import convert

    table = {}
    syllables = {s for readings in pinyin_dict.values() for s in readings.split(",")}
    for syllable in sorted(syllables):
        bopomofo = convert(syllable, Style.BOPOMOFO, True)
        numbered = convert(syllable, Style.TONE3, True)
        if numbered and numbered[-1] not in "1234":
            numbered += "5"  # the neutral tone, as pinyin() numbers it
        table.setdefault(bopomofo, numbered)
    return table


def _pinyin_key(syllable):
    # Letters first (ü is written v, after u, as in mainland dictionaries), then the tone: a
    # name in Latin letters sorts among the syllables by its letters.
    letters = syllable.rstrip("12345").casefold()
    tone = int(syllable[-1]) if syllable[-1:] in ("1", "2", "3", "4", "5") else 0
    return (letters, tone)


def pinyin_sort_key(syllables):
    return tuple(_pinyin_key(s) for s in syllables.split())


def _syllable_key(syllable):
    if not BOPOMOFO.search(syllable):
        return (0, syllable.casefold(), 0)
    tone = next((TONES[mark] for mark in syllable if mark in TONES), 1)
    return (1, tuple(ord(c) for c in syllable if BOPOMOFO.match(c)), tone)


def sort_key(text, language, reading=""):
    if language == "en":
        return (0, text.casefold())
    return tuple(_syllable_key(s) for s in zhuyin(text, reading))


def _letter(text):
    letter = unicodedata.normalize("NFKD", text[:1]).upper()[:1]
    return letter if letter.isascii() and letter.isalpha() else "#"


def group_heading(text, language, reading=""):
    """The heading an entry is listed under: its first zhuyin symbol or its first letter."""
    if language != "en":
        first = zhuyin(text, reading)[0] if text else ""
        match = BOPOMOFO.search(first)
        if match and first.find(match.group()) == 0:
            return match.group()
    return _letter(text)


def _grouped(terms, heading_of):
    groups = []
    for term in terms:
        heading = heading_of(term)
        if not groups or groups[-1][0] != heading:
            groups.append((heading, []))
        groups[-1][1].append(term)
    return groups


class Glossary:
    """The terms in one language: in order, grouped, and found in texts."""

    def __init__(self, terms, language):
        self.language = language
        self.terms = sorted(terms, key=lambda t: sort_key(t.name, language, self._reading(t)))
        self.by_key = {term.key: term for term in self.terms}

    def _reading(self, term):
        # The staff's zhuyin reading is for the Chinese name only.
        return term.reading if self.language != "en" else ""

    def groups(self, reading=None):
        """[(heading, [terms])] in the glossary's order; `reading` "zh-hans" (the Simplified
        reading of the Chinese glossary): in pinyin order, headed by letters."""
        if reading == "zh-hans" and self.language != "en":
            return self._pinyin_groups
        return self._groups

    @cached_property
    def _groups(self):
        return _grouped(
            self.terms,
            lambda term: group_heading(term.name, self.language, self._reading(term)),
        )

    @cached_property
    def _pinyin_groups(self):
        # The stored pinyin (Term.pinyin): pages never load pypinyin. An entry saved before
        # the field existed has none and sorts by its name.
        terms = sorted(self.terms, key=lambda t: pinyin_sort_key(t.pinyin or t.name))
        return _grouped(terms, lambda term: _letter(term.pinyin or term.name))

    def names(self, term, language=None):
        """A term's name and aliases in a language (this glossary's by default)."""
        language = language or self.language
        return [n for n in [term.names.get(language, ""), *term.all_aliases.get(language, [])] if n]

    def _key(self, name):
        return name.casefold() if self.language == "en" else name

    @cached_property
    def _pattern(self):
        # Every term's own names first, then aliases: another term's alias never takes over
        # a term's name (an alias 捷運 on 高雄幣 leaves 捷運 to the MRT's entry).
        found = {}
        for term in self.terms:
            found.setdefault(self._key(term.names.get(self.language) or term.name), term)
        for term in self.terms:
            for name in self.names(term):
                found.setdefault(self._key(name), term)
        found.pop("", None)
        self._found = found
        if not found:
            return None
        alternatives = "|".join(re.escape(n) for n in sorted(found, key=len, reverse=True))
        if self.language == "en":
            return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        return re.compile(alternatives)

    def _term_for(self, text):
        term = self._found.get(self._key(text))
        if term is None:
            # Case-insensitive matching pairs letters that casefold() does not (i and İ):
            # find the name the pattern matched the slow way.
            term = next(
                (t for n, t in self._found.items() if re.fullmatch(re.escape(n), text, re.I)),
                None,
            )
        return term

    def find(self, text):
        """[(start, end, term)] where the glossary's names occur in `text`."""
        if not text or self._pattern is None:
            return []
        result = []
        for match in self._pattern.finditer(text):
            term = self._term_for(match.group())
            if term is not None:
                result.append((match.start(), match.end(), term))
        return result

    @cached_property
    def _protected(self):
        return sorted(
            {n for term in self.terms for n in self.names(term, "zh-hant")}, key=len, reverse=True
        )

    def protected_names(self):
        """The Chinese names and aliases of every term (Simplified reading keeps them from
        phrase conversion: portal.serving.simplified). Kept with the glossary, which is kept per
        content version: every Simplified request asks for them."""
        return self._protected

    def synonym_groups(self):
        """Each term's names and aliases in both languages: search treats them as one word."""
        return [[*self.names(term, "zh-hant"), *self.names(term, "en")] for term in self.terms]
