"""Issue 21's review of the knowledge layer, for databases that loaded the earlier proposal
(a new database loads the corrected files: knowledge/sdgs.json, fixtures/knowledge/).

- The goals' Chinese descriptions are the UN goal statements in Chinese; the earlier file gave
  nine goals the wording of Taiwan's own T-SDGs, a different list (docs/decisions.md).
- Glossary entries 高雄幣, 社宅, 銀髮 and 新住民 are explained anew, and two English names
  follow docs/glossary.md (MRT joint development projects, local teachers to teach
  bilingually).
- The Kaohsiung plan's SDG assignments: 4.7, 4.1, 3.7, 3.5.3 and 1.6 lose a goal they did not
  serve; 2.1 gains SDG 3 and 2.3 SDG 5 (each reason in docs/decisions.md).

A text is replaced only where it is still the one the earlier file loaded: what staff have
rewritten stays theirs. Reversible: backwards, the same with old and new swapped.
"""

from django.db import migrations

PLAN = "kaohsiung-112-115"

# {slug: {column: (earlier text, corrected text)}}; a zh_hant column's base column (the
# one modeltranslation mirrors the default language into) follows it.
TERMS = {
    "kaohsiung-coin": {
        "explanation_zh_hant": (
            "高雄幣是市府的回饋點數，不是一般的錢。施政計畫把它和數位市民卡、萬家商家好康優惠一起提到，目的是讓民眾的數位生活更方便。",
            "高雄幣是市府推出的數位回饋點數。施政計畫把它和數位市民卡、萬家商家好康優惠一起提到，用來提升民眾數位生活的便利性。",
        ),
        "explanation_en": (
            "Kaohsiung Coin is the city's reward points, not real "
            "money. The plan mentions it together with the digital "
            "citizen card and special deals from 10,000 merchants, as a "
            "way to make everyday digital life more convenient.",
            "Kaohsiung Coin is the city's digital reward-points scheme. "
            "The plan mentions it together with the digital citizen "
            "card and special offers from 10,000 merchants, as a way to "
            "make digital life more convenient for residents.",
        ),
    },
    "social-housing": {
        "explanation_zh_hant": (
            "社宅是「社會住宅」的簡稱，指由政府興辦或管理、專門用來出租的住宅，租金比一般市場便宜。施政計畫提到要與中央合作增建社宅，並在部分社會住宅中增設銀髮家園。",
            "社宅是「社會住宅」的簡稱。依住宅法第3條，社會住宅是由政府興辦或獎勵民間興辦、專供出租的住宅。施政計畫提到要攜手中央合力規劃興辦社會住宅，並爭取在興建或規劃中的社會住宅部分戶數增設銀髮家園。",
        ),
        "explanation_en": (
            "社宅 is short for 社會住宅, social housing: homes built or "
            "managed by the government that are only for rent, at rents "
            "below the normal market price. The plan says the city will "
            "work with the central government to build more social "
            "housing, and add senior housing units in part of it.",
            "社宅 is short for 社會住宅, social housing. Under Article 3 of "
            "the Housing Act, social housing is housing solely for "
            "rent, provided by the government or, with government "
            "incentives, by private parties. The plan says the city "
            "will work with the central government to plan and provide "
            "social housing, and will seek to add senior housing units "
            "in part of the social housing being built or planned.",
        ),
    },
    "mrt-joint-development": {
        "term_en": ("MRT joint development", "MRT joint development projects"),
        "aliases_en": ("MRT joint development projects", "MRT joint development"),
    },
    "senior": {
        "explanation_zh_hant": (
            "銀髮（白頭髮）是對長輩、年長者的委婉說法。施政計畫中有銀髮人才服務據點（協助中高齡及高齡民眾就業）、銀髮運動設施，以及在社會住宅中增設的銀髮家園。",
            "銀髮（白頭髮）是對長輩、年長者的委婉說法。施政計畫中有銀髮人才服務據點（協助中高齡及高齡民眾就業）、銀髮運動設施，以及市府爭取在社會住宅中增設的銀髮家園。",
        ),
        "explanation_en": (
            '銀髮 ("silver hair") is a polite way to say older people or seniors. '
            "The plan mentions senior talent service centers (job services for "
            "middle-aged and older residents), sports facilities for seniors, "
            "and senior housing units added in social housing.",
            '銀髮 ("silver hair") is a polite way to say older people or seniors. '
            "The plan mentions senior talent service centers (job services for "
            "middle-aged and older residents), sports facilities for seniors, "
            "and the senior housing units the city will seek to add in social "
            "housing.",
        ),
    },
    "local-bilingual-teachers": {
        "term_en": ("local bilingual teachers", "local teachers to teach bilingually"),
        "aliases_en": (
            "local teachers teaching bilingually",
            "local bilingual teachers\nlocal teachers teaching bilingually",
        ),
    },
    "new-immigrants": {
        "explanation_zh_hant": (
            "新住民是臺灣對從其他國家或地區移居來臺生活的人的稱呼，其中許多人是因為婚姻來到臺灣。施政計畫提到要建構新住民關懷服務網絡，增設新住民會館及社區服務據點，為新住民及家庭提供福利服務。",
            "新住民在臺灣主要指因與臺灣人結婚而移居臺灣的人，也就是外籍配偶及大陸、港澳配偶；來臺工作的移工一般不稱為新住民。施政計畫提到要建構新住民關懷服務網絡，增設新住民會館及社區服務據點，為新住民及家庭提供福利服務。",
        ),
        "explanation_en": (
            '新住民 (literally "new residents") is the Taiwanese term for '
            "people who have moved to Taiwan from other countries or "
            "regions to live here; many came through marriage. The plan "
            "says the city will build a care and service network for "
            "new immigrants and add new immigrant centers and community "
            "service centers to provide welfare services for them and "
            "their families.",
            '新住民 (literally "new residents") is Taiwan\'s term mainly '
            "for people who have moved to Taiwan through marriage to a "
            "Taiwanese: spouses from other countries, mainland China, "
            "Hong Kong or Macao. Migrant workers are not usually called "
            "新住民. The plan says the city will build a care and service "
            "network for new immigrants and add new immigrant centers "
            "and community service centers to provide welfare services "
            "for them and their families.",
        ),
    },
}

# {goal number: (earlier Chinese description, corrected one)}
GOALS = {
    2: ("確保糧食安全，消除飢餓，促進永續農業", "消除飢餓，達成糧食安全，改善營養及促進永續農業"),
    8: (
        "促進包容且永續的經濟成長，讓每個人都有一份好工作",
        "促進包容且永續的經濟成長，達到全面且有生產力的就業，讓每一個人都有一份好工作",
    ),
    11: (
        "建構具包容、安全、韌性及永續特質的城市與鄉村",
        "促使城市與人類居住具包容、安全、韌性及永續性",
    ),
    12: ("促進綠色經濟，確保永續消費及生產模式", "確保永續消費及生產模式"),
    13: ("完備減緩調適行動，以因應氣候變遷及其影響", "採取緊急措施以因應氣候變遷及其影響"),
    14: (
        "保育及永續利用海洋生態系，以確保生物多樣性並防止海洋環境劣化",
        "保育及永續利用海洋與海洋資源，以確保永續發展",
    ),
    15: (
        "保育及永續利用陸域生態系，確保生物多樣性並防止土地劣化",
        "保護、恢復及促進陸域生態系統的永續利用，永續管理森林，對抗沙漠化，終止及逆轉土地劣化，並遏止生物多樣性的喪失",
    ),
    16: (
        "促進和平多元的社會，確保司法平等，建立具公信力且廣納民意的體系",
        "促進和平且包容的社會，以落實永續發展；提供司法管道給所有人；在所有階層建立有效的、負責的且包容的制度",
    ),
    17: ("建立多元夥伴關係，協力促進永續願景", "強化永續發展執行方法及活化永續發展全球夥伴關係"),
}

# (plan item ref, goal number)
UNASSIGNED = [
    ("fishing-harbors", 14),
    ("international-tourism", 17),
    ("animal-friendly", 15),
    ("flood-control", 6),
    ("digital-citizen", 11),
]
ASSIGNED = [
    ("net-zero", 3),
    ("smart-sports-spaces", 5),
]


def _replace(queryset, column, before, after):
    """Set `column` to `after` on the rows where it still reads `before` (and the base
    column with a zh_hant one)."""
    queryset.filter(**{column: before}).update(**{column: after})
    if column.endswith("_zh_hant"):
        base = column.removesuffix("_zh_hant")
        queryset.filter(**{base: before}).update(**{base: after})


def _apply(apps, forwards):
    Term = apps.get_model("knowledge", "Term")
    Goal = apps.get_model("knowledge", "Goal")
    PlanNode = apps.get_model("plan", "PlanNode")
    for slug, columns in TERMS.items():
        for column, (earlier, corrected) in columns.items():
            before, after = (earlier, corrected) if forwards else (corrected, earlier)
            _replace(Term.objects.filter(slug=slug), column, before, after)
    for number, (earlier, corrected) in GOALS.items():
        before, after = (earlier, corrected) if forwards else (corrected, earlier)
        _replace(Goal.objects.filter(number=number), "description_zh_hant", before, after)
    removed, added = (UNASSIGNED, ASSIGNED) if forwards else (ASSIGNED, UNASSIGNED)
    Assignment = Goal.nodes.through
    for ref, number in removed:
        Assignment.objects.filter(
            goal_id=number, plannode__plan__slug=PLAN, plannode__ref=ref
        ).delete()
    for ref, number in added:
        goal = Goal.objects.filter(number=number).first()
        if goal is not None:
            goal.nodes.add(*PlanNode.objects.filter(plan__slug=PLAN, ref=ref))


def forwards(apps, schema_editor):
    _apply(apps, forwards=True)


def backwards(apps, schema_editor):
    _apply(apps, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0005_term_pinyin"),
        ("plan", "0010_load_comments_in_chinese"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
