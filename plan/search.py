"""Text normalization for search: the same folding on the stored text and on the query.

Chinese has no spaces, so search is substring search. Folding with NFKC makes full-width
and half-width forms equal (ＭＲＴ = MRT, ５Ｇ = 5G), casefold makes Latin case irrelevant,
and whitespace is collapsed so a line break never hides a match.
"""

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def fold(text):
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text or "").casefold()).strip()


def node_search_text(fields, language):
    """The folded text a node is found by in one language: its title, chart label and body."""
    suffix = language.replace("-", "_")
    parts = [fields.get(f"{name}_{suffix}") or "" for name in ("title", "chart_label", "body")]
    return fold("\n".join(part for part in parts if part))
