"""Search's synonyms: words a citizen types for what the plan says otherwise.

Each group's words find each other (in either language's text; search folds case and width).
The glossary adds a group per term (its names and aliases in both languages); this is the
small curated list beside it, for everyday words the glossary does not explain. Editorial,
like the glossary: it widens search, it never changes a text.
"""

CURATED = [
    # Not 港 alone: it is part of place names (小港, 高雄港) that are not about harbours.
    ["漁港", "港口", "harbor", "harbour", "port", "fishing port"],
    # 地鐵: the mainland's word (a Simplified 地铁 arrives as 地鐵).
    ["捷運", "地鐵", "MRT", "metro", "subway", "underground", "mass rapid transit"],
    # Taiwan writes 臺 officially and 台 commonly; the plan uses both.
    ["臺灣", "台灣", "Taiwan"],
    ["臺鐵", "台鐵", "Taiwan Railway", "TRA"],
    ["長照", "長期照顧", "long-term care", "elderly care"],
    ["銀髮", "高齡", "長者", "senior", "seniors", "elderly", "older people"],
    # "public rental housing": the glossary's English alias for 社宅 (fixtures/knowledge/).
    ["社宅", "社會住宅", "social housing", "public rental housing", "public housing"],
    ["托育", "幼托", "托嬰", "childcare", "child care", "daycare", "day care", "nursery"],
    # "public transit": how the English text renders 大眾運輸 (docs/glossary.md).
    [
        "公車",
        "公共運輸",
        "大眾運輸",
        "bus",
        "public transit",
        "public transport",
        "public transportation",
    ],
    # Not 碳中和 / carbon neutral: in the IPCC's glossary (AR6 WGIII, Annex I) carbon
    # neutrality balances CO2 alone and net zero all greenhouse gases, which 淨零 means here
    # (the glossary's entry); a search for one must not claim the other.
    ["淨零", "淨零碳排", "net zero", "net-zero"],
    ["就業", "jobs", "employment"],
    ["防洪", "防汛", "淹水", "flood", "flooding", "flood control"],
    ["觀光", "旅遊", "tourism", "tourist", "travel"],
]
