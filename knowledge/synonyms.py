"""Search's synonyms: words a citizen types for what the plan says otherwise.

Each group's words find each other (in either language's text; search folds case and width).
The glossary adds a group per term (its names and aliases in both languages); this is the
small curated list beside it, for everyday words the glossary does not explain. Editorial,
like the glossary: it widens search, it never changes a text.
"""

CURATED = [
    ["港", "漁港", "港口", "harbor", "harbour", "port", "fishing port"],
    ["捷運", "MRT", "metro", "subway", "underground", "mass rapid transit"],
    ["長照", "長期照顧", "long-term care", "elderly care"],
    ["銀髮", "高齡", "長者", "senior", "seniors", "elderly", "older people"],
    ["社宅", "社會住宅", "social housing", "public housing"],
    ["托育", "幼托", "托嬰", "childcare", "child care", "daycare", "day care", "nursery"],
    ["公車", "公共運輸", "大眾運輸", "bus", "public transport", "public transportation"],
    ["淨零", "淨零碳排", "net zero", "net-zero", "carbon neutral"],
    ["就業", "jobs", "employment"],
    ["防洪", "防汛", "淹水", "flood", "flooding", "flood control"],
    ["觀光", "旅遊", "tourism", "tourist", "travel"],
]
