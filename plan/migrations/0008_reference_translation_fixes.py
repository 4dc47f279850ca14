"""Reference translation fixes (issue 13): the English of the 112–115 plan, corrected.

The same fixes are in fixtures/source/kaohsiung-112-115.en.json (and the regenerated
fixture); this migration brings them to databases loaded before them, as a staff edit would:
each English text is changed only where the database still holds the old English exactly
(a city's own later edit is never overwritten), the node's "last changed" (`edited_at`) is
set, its search text refreshed, and a django-reversion revision records the change, so the
public page history shows it as an edit with its differences. The Chinese is not touched.

A database without the plan (a fresh one, where the fixture is loaded later and already has
the new English) is left as it is.

NODE_FIXES and PLAN_FIXES are the one list of the changes (tests/test_translation_fixes.py
imports them): {node ref: {field: (old English, new English)}}, {plan field: (old, new)}.
"""

from django.core import serializers
from django.db import migrations
from django.utils import timezone

from plan.search import node_search_text

SLUG = "kaohsiung-112-115"
COMMENT = "英文參考譯文修正 (issue 13)：reference translation fixes (issue 13)"
REVERTED_COMMENT = (
    "撤回英文參考譯文修正 (issue 13)：reference translation fixes reverted (issue 13)"
)

# As plan/translation.py registers the models with reversion: tree position, the edit
# counter and the search columns are not recorded.
NODE_EXCLUDE = {"path", "depth", "numchild", "version", "search_zh_hant", "search_en"}
PLAN_EXCLUDE = {"version"}

# The plan's own English texts (title, preamble, chart title, …): none needed fixing.
PLAN_FIXES = {}

NODE_FIXES = {
    "asia-new-bay": {
        "title_en": (
            "Attracting Investment to the Asia New Bay Area Waterfront",
            "Attracting Investment to Develop the Land Behind the Asia New Bay Area Waterfront",
        ),
    },
    "smart-infrastructure": {
        "body_en": (
            "Introduce smart management of on-street parking spaces, build smart multi-story parking garages, deploy a smart traffic network and install AI-enabled smart roads, creating a safer, more efficient and more reliable transport system.",
            "Introduce smart management of on-street parking spaces, build smart multi-story parking garages, deploy a smart traffic network and install AI-enabled smart roads, building a safer, more efficient and more reliable transport system.",
        ),
        "chart_label_en": (
            "Using Technology to Improve Infrastructure Facilities",
            "Using Technology to Improve Infrastructure",
        ),
    },
    "mrt-network": {
        "title_en": (
            "Completing the MRT and Public Transit Network",
            "Strengthening the MRT and Public Transit Network",
        ),
    },
    "maternal-care": {
        "body_en": (
            "Maintain the universal transportation subsidy for prenatal checkups, and plan to allow economically disadvantaged residents to also apply for a childbirth allowance and at-home postpartum care services, looking after pregnant women's health before birth and their recovery afterward, so that residents can have and raise children with peace of mind.",
            "Maintain the universal transport subsidy for prenatal checkups, and plan to allow economically disadvantaged residents to also apply for a childbirth allowance and at-home postpartum care services, looking after pregnant women's health before birth and their recovery afterward, so that residents can have and raise children with peace of mind.",
        ),
    },
    "education-resources": {
        "body_en": (
            "Promote a bilingual program in every school, actively train local teachers to teach bilingually, and build a solid base of bilingual teaching staff. In addition, gradually improve the terms of appointment for substitute teachers and give priority to stabilizing teaching staff in remote areas, working to ensure equal educational opportunities.",
            "Promote a bilingual program in every school, actively train local teachers to teach bilingually, and build a solid base of bilingual teaching staff. In addition, gradually improve the contract periods of substitute teachers and give priority to stabilizing teaching staff in remote areas, working to ensure equal educational opportunities.",
        ),
    },
    "public-childcare": {
        "body_en": (
            "Use underused or idle public spaces to plan public childcare service centers, keep adding temporary childcare centers based on local work patterns, available space and other conditions, and increase the supply of public and non-profit preschool education and care services to meet the demand for preschool places.",
            "Use underused or idle public spaces to plan and set up public childcare service centers, keep adding drop-in childcare centers based on local work patterns, available space and other conditions, and increase the supply of public and non-profit preschool education and care services to meet the demand for preschool places.",
        ),
    },
    "smart-agriculture": {
        "body_en": (
            "Introduce smart technology to help agricultural products add value and transform, use diverse marketing channels to reach consumers in Taiwan and abroad with the city's farm products, and develop subsidy programs for smart disaster prevention and smart agricultural equipment, offering farmers a range of smart solutions.",
            "Introduce smart technology to add value to agricultural products and help agriculture transform, use diverse marketing channels to bring the city's agricultural products to consumers in Taiwan and abroad, and develop subsidy programs for smart disaster prevention and smart agricultural equipment, offering farmers a range of smart solutions.",
        ),
    },
    "gender-equal-workplaces": {
        "body_en": (
            "Urge businesses to actively comply with the relevant provisions of the Act of Gender Equality in Employment and create friendly working environments, achieving gender equality and women's empowerment and making Kaohsiung a city that welcomes people of all genders.",
            "Urge businesses to actively comply with the relevant provisions of the Gender Equality in Employment Act and create friendly working environments, achieving gender equality and women's empowerment and making Kaohsiung a city that welcomes people of all genders.",
        ),
    },
    "new-immigrant-services": {
        "body_en": (
            "Build a care and service network for new immigrants, adding new immigrant centers and community service points to provide new immigrants and their families with the most prompt and comprehensive welfare services.",
            "Build a care and service network for new immigrants, adding new immigrant centers and community service centers to provide new immigrants and their families with the most prompt and comprehensive welfare services.",
        ),
    },
    "arts-talent": {
        "chart_label_en": (
            "Constructing a City Friendly to Arts and Culture Talent",
            "Building a City Friendly to Arts and Culture Talent",
        ),
    },
    "inclusive-parks": {
        "body_en": (
            "Based on the distribution of the city's child population and local needs, install distinctive playgrounds at selected sites, and strengthen public-private collaboration (with the Public Parks for Children Coalition and disability groups), incorporating public participation mechanisms to create distinctive parks for all ages.",
            "Based on the distribution of the city's child population and local needs, install distinctive playgrounds at selected sites, and strengthen public-private collaboration with Taiwan Parks and Playgrounds for Children and by Children (PPFCC) and disability groups, incorporating public participation mechanisms to create distinctive parks for all ages.",
        ),
    },
    "fishing-harbors": {
        "title_en": (
            "Creating Charming Fishing Harbors for a Win-Win",
            "Creating Charming Fishing Harbors for Mutual Benefit",
        ),
        "body_en": (
            "Based on the character of each fishing harbor, incorporate traditional religious beliefs and cultural elements to improve landscape imagery, add distinctive murals, and upgrade surrounding facilities and the overall environment, turning them into charming multifunctional harbors that combine fishing, tourism and leisure.",
            "Based on the character of each fishing harbor, incorporate folk beliefs and cultural elements to improve the harbors' landscape and visual identity, add distinctive murals, and upgrade surrounding facilities and the overall environment, turning them into charming multifunctional harbors that combine fishing, tourism and leisure.",
        ),
    },
}


def _recorded_fields(model, exclude):
    return [field.name for field in model._meta.local_fields if field.name not in exclude]


def _record(apps, obj, exclude, object_repr, comment, now, db):
    """One revision holding one version of `obj`, as reversion records a staff save."""
    Revision = apps.get_model("reversion", "Revision")
    Version = apps.get_model("reversion", "Version")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.using(db).get_or_create(
        app_label=obj._meta.app_label, model=obj._meta.model_name
    )
    revision = Revision.objects.using(db).create(date_created=now, user=None, comment=comment)
    Version.objects.using(db).create(
        revision=revision,
        object_id=str(obj.pk),
        content_type=content_type,
        db=db,
        format="json",
        serialized_data=serializers.serialize(
            "json", [obj], fields=_recorded_fields(type(obj), exclude)
        ),
        object_repr=object_repr,
    )


def _change(obj, fixes):
    """Set each field that still holds its old text; the names of the fields changed."""
    changed = []
    for name, (old, new) in fixes.items():
        if (getattr(obj, name) or "") == old:
            setattr(obj, name, new)
            changed.append(name)
    return changed


def apply_fixes(
    apps, schema_editor=None, node_fixes=None, plan_fixes=None, comment=COMMENT, slug=SLUG
):
    """Apply (old → new) pairs; returns {ref or "plan": [fields changed]}."""
    node_fixes = NODE_FIXES if node_fixes is None else node_fixes
    plan_fixes = PLAN_FIXES if plan_fixes is None else plan_fixes
    db = schema_editor.connection.alias if schema_editor is not None else "default"
    Plan = apps.get_model("plan", "Plan")
    PlanNode = apps.get_model("plan", "PlanNode")
    plan = Plan.objects.using(db).filter(slug=slug).first()
    if plan is None:
        return {}
    now = timezone.now()
    done = {}
    changed = _change(plan, plan_fixes)
    if changed:
        plan.edited_at = plan.updated_at = now
        plan.version += 1
        plan.save(update_fields=[*changed, "edited_at", "updated_at", "version"])
        object_repr = plan.title_zh_hant or plan.slug
        _record(apps, plan, PLAN_EXCLUDE, object_repr, comment, now, db)
        done["plan"] = changed
    nodes = PlanNode.objects.using(db).filter(plan=plan, ref__in=list(node_fixes))
    for node in nodes.order_by("path"):
        changed = _change(node, node_fixes[node.ref])
        if not changed:
            continue
        texts = {
            f"{name}_{language}": getattr(node, f"{name}_{language}")
            for name in ("title", "body", "chart_label")
            for language in ("zh_hant", "en")
        }
        node.search_en = node_search_text(texts, "en")
        node.edited_at = node.updated_at = now
        node.version += 1
        node.save(update_fields=[*changed, "search_en", "edited_at", "updated_at", "version"])
        object_repr = node.title_zh_hant or (node.body_zh_hant or "")[:40] or node.ref
        _record(apps, node, NODE_EXCLUDE, object_repr, comment, now, db)
        done[node.ref] = changed
    return done


def _reversed(fixes):
    return {name: (new, old) for name, (old, new) in fixes.items()}


def revert_fixes(apps, schema_editor=None):
    """Back to the old English, again only where the database holds the fixed text."""
    return apply_fixes(
        apps,
        schema_editor,
        node_fixes={ref: _reversed(fixes) for ref, fixes in NODE_FIXES.items()},
        plan_fixes=_reversed(PLAN_FIXES),
        comment=REVERTED_COMMENT,
    )


def forwards(apps, schema_editor):
    apply_fixes(apps, schema_editor)


def backwards(apps, schema_editor):
    revert_fixes(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
        ("plan", "0007_deleted_items"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
