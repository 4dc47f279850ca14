"""Simplified Chinese reading (/zh-hans/): the Traditional page, converted as it leaves.

A page under /zh-hans/ is rendered exactly as the Traditional one (the Chinese data and the
Traditional catalogue: Django falls back to the default language's catalogue), then the
whole response is converted with OpenCC's Taiwan-to-mainland phrase conversion (tw2sp).
The Traditional text prevails, and the page says so (templates/base.html).

- Names are kept from phrase conversion, converted character by character only (tw2s), so a
  reader can still find them: the glossary's names and aliases, the names in KEPT_PHRASES
  (tw2sp would turn 數位市民卡 into 数字市民卡), and a short name in 「」 quotes (the plan's
  「5G智慧巡邏車」 is a name, not 智能).
- Words tw2sp reads in another sense (KEPT_PHRASES: 指標 would be a pointer), and 列 where the
  interface means a table's row (ROWS: 行 to a mainland reader, for whom 列 is a column).
- Names that must stay Traditional (the language switch's 繁體中文) stay as they are.
- The conversion happens once per content version and page: the result is kept by the
  digest of the Traditional HTML (and the page cache then keeps the converted page).
"""

import hashlib
import re
from functools import cache

import opencc
from django.db import InterfaceError, OperationalError
from django.utils.cache import set_response_etag

from plan.content import content_version

from ..published import plan_knowledge, published_plans
from .caching import process_store

LANGUAGE = "zh-hans"
# Kept verbatim in a Simplified page: the name of the Traditional reading in the language
# switch (a link marked lang="zh-Hant"), not the same words in a Simplified sentence.
VERBATIM = ('lang="zh-Hant">繁體中文<',)
# Words tw2sp's computing vocabulary would turn into another meaning in a policy text
# (measured on the Kaohsiung plan): 指標 (indicator) → 指针 (pointer), 效能 (effectiveness)
# → 性能 (performance), 整合 (integrate, in three strategy titles) → 集成 (IT integration).
# From a bilingual review (issue 21): 高階 (high-end, where the chart differs from the body's
# 高值) → 高级 (senior, superior); 查詢 (look up, inquire) → 查找 (search for); 建立 (build,
# establish) → 创建 (create, found); 資料來源 (a source) → 数据源 (a software data source);
# and names, which a reader must find as written: 數位市民卡 (the city's card) → 数字市民卡,
# the topic 數位與智慧城市 → 数字与智能城市. Converted character by character, like the
# glossary's names. docs/decisions.md.
KEPT_PHRASES = (
    "指標",
    "效能",
    "整合",
    "執行",
    "高階",
    "查詢",
    "建立",
    "資料來源",
    "數位市民卡",
    "數位與智慧城市",
)
# Where the interface means a table's row, Taiwan writes 列 and the mainland 行 (to whom 列
# is a column, and 行 Taiwan's column): the phrases of the interface's strings (the open-data
# page's field notes) that say 列 for a row, converted with 行. A page's other 列 (下列, 列出,
# 排列: "the following", "list", "arrange") mean the same on both sides and are left alone.
ROWS = ("各列標籤", "辨識各列", "編號的列", "項目一列")
# A name in quotes, short and on one line (「5G智慧巡邏車」, 「亞洲新灣區」): the plan and the
# glossary quote names, which are kept as written.
QUOTED = re.compile(r"「([^「」<>\n]{1,30})」")
# Addresses are kept as they are: a link to a source's page (…/wiki/高雄捷運) is an address,
# not text, and converting it would lead elsewhere.
ADDRESS = re.compile(r'(?:href|src|action)="[^"]*[^\x00-\x7f][^"]*"')

_converted = process_store(512)


@cache
def _converter(config):
    return opencc.OpenCC(config)


def phrase(text):
    """tw2sp: Taiwan Traditional to mainland Simplified, with phrases (計程車 → 出租车)."""
    return _converter("tw2sp").convert(text)


def characters(text):
    """tw2s: character by character only (數位市民卡 → 数位市民卡)."""
    return _converter("tw2s").convert(text)


# Traditional forms a Simplified word can stand for, at most this many (发 is 發 or 髮).
FORMS = 16


@cache
def _traditional_characters():
    """Simplified character → the Traditional characters that simplify to it, read off
    tw2s one character at a time over the CJK block (about 40 ms, once). Search needs only
    this: OpenCC's own s2tw would load dictionaries of some 40 MB into every app process."""
    forms = {}
    for code in range(0x3400, 0xA000):
        traditional = chr(code)
        simplified = characters(traditional)
        if len(simplified) == 1 and simplified != traditional:
            forms.setdefault(simplified, []).append(traditional)
    return forms


def to_traditional(text):
    """The Traditional spellings a word typed in Simplified characters may stand for (the
    word itself among them): each character as it is or as any Traditional character that
    simplifies to it, at most FORMS spellings (search)."""
    table = _traditional_characters()
    spellings = [""]
    for char in text:
        options = [char, *table.get(char, ())]
        spellings = [s + option for s in spellings for option in options][:FORMS]
    return set(spellings)


def _markers(text):
    """Two private-use characters the text does not contain, to stand around a kept name's
    number while OpenCC (which leaves them alone) converts the rest."""
    free = (chr(code) for code in range(0xE000, 0xF900) if chr(code) not in text)
    return next(free), next(free)


def convert(text, protected=()):
    """`text` in Simplified characters. Each name in `protected` (and KEPT_PHRASES, and a
    quoted name) is converted character by character only, where phrase conversion would
    change it otherwise; ROWS say 行 for a row; VERBATIM names and non-ASCII addresses (href,
    src) stay as they are."""
    keep = {name: name for name in VERBATIM}
    keep.update((address, address) for address in ADDRESS.findall(text))
    keep.update((row, characters(row).replace("列", "行")) for row in ROWS if row in text)
    for name in (*KEPT_PHRASES, *protected, *QUOTED.findall(text)):
        if name not in keep and phrase(name) != characters(name):
            keep[name] = characters(name)
    names = sorted((name for name in keep if name in text), key=len, reverse=True)
    if not names:
        return phrase(text)
    opening, closing = _markers(text)
    for number, name in enumerate(names):
        text = text.replace(name, f"{opening}{number}{closing}")
    text = phrase(text)
    for number, name in enumerate(names):
        text = text.replace(f"{opening}{number}{closing}", keep[name])
    return text


def convert_page(html, protected=()):
    """`convert`, kept per content version by the page's digest: a page is converted once."""
    try:
        version = content_version()
    except (OperationalError, InterfaceError):
        return convert(html, protected)  # no version to keep it under: convert, keep nothing
    key = (version, hashlib.blake2b(html.encode(), digest_size=16).digest())
    found = _converted.get(key)
    if found is None:
        found = convert(html, protected)
        _converted.set(key, found)
    return found


def clear():
    _converted.clear()


# What a Simplified page converts: pages, the chart drawing and the feeds (their titles and
# summaries are what a reader sees); downloads (/data/) are outside the language prefixes.
CONVERTED_TYPES = ("text/html", "image/svg+xml", "application/atom+xml", "application/xml")


class SimplifiedChineseMiddleware:
    """Converts the responses of /zh-hans/ pages (after the page cache in MIDDLEWARE, so the
    page cache keeps the converted page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            getattr(request, "LANGUAGE_CODE", None) != LANGUAGE
            or response.streaming
            or not response.get("Content-Type", "").startswith(CONVERTED_TYPES)
        ):
            return response
        charset = response.charset or "utf-8"
        html = response.content.decode(charset)
        try:
            # A page may name its own (the plan on a past day: that day's glossary).
            protected = getattr(response, "protected_names", None)
            if protected is None:
                protected = protected_names()
        except (OperationalError, InterfaceError):
            # The database went away during the request (the page is the 503 page): convert
            # without the glossary's names rather than fail.
            protected = ()
        response.content = convert_page(html, protected).encode(charset)
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        if response.has_header("ETag"):
            del response["ETag"]  # it described the Traditional body; the page cache sets anew
            set_response_etag(response)
        return response


def protected_names():
    """The glossary's Chinese names and aliases, from the current plan's bundle: the pages
    that show glossary terms have read it already."""
    plans = published_plans()
    if not plans:
        return ()
    return plan_knowledge(plans[0], "zh-hant").glossary.protected_names()
