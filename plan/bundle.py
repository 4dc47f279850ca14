"""Many small tables in ONE query: each table's rows as (kind, row, node_ref, data), with
the row's fields as a JSON object, put together with UNION ALL.

Pages about a plan need its progress facts (progress app) and its glossary, topics and
goals (knowledge app); each app says which rows it needs (`rows(...)` querysets) and reads
back the kinds it knows, so a page pays one query for all of them however large the plan.
"""

import json

from django.db.models import BigIntegerField, CharField, F, QuerySet, Value
from django.db.models.functions import Cast, JSONObject


def rows(queryset, kind, /, node="node_id", **fields):
    """A queryset in the bundle's shape. `node` names the plan item a row is about (None:
    about none). A plain QuerySet: modeltranslation's would add every field to values()."""
    return (
        QuerySet(queryset.model, query=queryset.query)
        .order_by()
        .values(
            # Names no model has as a field (an annotation may not shadow one).
            bundle_kind=Value(kind, output_field=CharField()),
            bundle_row=F("pk"),
            # A typed NULL: PostgreSQL takes an untyped one for text, which a UNION with the
            # other parts' ids refuses.
            bundle_node=F(node) if node else Cast(Value(None), output_field=BigIntegerField()),
            bundle_data=JSONObject(**fields),
        )
    )


def translated(row, name, language):
    """A translated field's text in `language`, else its Chinese (modeltranslation's
    fallback; pages mark it as untranslated). `row`: a bundle row (a dict), a history
    version's field dict, or an object with `<name>_zh_hant` etc. The one place this
    fallback is written: the tree, the history, the knowledge layer and the pages use it."""
    get = row.get if isinstance(row, dict) else lambda key: getattr(row, key, None)
    return get(f"{name}_{language.replace('-', '_')}") or get(f"{name}_zh_hant") or ""


def both_languages(name):
    """A translated field's two columns, as `rows(..., **both_languages("title"))` names them."""
    return {f"{name}_zh_hant": f"{name}_zh_hant", f"{name}_en": f"{name}_en"}


def read(parts):
    """[(kind, row, node_ref, data dict)] of every part, from one query."""
    first, *others = parts
    union = first.union(*others, all=True) if others else first
    result = []
    for row in union:
        data = row["bundle_data"]
        if isinstance(data, str):
            data = json.loads(data)
        result.append((row["bundle_kind"], row["bundle_row"], row["bundle_node"], data))
    return result
