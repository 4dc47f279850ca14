"""The loaded plan, turned back into text, is the official document character for character.

Over 400 lines, one feature: fidelity to the official text and the reference translation.
"""

import importlib
import json
from io import StringIO

import pytest
import reversion
from django.apps import apps as live_apps
from django.core import serializers
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import translation
from reversion.models import Revision, Version
from reversion.revisions import _get_options

from plan.exchange import comparable, plan_data
from plan.history import page_history, record_loaded
from plan.management.commands.build_plan_fixture import Command as BuildFixture
from plan.models import Plan, PlanNode
from plan.search import matches_q, node_search_text
from plan.source import PAGE_BREAK_SPLITS, parse
from plan.tree import PlanTree

from .factories import ROOT, SLUG, SOURCE, official_text

ZH = "zh-hant"


def rebuild(data):
    """The document as text, in its own layout, from the plan data alone."""
    blocks = [data["title"][ZH]]
    blocks += ["壹、" + data["preamble_heading"][ZH], data["preamble"][ZH]]
    blocks.append("貳、" + data["visions_heading"][ZH])
    for vision in data["tree"]["children"]:
        blocks.append(vision["number"][ZH] + vision["title"][ZH])
        for strategy in vision["children"]:
            blocks.append(f"{strategy['number'][ZH]} {strategy['title'][ZH]}：")
            if strategy["children"]:
                blocks.append(
                    "\n".join(a["number"][ZH] + " " + a["body"][ZH] for a in strategy["children"])
                )
            else:
                blocks.append(strategy["body"][ZH])
    blocks += ["參、" + data["closing_heading"][ZH], data["closing"][ZH]]

    # The architecture chart: row labels print vertically, two characters to a line.
    def row(name):
        label = data["chart"]["rows"][name][ZH]
        return label[:2] + "\n" + label[2:]

    def chart_text(node):
        return (node["chart_label"] or node["title"])[ZH]

    goal = data["tree"]
    blocks += [data["chart"]["title"][ZH], row("goal"), chart_text(goal), row("visions")]
    blocks += [chart_text(vision) for vision in goal["children"]]
    blocks.append(row("strategies"))
    for vision in goal["children"]:
        blocks.append("\n".join("- " + chart_text(strategy) for strategy in vision["children"]))
    return "\n\n".join(blocks)


def test_loaded_plan_rebuilds_the_official_text(plan):
    rebuilt = rebuild(plan_data(plan))
    official = official_text()
    if rebuilt != official:
        # Show the first differing line rather than two 10 KB strings.
        for number, (a, b) in enumerate(
            zip(rebuilt.split("\n"), official.split("\n"), strict=False), 1
        ):
            assert a == b, f"line {number} differs"
    assert rebuilt == official


def test_chart_labels_keep_both_wordings(tree):
    differing = {n.title: n.chart_label for n in tree.strategies if n.chart_label}
    assert differing == {
        "力促傳統產業高值轉型": "力促傳統產業高階轉型",
        "運用科技優化基礎建設": "運用科技優化基礎設施",
        "建構藝文人才友善城市": "構建藝文人才友善城市",
        "營造全齡共融休憩空間": "營造全齡共融休閒空間",
    }


def test_page_break_sentences_are_joined(tree):
    bodies = "".join(node.body_zh_hant for node in tree)
    for end, start in PAGE_BREAK_SPLITS:
        assert end + start in bodies
    assert "\n" not in bodies


def test_source_file_is_the_provenance(plan):
    import hashlib

    assert plan.source_sha256 == hashlib.sha256(SOURCE.read_bytes()).hexdigest()
    assert plan.source_file == "fixtures/source/kaohsiung-112-115.zh-hant.txt"


# ------------------------------------------------------------------------------------------
# Reference translation fixes (issue 13): the fixture carries the new English, and migration 0008
# brings it to databases loaded before, as a recorded staff edit that never overwrites a city's
# own edit. The old → new pairs are the migration's (NODE_FIXES, PLAN_FIXES).


MIGRATION = "0008_reference_translation_fixes"


fixes = importlib.import_module(f"plan.migrations.{MIGRATION}")


NODE_FIXES, PLAN_FIXES = fixes.NODE_FIXES, fixes.PLAN_FIXES


GLOSSARY = (ROOT / "docs" / "glossary.md").read_text("utf-8")


def walk(node_by_ref):
    yield node_by_ref
    for child in node_by_ref["children"]:
        yield from walk(child)


def english(data):
    """Every English text of the plan data."""
    found = []

    def collect(value):
        if isinstance(value, dict):
            if "en" in value and isinstance(value["en"], str):
                found.append(value["en"])
            for key, item in value.items():
                if key != "source":
                    collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(data)
    return found


@pytest.fixture(scope="module")
def by_ref(plan_file_data):
    return {node_by_ref["ref"]: node_by_ref for node_by_ref in walk(plan_file_data["tree"])}


@pytest.fixture(autouse=True)
def _language_reset():
    """A request to an /en/ page leaves English active in this thread: undo it."""
    yield
    translation.deactivate()


def test_the_fixture_is_generated_from_the_sources(plan_file_data):
    folder = ROOT / "fixtures" / "source"
    source = parse((folder / f"{SLUG}.zh-hant.txt").read_text("utf-8"))
    en = json.loads((folder / f"{SLUG}.en.json").read_text("utf-8"))
    built = BuildFixture().build(SLUG, "112-115", source, en)
    assert built == {k: v for k, v in plan_file_data.items() if k != "source"}


def test_the_fixture_has_every_new_english_text_and_none_of_the_old(plan_file_data, by_ref):
    assert NODE_FIXES, "the fixes are listed in the migration"
    for ref, fields in NODE_FIXES.items():
        for field, (old, new) in fields.items():
            name = field.removesuffix("_en")
            assert old != new
            assert by_ref[ref][name]["en"] == new, (ref, field)
    texts = english(plan_file_data)
    for fields in NODE_FIXES.values():
        for old, _new in fields.values():
            assert old not in texts
    for field, (_old, new) in PLAN_FIXES.items():
        assert plan_file_data[field.removesuffix("_en")]["en"] == new


def test_the_reviewers_items(plan_file_data, by_ref):
    text = "\n".join(english(plan_file_data))
    assert (
        "Develop the Land Behind the Asia New Bay Area Waterfront"
        in by_ref["asia-new-bay"]["title"]["en"]
    )
    assert by_ref["mrt-network"]["title"]["en"].startswith("Strengthening ")
    assert "Completing" not in text
    assert "contract periods of substitute teachers" in by_ref["education-resources"]["body"]["en"]
    childcare = by_ref["public-childcare"]["body"]["en"]
    assert "plan and set up public childcare service centers" in childcare
    assert "drop-in childcare centers" in childcare and "temporary" not in childcare
    assert "Gender Equality in Employment Act" in by_ref["gender-equal-workplaces"]["body"]["en"]
    assert "Act of Gender Equality" not in text
    assert (
        "Taiwan Parks and Playgrounds for Children and by Children (PPFCC)"
        in by_ref["inclusive-parks"]["body"]["en"]
    )
    assert "Public Parks for Children Coalition" not in text
    harbors = by_ref["fishing-harbors"]
    assert "Win-Win" not in harbors["title"]["en"]
    assert "folk beliefs" in harbors["body"]["en"]
    assert "religious" not in harbors["body"]["en"] and "imagery" not in harbors["body"]["en"]
    assert "add value and transform" not in text


def test_one_rendering_each(plan_file_data, by_ref):
    text = "\n".join(english(plan_file_data))
    # 據點: "centers", wherever the Chinese has it.
    for node_by_ref in by_ref.values():
        for name in ("title", "body"):
            if "據點" in (node_by_ref[name]["zh-hant"] or ""):
                assert "centers" in node_by_ref[name]["en"].lower(), node_by_ref["ref"]
    assert "service point" not in text
    # 建構 / 構建 / 構築: "build".
    assert "Construct" not in text and "construct" not in text.replace("under construction", "")
    # transport, never transportation; one spelling of licence/license (US: license), if any.
    assert "transportation" not in text.lower()
    assert "licence" not in text.lower()


def test_synonym_chart_labels_read_like_the_title(by_ref):
    """基礎建設/基礎設施 and 建構/構建 are synonyms: the English chart label is the title, as
    for the goal (the chart has a space for 、); real differences stay (高值/高階, 休憩/休閒)."""
    for ref in ("goal", "smart-infrastructure", "arts-talent"):
        node_by_ref = by_ref[ref]
        assert node_by_ref["chart_label"]["zh-hant"] != node_by_ref["title"]["zh-hant"]
        assert node_by_ref["chart_label"]["en"] == node_by_ref["title"]["en"], ref
    for ref in ("traditional-industry-upgrade", "inclusive-parks"):
        node_by_ref = by_ref[ref]
        assert node_by_ref["chart_label"]["en"] != node_by_ref["title"]["en"], ref


def glossary_row(term):
    """The English column of the glossary's row for `term`."""
    for line in GLOSSARY.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("|") and cells[0] == term:
            return cells[1]
    raise AssertionError(f"no glossary row for {term}")


def test_the_glossary_agrees_with_the_data(plan_file_data, by_ref):
    assert glossary_row("性平工作平等法") == "Gender Equality in Employment Act"
    assert (
        glossary_row("特公盟")
        == "Taiwan Parks and Playgrounds for Children and by Children (PPFCC)"
    )
    assert glossary_row("架構圖") == "Framework Chart"
    assert plan_file_data["chart"]["title"]["en"].startswith("Framework Chart of ")
    assert glossary_row("據點") == "centers"
    assert glossary_row("臨托") == "drop-in childcare"
    assert glossary_row("健全") == "strengthen"
    # The goal has an English chart label (the same as its title), and the glossary says so.
    assert by_ref["goal"]["chart_label"]["en"] == by_ref["goal"]["title"]["en"]
    assert "chart_label is null" not in GLOSSARY
    assert "chart label is the same as its title" in GLOSSARY


@pytest.fixture(scope="module")
def historical_apps():
    """The models as migration 0008 sees them (the state before it runs)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return loader.project_state(("plan", MIGRATION), at_end=False).apps


def migrate(apps):
    return fixes.forwards(apps, connection.schema_editor())


def set_old_english(plan):
    """A database loaded before the fixes: the old English, recorded as the loaded text."""
    for ref, fields in NODE_FIXES.items():
        node_by_ref = PlanNode.objects.get(plan=plan, ref=ref)
        for field, (old, _new) in fields.items():
            setattr(node_by_ref, field, old)
        node_by_ref.save()
    for field, (old, _new) in PLAN_FIXES.items():
        setattr(plan, field, old)
    plan.save()
    record_loaded(plan, f"{SLUG}.json")


@pytest.fixture
def before_fix(plan):
    set_old_english(plan)
    return plan


def node_by_ref(ref):
    return PlanNode.objects.get(plan__slug=SLUG, ref=ref)


def fix_versions():
    return Version.objects.filter(revision__comment=fixes.COMMENT).select_related("revision")


def test_recorded_fields_are_the_ones_reversion_registers(historical_apps):
    model = historical_apps.get_model("plan", "PlanNode")
    assert sorted(fixes._recorded_fields(model, fixes.NODE_EXCLUDE)) == sorted(
        _get_options(PlanNode).fields
    )
    model = historical_apps.get_model("plan", "Plan")
    recorded = set(fixes._recorded_fields(model, fixes.PLAN_EXCLUDE))
    # Fields added by later migrations are the only difference (0009: is_current, 0011:
    # first_reporting_period).
    assert set(_get_options(Plan).fields) - recorded == {"is_current", "first_reporting_period"}
    assert recorded <= set(_get_options(Plan).fields)


def test_migration_updates_the_old_english_as_a_recorded_edit(before_fix, historical_apps):
    differs = StringIO()
    with pytest.raises(Exception, match="differ"):
        call_command("load_plan", stdout=StringIO(), stderr=differs)
    untouched_before = {n.pk: n.edited_at for n in PlanNode.objects.exclude(ref__in=NODE_FIXES)}
    revisions_before = Revision.objects.count()

    migrate(historical_apps)

    for ref, fields in NODE_FIXES.items():
        fixed = node_by_ref(ref)
        for field, (_old, new) in fields.items():
            assert getattr(fixed, field) == new, (ref, field)
        assert fixed.edited_at is not None
        assert fixed.version == 2
        texts = {
            f"{n}_{lang}": getattr(fixed, f"{n}_{lang}")
            for n in ("title", "body", "chart_label")
            for lang in ("zh_hant", "en")
        }
        assert fixed.search_en == node_search_text(texts, "en")
    # One revision per changed node, holding what reversion itself would record now.
    versions = list(fix_versions())
    assert len(versions) == len(NODE_FIXES) + (1 if PLAN_FIXES else 0)
    assert Revision.objects.count() == revisions_before + len(versions)
    assert len({v.revision_id for v in versions}) == len(versions)
    for version in versions:
        obj = node_by_ref(version.field_dict["ref"])
        assert version.object_id == str(obj.pk) and version.revision.user is None
        with translation.override("zh-hant"):
            now = serializers.serialize("json", [obj], fields=_get_options(PlanNode).fields)
        assert json.loads(version.serialized_data) == json.loads(now)
        assert version.object_repr == str(obj)
    # Nothing else changed, and the Chinese never does.
    assert {
        n.pk: n.edited_at for n in PlanNode.objects.exclude(ref__in=NODE_FIXES)
    } == untouched_before
    assert PlanNode.objects.filter(matches_q(("drop-in",), "en")).get().ref == "public-childcare"
    assert not PlanNode.objects.filter(matches_q(("temporary",), "en")).exists()


def test_the_migrated_database_equals_the_regenerated_fixture(
    before_fix, historical_apps, plan_file_data
):
    migrate(historical_apps)
    out = StringIO()
    call_command("load_plan", stdout=out, stderr=StringIO())
    assert f"{SLUG}: already loaded, unchanged" in out.getvalue()
    plan = Plan.objects.get(slug=SLUG)
    current = plan_data(plan, PlanTree.load(plan, include_unpublished=True), with_urls=False)
    assert comparable(current) == comparable(plan_file_data)


def test_the_public_history_shows_the_edit(client, before_fix, historical_apps):
    migrate(historical_apps)
    html = client.get(f"/en/{SLUG}/mrt-network/history/").content.decode()
    assert 'class="history-entry history-edited"' in html
    assert "<del>Completing</del>" in html and "<ins>Strengthening</ins>" in html
    tree = PlanTree.load(Plan.objects.get(slug=SLUG))
    entries = page_history(tree.get("care-centers"), "en")
    assert entries[0].kind == "edited" and entries[0].node.ref == "public-childcare"
    assert entries[-1].kind == "loaded"
    # Only the English changed: the Chinese history has just the official text.
    assert [e.kind for e in page_history(tree.get("mrt-network"), "zh-hant")] == ["loaded"]
    page = client.get(f"/en/{SLUG}/mrt-network/").content.decode()
    assert "Strengthening the MRT and Public Transit Network" in page


def test_a_citys_own_edit_is_never_overwritten(before_fix, historical_apps):
    mrt = node_by_ref("mrt-network")
    mrt.title_en = "Our Own Title for the MRT"
    harbors = node_by_ref("fishing-harbors")
    harbors.title_en = "Our Own Title for the Harbors"
    with reversion.create_revision():
        mrt.save()
        harbors.save()
    mrt_versions = Version.objects.get_for_object(mrt).count()

    migrate(historical_apps)

    mrt.refresh_from_db()
    assert mrt.title_en == "Our Own Title for the MRT"
    assert mrt.edited_at is None and mrt.version == 1
    assert Version.objects.get_for_object(mrt).count() == mrt_versions
    # Field by field: the harbor's own title stays, its body (still the old text) is fixed.
    harbors.refresh_from_db()
    assert harbors.title_en == "Our Own Title for the Harbors"
    assert harbors.body_en == NODE_FIXES["fishing-harbors"]["body_en"][1]
    assert fix_versions().count() == len(NODE_FIXES) - 1


def test_the_migration_runs_once_and_reverses(before_fix, historical_apps):
    migrate(historical_apps)
    assert fixes.apply_fixes(historical_apps) == {}
    assert fix_versions().count() == len(NODE_FIXES)
    done = fixes.revert_fixes(historical_apps)
    assert set(done) == set(NODE_FIXES)
    for ref, fields in NODE_FIXES.items():
        for field, (old, _new) in fields.items():
            assert getattr(node_by_ref(ref), field) == old


def test_the_migration_is_a_no_op_without_the_plan(without_plan, db, historical_apps):
    migrate(historical_apps)
    assert not Revision.objects.exists()
    assert not Plan.objects.exists()


def test_plan_texts_are_fixed_the_same_way(plan, historical_apps):
    record_loaded(plan, f"{SLUG}.json")
    old = plan.closing_heading_en
    done = fixes.apply_fixes(
        historical_apps, node_fixes={}, plan_fixes={"closing_heading_en": (old, "Closing")}
    )
    assert done == {"plan": ["closing_heading_en"]}
    plan.refresh_from_db()
    assert plan.closing_heading_en == "Closing" and plan.edited_at is not None
    version = Version.objects.get_for_object(plan).filter(revision__comment=fixes.COMMENT).get()
    assert version.field_dict["closing_heading_en"] == "Closing"
    # A text the city changed since is left alone.
    assert (
        fixes.apply_fixes(
            historical_apps, node_fixes={}, plan_fixes={"closing_heading_en": (old, "X")}
        )
        == {}
    )


def test_the_live_models_give_the_same_result(before_fix):
    """The forward function with the live registry (as a management shell would call it)."""
    done = fixes.forwards(live_apps, connection.schema_editor())
    assert done is None
    assert node_by_ref("mrt-network").title_en == NODE_FIXES["mrt-network"]["title_en"][1]
    assert fix_versions().count() == len(NODE_FIXES)
