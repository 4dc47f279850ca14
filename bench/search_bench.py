"""Search benchmark on PostgreSQL: 50 plans' worth of nodes, ~12 citizen queries.

Run by hand (not a test); it prints figures:

    .venv/bin/python bench/search_bench.py [--plans 50] [--runs 40] [--keep]

It creates a throwaway database `plan_bench` on postgres://postgres@127.0.0.1:5432 (override
with BENCH_SERVER_URL), migrates it (pg_trgm and the trigram indexes come with migration
0003), loads the plan fixture once per plan under different slugs, then times
portal.pages.search.ranking.search (everything the search page asks of the database:
published plans, nodes matching in either language, trees of the plans with results), with
the plan trees in
memory (warm) and not (cold), and shows how PostgreSQL runs the matching query (EXPLAIN
ANALYZE): whether it uses the trigram index, and what the index does when seq scans are off. The database
is dropped at the end unless --keep is given.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
DATABASE = "plan_bench"

QUERIES = [
    ("zh-hant", "捷運"),  # 2 characters: too short for trigrams
    ("zh-hant", "社宅"),
    ("zh-hant", "智慧"),  # many results
    ("zh-hant", "長照幼托"),
    ("zh-hant", "淨零 永續"),
    ("zh-hant", "大幅提升市區內綠色低碳大眾運輸路網覆蓋率"),  # a phrase copied from a body
    ("zh-hant", "太空電梯"),  # no results
    ("en", "MRT"),
    ("en", "rent subsidy"),
    ("en", "long-term care"),
    ("en", "flood"),
    ("en", "semiconductor"),
    # Issue 15: synonyms, a Simplified query, a partial match, a query naming a topic.
    ("en", "fishing port"),
    ("zh-hant", "长照"),
    ("zh-hant", "捷運 太空電梯"),
    ("zh-hant", "交通"),
]


def admin(sql):
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def setup_django():
    os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}"
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=50)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the plan_bench database")
    args = parser.parse_args()

    admin(f"DROP DATABASE IF EXISTS {DATABASE}")
    admin(f"CREATE DATABASE {DATABASE}")
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            admin(f"DROP DATABASE IF EXISTS {DATABASE}")


def run(args):
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from knowledge.exchange import load_knowledge
    from plan.exchange import create_plan
    from plan.models import Plan, PlanNode
    from plan.search import parse_query
    from portal.pages.search.ranking import search
    from portal.serving.caching import clear_process_caches

    call_command("migrate", verbosity=0)
    data = json.loads((ROOT / "fixtures" / "kaohsiung-112-115.json").read_text("utf-8"))
    started = time.perf_counter()
    knowledge = json.loads(
        (ROOT / "fixtures" / "knowledge" / "kaohsiung-112-115.json").read_text("utf-8")
    )
    for number in range(args.plans):
        plan = create_plan({**data, "slug": f"{data['slug']}-{number:02d}"})
        # The glossary (synonyms) and topics; shared entries are loaded once, with the first.
        load_knowledge(plan, knowledge)
    loaded = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    nodes = PlanNode.objects.count()
    print(f"PostgreSQL {connection.pg_version // 10000}, database {DATABASE}")
    print(f"{Plan.objects.count()} plans, {nodes} nodes, loaded in {loaded:.1f} s\n")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'plan_plannode' "
            "AND indexdef LIKE '%gin_trgm_ops%' ORDER BY indexname"
        )
        print("trigram indexes:", ", ".join(row[0] for row in cursor.fetchall()) or "NONE")
    print()

    print("warm: plan trees already in memory (the usual case); cold: read from the database")
    print("plan: how PostgreSQL runs the matching query, as planned / with seq scans disabled")
    header = (
        f"{'query':<18} {'lang':<7} {'found':>5} {'other':>5} {'median':>8} {'p95':>8} "
        f"{'cold':>8}  {'plan':<22} {'index forced':<22}"
    )
    print(header)
    print("-" * len(header))
    medians, examples = [], {}
    for language, text in QUERIES:
        query = parse_query(text)
        with translation.override(language):
            for _ in range(3):  # warm up
                results = search(query, language)
            times, cold = [], []
            for _ in range(args.runs):
                started = time.perf_counter()
                results = search(query, language)
                times.append((time.perf_counter() - started) * 1000)
            for _ in range(max(5, args.runs // 4)):
                clear_process_caches()
                started = time.perf_counter()
                search(query, language)
                cold.append((time.perf_counter() - started) * 1000)
            with CaptureQueriesContext(connection) as queries:
                search(query, language)
        matching = next(q["sql"] for q in queries.captured_queries if " LIKE " in q["sql"])
        natural, forced = explain(connection, matching), explain(connection, matching, True)
        examples[text] = (natural[2], forced[2])
        medians.append(statistics.median(times))
        label = text if len(text) <= 8 else text[:7] + "…"
        label += " " * (18 - len(label) - sum(1 for c in label if ord(c) > 0x2E80))
        print(
            f"{label} {language:<7} {results.total:>5} {results.other_count:>5} "
            f"{statistics.median(times):>6.1f}ms {percentile(times, 0.95):>6.1f}ms "
            f"{statistics.median(cold):>6.1f}ms  {describe(natural):<22} {describe(forced):<22}"
        )
    print(
        f"\nmedian of medians: {statistics.median(medians):.1f} ms; "
        f"worst median: {max(medians):.1f} ms"
    )
    for text in ("大幅提升市區內綠色低碳大眾運輸路網覆蓋率", "捷運"):
        natural, forced = examples[text]
        print(f"\nEXPLAIN ANALYZE of the matching query for {text!r}, as planned:\n{natural}")
        print(f"\n... and with seq scans disabled:\n{forced}")
    counts = PlanNode.objects.values("plan").annotate(n=Count("pk")).order_by().count()
    assert counts == args.plans


def explain(connection, sql, force_index=False):
    """(uses a trigram index, execution ms, plan text) for one query."""
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if force_index:
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN ANALYZE " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    executed = float(plan.rsplit("Execution Time:", 1)[1].split("ms")[0])
    return "_trgm" in plan, executed, plan


def describe(explained):
    uses_index, executed, _ = explained
    return f"{'trigram index' if uses_index else 'seq scan':<13} {executed:5.1f}ms"


if __name__ == "__main__":
    main()
