"""The data catalog (/data/catalog.json): every download the portal offers, described in
DCAT (the W3C Data Catalog Vocabulary) as JSON-LD, with the fields data.gov.tw asks of a
dataset (docs/open-data-catalog.md maps each one to its DCAT property). Over 400 lines, one
job: a third of it is the catalog's own words, written in both languages.

Datasets: the list of published plans, and for each published plan its text (JSON, CSV) and
its progress (the four CSV files, and each period report that has begun, from the plan's
first reporting period on); every CSV with its ODS twin (the same columns). Every text is in both languages as @language values: the
catalog's own words are written here in both languages, like the licence's name; the field
descriptions are the open data page's own tables (portal.pages.opendata.fields) in each
language. Dates are the data's own (a plan's publication date, its version date), never a
server's clock. Built from the published plans alone (one query, kept per content version),
so it costs the same however many plans there are.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from plan.bundle import translated
from plan.exchange import FORMAT, LANGUAGES, texts

from .fields import (
    CSV_FIELDS,
    LICENCE,
    NODE_FIELDS,
    PERIOD_CSV,
    PLAN_FIELDS,
    PLANS_LIST_FIELDS,
    PROGRESS_CSV_FILES,
)

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "csvw": "http://www.w3.org/ns/csvw#",
    "cnt": "http://www.w3.org/2011/content#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
# The site's language codes as language tags (BCP 47), and as the EU's language authority
# names them (what DCAT-AP catalogs use).
TAGS = {"zh-hant": "zh-Hant", "en": "en"}
LANGUAGE_IRIS = [
    "http://publications.europa.eu/resource/authority/language/ZHO",
    "http://publications.europa.eu/resource/authority/language/ENG",
]
# Government and public sector (the EU's data themes, as DCAT-AP catalogs use them).
THEME = "http://publications.europa.eu/resource/authority/data-theme/GOVE"
MEDIA_TYPES = {
    "JSON": "application/json",
    "CSV": "text/csv",
    "ODS": "application/vnd.oasis.opendocument.spreadsheet",
}
IANA = "https://www.iana.org/assignments/media-types/"
# The plan changes when staff edit it and when progress is reported: on no schedule.
IRREGULAR = "http://purl.org/cld/freq/irregular"

# The catalog's own words, in both languages ({title}: the plan's title; {site}: SITE_NAME).
WORDS = {
    "irregular": {"zh-hant": "不定期更新", "en": "irregular"},
    # How the downloads are written (portal.pages.opendata.views, progress.spreadsheets).
    "JSON": {"zh-hant": "UTF-8 編碼的 JSON。", "en": "JSON, encoded in UTF-8."},
    "CSV": {
        "zh-hant": (
            "UTF-8 編碼，檔首含位元組順序記號（BOM），逗號分隔、CRLF 換行，第一列為欄位名稱。"
        ),
        "en": (
            "UTF-8 with a byte order mark (BOM), comma-separated, CRLF line endings; the "
            "first row names the columns."
        ),
    },
    "ODS": {
        "zh-hant": (
            "ODF 試算表（.ods，CNS 15251），欄位與同名 CSV 檔相同：第一列為欄位名稱並凍結，"
            "日期與數字為其型別的儲存格。"
        ),
        "en": (
            "An ODF spreadsheet (.ods, CNS 15251 = ISO/IEC 26300) with the same columns as "
            "the CSV file of the same name: the first row names the columns and is frozen; "
            "dates and numbers are typed cells."
        ),
    },
    "catalog": {"zh-hant": "{site}開放資料目錄", "en": "{site}: open data catalog"},
    "catalog description": {
        "zh-hant": "本網站提供的每一份開放資料：施政計畫清單，及每份已公開施政計畫的全文與執行進度。",
        "en": (
            "Every download this website offers: the list of plans, and the text and "
            "progress of each published plan."
        ),
    },
}
PLANS_LIST = {
    "title": {"zh-hant": "已公開的施政計畫清單", "en": "List of published plans"},
    "description": {
        "zh-hant": (
            "本網站公開的每一份施政計畫：名稱、發布機關、期程與資料版本日期，"
            "及其 JSON、CSV 下載網址與網頁網址。"
        ),
        "en": (
            "Every plan this website publishes: its title, issuing authority, term and the "
            "date of its data's version, with the addresses of its JSON and CSV downloads "
            "and of its pages."
        ),
    },
    "keywords": {"zh-hant": ["施政計畫", "開放資料"], "en": ["administrative plans", "open data"]},
}
PLAN_TEXT = {
    "title": {"zh-hant": "{title}", "en": "{title}"},
    "description": {
        "zh-hant": (
            "{title}全文，中英對照：施政目標、施政願景、推動策略與行動方案的樹狀結構，"
            "依原公告文字。JSON 檔另含已公開的權責分工、衡量指標與進度更新；"
            "CSV 檔每列為一個項目，便於試算表使用。"
        ),
        "en": (
            "The full text of {title}, in Chinese and English: the policy goal, policy "
            "visions, implementation strategies and action items as a tree, as officially "
            "published. The JSON file also holds the published responsibilities, performance "
            "indicators and progress updates; the CSV file has one row per item, for "
            "spreadsheets."
        ),
    },
    "keywords": {
        "zh-hant": ["施政計畫", "施政目標", "施政願景", "推動策略"],
        "en": ["administrative plan", "policy goal", "policy visions", "strategies"],
    },
}
PROGRESS = {
    "title": {"zh-hant": "{title}：執行進度", "en": "{title}: progress"},
    "description": {
        "zh-hant": (
            "{title}的執行進度，CSV 格式：負責機關、各策略與行動方案的主辦及協辦機關、"
            "衡量指標的目標值與實際值，及經審核公開的進度更新；填報開始後，另有各填報期別的期別報告。"
        ),
        "en": (
            "The progress of {title}, as CSV files: the responsible agencies, the lead and "
            "supporting agencies of each strategy and action item, the performance "
            "indicators' targets and actuals, and the progress updates published after "
            "review; once reporting has started, each reporting period's report too."
        ),
    },
    "keywords": {
        "zh-hant": ["施政計畫", "執行進度", "衡量指標", "權責分工"],
        "en": ["administrative plan", "progress", "performance indicators", "responsibilities"],
    },
}
# "A: B" as each language writes it.
COLON = {"zh-hant": "{}：{}", "en": "{}: {}"}


def tagged(texts_by_language):
    """{"zh-hant": …, "en": …} as JSON-LD values with language tags; empty ones left out."""
    return [
        {"@language": TAGS[language], "@value": texts_by_language[language]}
        for language in LANGUAGES
        if texts_by_language.get(language)
    ]


def fill(template, **names):
    """A template in both languages, filled with texts in both languages."""
    return {
        language: template[language].format(**{k: v[language] for k, v in names.items()})
        for language in LANGUAGES
    }


def in_each_language(text):
    """A lazily translated string (the page's) in each language."""
    result = {}
    for language in LANGUAGES:
        with translation.override(language):
            result[language] = str(text)
    return result


def contact_point():
    """The contact the operator set (settings.OPEN_DATA_CONTACT) as a vCard, or None unless
    it has a name and an e-mail address or telephone number. Never made up."""
    contact = settings.OPEN_DATA_CONTACT
    name = (contact.get("name") or "").strip()
    email = (contact.get("email") or "").strip()
    phone = "".join((contact.get("phone") or "").split())
    if not name or not (email or phone):
        return None
    card = {"@type": "vcard:Kind", "vcard:fn": name}
    if email:
        card["vcard:hasEmail"] = {"@id": f"mailto:{email}"}
    if phone:
        card["vcard:hasTelephone"] = {"@id": f"tel:{phone}"}
    return card


def _date(value):
    return {"@value": value.isoformat(), "@type": "xsd:date"}


def _agent(authority):
    return {"@type": "foaf:Agent", "foaf:name": tagged(authority)}


def _columns(fields, plan):
    """A CSV file's columns (CSVW) from the page's table of them: one per name, and a name
    with <year> (target_<year>) stands for one column per ROC year of the plan's term."""
    years = range(plan.term_start_roc, plan.term_end_roc + 1)
    columns = []
    for names, description in fields:
        description = tagged(in_each_language(description))
        for name in names:
            expanded = (
                [name.replace("<year>", str(y)) for y in years] if "<year>" in name else [name]
            )
            columns += [
                {"@type": "csvw:Column", "csvw:name": column, "dct:description": description}
                for column in expanded
            ]
    return {"csvw:tableSchema": {"@type": "csvw:Schema", "csvw:column": columns}}


def _field_text(*tables):
    """A JSON file's fields as text in each language, from the page's tables: each table's
    caption, then a line per row ("names: what they hold")."""
    result = {}
    for language in LANGUAGES:
        with translation.override(language):
            lines = []
            for caption, fields in tables:
                lines.append(COLON[language].format(caption, "").rstrip())
                lines += [
                    COLON[language].format(", ".join(names), description)
                    for names, description in fields
                ]
            result[language] = "\n".join(lines)
    return result


class Catalog:
    """The catalog as one request's origin addresses it (absolute URLs as in plans.json)."""

    def __init__(self, request):
        self.request = request
        self.url = self.absolute("data-catalog")
        self.landing_pages = []
        for language in LANGUAGES:
            with translation.override(language):
                self.landing_pages.append({"@id": self.absolute("portal:open-data")})
        self.licence = {
            "@id": LICENCE["url"],
            "@type": "dct:LicenseDocument",
            "dct:title": tagged(LICENCE["name"]),
        }
        self.contact = contact_point()
        self.common = {
            "dcat:contactPoint": self.contact,
            "dct:license": self.licence,
            "dct:accrualPeriodicity": {
                "@id": IRREGULAR,
                "@type": "dct:Frequency",
                "skos:prefLabel": tagged(WORDS["irregular"]),
            },
            "dcat:theme": {"@id": THEME},
            "dct:language": [{"@id": iri} for iri in LANGUAGE_IRIS],
            "dct:spatial": {
                "@type": "dct:Location",
                "skos:prefLabel": tagged(settings.OPEN_DATA_SPATIAL),
            },
            "dcat:landingPage": self.landing_pages,
        }

    def absolute(self, name, *args):
        return self.request.build_absolute_uri(reverse(name, args=args))

    def data(self, plans, periods=None):
        publishers = self.publishers(plans)
        datasets = [self.plans_list(publishers)]
        for plan in plans:
            datasets += self.plan_datasets(plan, (periods or {}).get(plan.pk, []))
        site = {language: settings.SITE_NAME[language] for language in LANGUAGES}
        return {
            "@context": CONTEXT,
            "@id": self.url,
            "@type": "dcat:Catalog",
            "dct:identifier": self.url,
            "dct:title": tagged(fill(WORDS["catalog"], site=site)),
            "dct:description": tagged(WORDS["catalog description"]),
            "dct:publisher": publishers,
            "dcat:contactPoint": self.contact,
            "dct:license": self.licence,
            "dct:language": self.common["dct:language"],
            "foaf:homepage": self.landing_pages[0],
            "dcat:landingPage": self.landing_pages,
            "dcat:dataset": datasets,
        }

    def publishers(self, plans):
        """The authorities of the published plans, each once."""
        authorities = {}
        for plan in plans:
            authority = texts(plan, "authority")
            authorities.setdefault(authority["zh-hant"], authority)
        return [_agent(authority) for authority in authorities.values()]

    def dataset(self, fragment, words, publishers, distributions, names=None, **extra):
        url = f"{self.url}#{fragment}"
        names = names or {}
        return {
            "@id": url,
            "@type": "dcat:Dataset",
            "dct:identifier": url,
            "dct:title": tagged(fill(words["title"], **names)),
            "dct:description": tagged(fill(words["description"], **names)),
            "dct:publisher": publishers,
            "dcat:keyword": [
                {"@language": TAGS[language], "@value": word}
                for language in LANGUAGES
                for word in words["keywords"][language]
            ],
            **self.common,
            **extra,
            "dcat:distribution": distributions,
        }

    def distribution(self, url, file_format, title, fields):
        return {
            "@type": "dcat:Distribution",
            "dct:title": tagged(title),
            "dct:description": tagged(WORDS[file_format]),
            "dcat:downloadURL": {"@id": url},
            "dcat:accessURL": {"@id": url},
            "dcat:mediaType": {"@id": IANA + MEDIA_TYPES[file_format]},
            "dct:format": file_format,
            # (An ODS file's XML is UTF-8 too: data.gov.tw asks every file's 編碼格式.)
            "cnt:characterEncoding": "UTF-8",
            "dct:license": self.licence,
            **fields,
        }

    def json_fields(self, *tables):
        """A JSON file's fields: the open data page's tables, and the page's section."""
        return {
            "dct:conformsTo": {
                "@id": f"{self.landing_pages[0]['@id']}#fields-h",
                "@type": "dct:Standard",
                "dct:title": FORMAT,
                "dct:description": tagged(_field_text(*tables)),
            }
        }

    def plans_list(self, publishers):
        caption = _("The list of published plans")
        distribution = self.distribution(
            self.absolute("data-plans"),
            "JSON",
            dict.fromkeys(LANGUAGES, "plans.json"),
            self.json_fields((caption, PLANS_LIST_FIELDS)),
        )
        return self.dataset("plans", PLANS_LIST, publishers, [distribution])

    def plan_datasets(self, plan, periods=()):
        title = {language: translated(plan, "title", language) for language in LANGUAGES}
        publishers = [_agent(texts(plan, "authority"))]
        term = {
            "dct:temporal": {
                "@type": "dct:PeriodOfTime",
                "dcat:startDate": {"@value": f"{plan.term_start}-01-01", "@type": "xsd:date"},
                "dcat:endDate": {"@value": f"{plan.term_end}-12-31", "@type": "xsd:date"},
            }
        }
        # Only the dates the data has: its publication, its version (as plans.json's
        # last_modified); an undated official text has neither.
        dates = {}
        if plan.published_on:
            dates["dct:issued"] = _date(plan.published_on)
        if plan.version_date:
            dates["dct:modified"] = _date(plan.version_date)

        def named(name):
            return {
                language: COLON[language].format(title[language], name[language])
                for language in LANGUAGES
            }

        text = [
            self.distribution(
                self.absolute("data-plan-json", plan.slug),
                "JSON",
                named(dict.fromkeys(LANGUAGES, "JSON")),
                self.json_fields(
                    (_("The plan"), PLAN_FIELDS), (_("Each item of the tree"), NODE_FIELDS)
                ),
            ),
            *(
                self.distribution(
                    self.absolute(route, plan.slug),
                    file_format,
                    named(dict.fromkeys(LANGUAGES, file_format)),
                    _columns(CSV_FIELDS, plan),
                )
                for file_format, route in (("CSV", "data-plan-csv"), ("ODS", "data-plan-ods"))
            ),
        ]
        progress = []
        for kind, kind_title, fields in PROGRESS_CSV_FILES:
            csv = self.distribution(
                self.absolute(f"data-progress-{kind}", plan.slug),
                "CSV",
                named(in_each_language(kind_title)),
                _columns(fields, plan),
            )
            # The ODS twin's title says ODS where the CSV's says nothing of its format.
            ods = self.distribution(
                self.absolute(f"data-progress-{kind}-ods", plan.slug),
                "ODS",
                named(
                    {
                        language: f"{text} (ODS)"
                        for language, text in in_each_language(kind_title).items()
                    }
                ),
                _columns(fields, plan),
            )
            progress += [csv, ods]
        # The period reports that have begun (portal.published.begun_reporting_periods).
        report = in_each_language(PERIOD_CSV[1])
        for period in periods:
            title = named(
                {
                    language: COLON[language].format(
                        report[language], translated(period, "label", language)
                    )
                    for language in LANGUAGES
                }
            )
            for file_format, route in (("CSV", "data-period-csv"), ("ODS", "data-period-ods")):
                progress.append(
                    self.distribution(
                        self.absolute(route, plan.slug, period["slug"]),
                        file_format,
                        title if file_format == "CSV" else _suffixed(title, " (ODS)"),
                        _columns(PERIOD_CSV[2], plan),
                    )
                )
        names = {"title": title}
        return [
            self.dataset(plan.slug, PLAN_TEXT, publishers, text, names, **term, **dates),
            self.dataset(f"{plan.slug}-progress", PROGRESS, publishers, progress, names, **term),
        ]


def _suffixed(texts_by_language, suffix):
    return {language: text + suffix for language, text in texts_by_language.items()}


def catalog_data(request, plans, periods=None):
    """The catalog of the published `plans` (and their begun reporting `periods`, by plan
    id), as JSON-LD data."""
    return Catalog(request).data(plans, periods)
