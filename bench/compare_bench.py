"""The plan at any date (issue 24): what a comparison and a dated page cost, by hand (not CI).

    .venv/bin/python bench/compare_bench.py                 # the plan, then the plan doubled
    .venv/bin/python bench/compare_bench.py --no-double     # the plan only
    .venv/bin/python bench/compare_bench.py --rounds 5 --profile   # + cProfile of a comparison

For each size (the Kaohsiung plan as load_plan loads it; then `tests.factories.doubled` of
it, loaded the same way) a child process builds a throwaway SQLite database in a folder under
/tmp/bench-compare/, migrates it, loads the plan, and, with time-machine moving the clock
through the year after the load (2025, Asia/Taipei), makes a year of realistic edits, every
one as staff make them (each save inside a revision):

- the load day's afternoon: 6 agencies, a lead agency and a schedule for every strategy and
  action item, 6 indicators published after review;
- 200 text edits (a quarter retitles, the rest body edits: a phrase replaced or a sentence
  added), edited_at set, as the admin saves them;
- 20 moves (strategies; about a quarter action items), each to just before another item of
  its kind, through PlanNode.objects.move inside a revision with plan.history's MOVED
  comment, the moved node saved after (as treebeard's admin does): positions recorded by
  plan.asof's post_revision_commit receiver;
- 300 progress updates published (progress.review.publish after a saved draft), 30 of them
  corrections of earlier ones, dated at the quarter's end before the day they are published;
  10 drafts never published; 2 indicators' targets changed (one lowered, with its reason).

Then, the clock a few days after the year, every measure uncached (the process caches and
the shared cache cleared first; a new test client, so a new page-cache middleware):

(a) portal.dated.comparison(plan, first day, last day) and a mid-year pair: median of N;
(b) /<plan>/compare/?from=…&to=… through django.test.Client (200): median of N;
(c) a dated page /<plan>/as-of/<day>/ and /<plan>/as-of/<day>/<strategy>/ cold: queries
    (CaptureQueriesContext) and time;
(d) the same for the doubled plan: the query count must not grow.

The dated pages are measured first, with Django's ContentType cache emptied: the first
request of a process (a worker just started) reads the content types once more; "7/6" in the
queries column is that first request / every later cold one. For scale, today's pages (home,
strategy, full text) rendered the same way. "Doubled" is tests.factories.doubled: the visions
twice, then every vision's strategies twice (173 nodes against 46); the same year of edits
is made on it.

DEBUG off, plain static storage. The figures belong in docs/benchmarks.md.

Over 400 lines, one job: the one benchmark of issue 24 (its data set, the edits and the timings
belong together and run as one script).
"""

import argparse
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = Path("/tmp/bench-compare")
SLUG = "kaohsiung-112-115"
PLAN_FILE = ROOT / "fixtures" / f"{SLUG}.json"

LOAD_DAY = date(2025, 1, 1)  # the plan loaded: its first day (no publication date on record)
YEAR = 365
MEASURE_DAY = LOAD_DAY + timedelta(days=YEAR + 4)  # "today" while measuring
MID_PAIR = (date(2025, 4, 1), date(2025, 9, 30))
DATED_DAY = date(2025, 7, 1)
STRATEGY = "mrt-network"

TEXT_EDITS, MOVES, UPDATES, CORRECTIONS, DRAFTS, TARGETS = 200, 20, 300, 30, 10, 2


# The parent: one child per size, then the table --------------------------------------------


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rounds", type=int, default=5, help="timed runs per measure")
    parser.add_argument("--no-double", action="store_true", help="skip the doubled plan")
    parser.add_argument("--profile", action="store_true", help="cProfile one comparison")
    parser.add_argument("--child", choices=["plan", "doubled"], help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the child's database folder")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    SCRATCH.mkdir(parents=True, exist_ok=True)
    results = {}
    for size in ["plan"] + ([] if args.no_double else ["doubled"]):
        command = [sys.executable, __file__, "--child", size, "--rounds", str(args.rounds)]
        if args.profile and size == "plan":
            command.append("--profile")
        if args.keep:
            command.append("--keep")
        out = subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True)
        results[size] = json.loads(out.stdout.strip().splitlines()[-1])
    report(results, args.rounds)


def report(results, rounds):
    print(f"\n{os.cpu_count()} cores; SQLite; DEBUG off; median of {rounds} (min–max), uncached")
    for size, result in results.items():
        print(
            f"\n{size}: {result['nodes']} nodes, {result['versions']} versions, "
            f"{result['revisions']} revisions; data set built in {result['build_s']:.0f} s"
        )
        print(f"{'measure':<72}{'median s':>9}{'min–max s':>14}{'queries':>9}")
        for name, row in result["rows"].items():
            times = row["seconds"]
            spread = f"{min(times):.3f}–{max(times):.3f}"
            print(f"{name:<72}{statistics.median(times):>9.3f}{spread:>14}{queries(row):>9}")
        print("summary " + json.dumps(result["summary"], ensure_ascii=False))
    if "doubled" in results:
        print("\ncold queries, plan → doubled:")
        for name, row in results["plan"]["rows"].items():
            other = results["doubled"]["rows"].get(name)
            if other:
                print(f"  {name:<70}{queries(row):>6} → {queries(other)}")


def queries(row):
    """The cold count; "7/6" when the process's first call needed more than the others."""
    first, *rest = row["queries"]
    later = max(rest) if rest else first
    return str(first) if first == later else f"{first}/{later}"


# The child: a database, a year of edits, the measures --------------------------------------


def child(args):
    SCRATCH.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{args.child}-", dir=SCRATCH))
    (folder / "static").mkdir()
    os.environ.update(
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        DJANGO_SECRET_KEY="benchmark-only-key",
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        DJANGO_MANIFEST_STATIC="0",
        DJANGO_LOG_LEVEL="ERROR",
        DJANGO_STATIC_ROOT=str(folder / "static"),
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    try:
        result = run(args, folder)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            shutil.rmtree(folder)
        else:
            log(f"kept {folder}")
    print(json.dumps(result))


def log(text):
    print(text, file=sys.stderr, flush=True)


def at(day, minutes=0):
    """A moment of `day` in Taipei: 09:00 plus `minutes`."""
    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(
        hours=9, minutes=minutes
    )


def run(args, folder):
    import time_machine
    from django.core.management import call_command
    from reversion.models import Revision, Version

    from plan.models import Plan

    call_command("migrate", verbosity=0)
    plan_file = PLAN_FILE
    if args.child == "doubled":
        from tests.factories import doubled

        plan_file = folder / f"{SLUG}.json"
        plan_file.write_text(json.dumps(doubled(json.loads(PLAN_FILE.read_text("utf-8")))))
    started = time.perf_counter()
    with time_machine.travel(at(LOAD_DAY), tick=False):
        call_command("load_plan", str(plan_file), verbosity=0, stdout=io.StringIO())
    plan = Plan.objects.get(slug=SLUG)
    year_of_edits(plan)
    build_s = time.perf_counter() - started
    result = {
        "nodes": plan.nodes.count(),
        "versions": Version.objects.count(),
        "revisions": Revision.objects.count(),
        "build_s": build_s,
    }
    log(f"{args.child}: built in {build_s:.0f} s: {result}")
    with time_machine.travel(at(MEASURE_DAY), tick=True):
        result.update(measure(plan, args))
    return result


# A year of edits ------------------------------------------------------------------------------


def year_of_edits(plan):
    import time_machine

    rng = random.Random(24)
    world = first_day_setup(plan, rng)
    operations = (
        [("text", rng.randint(2, YEAR - 1)) for _ in range(TEXT_EDITS)]
        + [("move", rng.randint(2, YEAR - 1)) for _ in range(MOVES)]
        + [("update", rng.randint(2, YEAR - 1)) for _ in range(UPDATES - CORRECTIONS)]
        + [("correction", rng.randint(60, YEAR - 1)) for _ in range(CORRECTIONS)]
        + [("draft", rng.randint(2, YEAR - 1)) for _ in range(DRAFTS)]
        + [("target", day) for day in (150, 250)][:TARGETS]
    )
    rng.shuffle(operations)
    operations.sort(key=lambda operation: operation[1])
    done = {}
    for number, (kind, offset) in enumerate(operations):
        day = LOAD_DAY + timedelta(days=offset)
        with time_machine.travel(at(day, number % 480), tick=False):
            EDITS[kind](plan, world, rng)
        done[kind] = done.get(kind, 0) + 1
        if number % 100 == 99:
            log(f"  {number + 1} edits, up to {day}")
    log(f"  edits: {done}")


def first_day_setup(plan, rng):
    import reversion
    import time_machine

    from plan.models import PlanNode
    from progress.models import Agency, Indicator, Responsibility, Schedule
    from tests.factories import published_after_review

    # The afternoon of the load day: the first day's end already shows them.
    with time_machine.travel(at(LOAD_DAY, 6 * 60), tick=False):
        with reversion.create_revision():
            agencies = [
                Agency.objects.create(
                    code=f"bench-{n}", name_zh_hant=f"測試機關{n}", name_en=f"Bench agency {n}"
                )
                for n in range(6)
            ]
        items = list(PlanNode.objects.filter(plan=plan, kind__in=["strategy", "action"]))
        lead = {}
        with reversion.create_revision():
            for i, item in enumerate(items):
                lead[item.pk] = agencies[i % len(agencies)]
                Responsibility.objects.create(node=item, agency=lead[item.pk], role="lead")
                Schedule.objects.create(
                    node=item, planned_start=date(2023, 1, 1), planned_end=date(2026, 12, 31)
                )
        indicators = []
        for i, item in enumerate(rng.sample([n for n in items if n.kind == "strategy"], 6)):
            targets = {
                str(year): {"target": str(100 + 20 * (year - 112))} for year in range(112, 116)
            }
            targets["113"]["actual"] = "118"
            indicators.append(
                published_after_review(
                    Indicator(
                        node=item,
                        key=f"bench-{i}",
                        name_zh_hant=f"測試指標{i}",
                        name_en=f"Bench indicator {i}",
                        unit_zh_hant="件",
                        direction="increase",
                        baseline_year=111,
                        baseline=Decimal(90),
                        values=targets,
                        source="https://example.org/indicator",
                    )
                )
            )
    return {
        "items": [item.pk for item in items],
        "lead": lead,
        "indicators": indicators,
        "percent": {},
        "current": [],  # published updates not corrected yet
    }


def text_edit(plan, world, rng):
    import reversion
    from django.utils import timezone

    from plan.models import PlanNode

    pool = PlanNode.objects.filter(plan=plan, kind__in=["vision", "strategy", "action"])
    item = rng.choice(list(pool))
    if rng.random() < 0.25:
        item.title_zh_hant = (item.title_zh_hant or "")[:40] + rng.choice("修訂調整強化推動")
        item.title_en = (item.title_en or "") + " (rev.)"
    else:
        body = item.body_zh_hant or ""
        if body and rng.random() < 0.6:
            start = rng.randrange(max(1, len(body) - 10))
            end = min(len(body), start + rng.randint(3, 12))
            body = body[:start] + "持續滾動檢討" + body[end:]
        else:
            body = body + f"本年度新增推動事項第{rng.randint(1, 99)}項，並定期檢討執行成效。"
        item.body_zh_hant = body
    with reversion.create_revision():
        item.edited_at = timezone.now()
        item.save()


def move(plan, world, rng):
    import reversion
    from django.utils import timezone

    from plan.history import MOVED, comment_for
    from plan.models import PlanNode

    kind = "action" if rng.random() < 0.25 else "strategy"
    items = list(PlanNode.objects.filter(plan=plan, kind=kind))
    node, target = rng.sample(items, 2)
    with reversion.create_revision():
        reversion.set_comment(comment_for(MOVED, "成為同層項目"))
        PlanNode.objects.move(node, target, pos="left")
        node.refresh_from_db()
        node.edited_at = timezone.now()
        node.save()


def _quarter_end_before(day):
    year, quarter_start_month = day.year, (day.month - 1) // 3 * 3 + 1
    return date(year, quarter_start_month, 1) - timedelta(days=1)


def new_update(plan, world, rng, publish=True):
    from django.utils import timezone

    from plan.models import PlanNode
    from progress.models import ProgressUpdate
    from tests.factories import published_after_review, saved_in_revision

    pk = rng.choice(world["items"])
    percent = min(100, world["percent"].get(pk, rng.randint(0, 30)) + rng.randint(0, 12))
    world["percent"][pk] = percent
    behind = rng.random() < 0.15
    update = ProgressUpdate(
        node=PlanNode.objects.get(pk=pk),
        date=_quarter_end_before(timezone.localdate()),
        status="completed" if percent == 100 else ("behind" if behind else "in_progress"),
        percent=Decimal(percent),
        summary_zh_hant=f"本季辦理進度{percent}%，持續推動。",
        summary_en=f"{percent}% done this quarter.",
        source=f"府授研字第{rng.randint(1, 999999):06d}號",
        agency=world["lead"][pk],
        reason_zh_hant="用地取得延宕" if behind and percent < 100 else "",
        remedy_zh_hant="協調相關機關加速辦理" if behind and percent < 100 else "",
    )
    if not publish:
        saved_in_revision(update, "draft")
        return
    world["current"].append(published_after_review(update))


def draft(plan, world, rng):
    new_update(plan, world, rng, publish=False)


def correct(plan, world, rng):
    from progress.review import correction
    from tests.factories import published_after_review

    old = world["current"].pop(rng.randrange(len(world["current"])))
    fixed = correction(old)
    fixed.percent = max(Decimal(0), fixed.percent - Decimal(rng.randint(1, 5)))
    fixed.summary_zh_hant = fixed.summary_zh_hant + "（更正）"
    world["current"].append(published_after_review(fixed))


def change_target(plan, world, rng):
    from progress.review import correction
    from tests.factories import published_after_review

    old = world["indicators"].pop(0)
    changed = correction(old)
    values = json.loads(json.dumps(changed.values))
    lowered = len(world["indicators"]) % 2 == 1
    values["115"]["target"] = "150" if lowered else "200"
    changed.values = values
    if lowered:
        changed.target_change_reason_zh_hant = "預算刪減，目標下修"
        changed.target_change_reason_en = "Budget cut"
    world["indicators"].append(published_after_review(changed))


EDITS = {
    "text": text_edit,
    "move": move,
    "update": new_update,
    "correction": correct,
    "draft": draft,
    "target": change_target,
}


# The measures --------------------------------------------------------------------------------


def cold():
    from django.core.cache import cache

    from portal.serving.caching import clear_process_caches

    cache.clear()
    clear_process_caches()


def timed_queries(function):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cold()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        value = function()
        seconds = time.perf_counter() - started
    return seconds, len(queries.captured_queries), value


def measure(plan, args):
    from django.contrib.contenttypes.models import ContentType
    from django.test import Client

    from portal.dated import comparison, first_day

    first, last = first_day(plan), LOAD_DAY + timedelta(days=YEAR - 1)
    log(f"first day {first}, last day {last}")
    rows, summary = {}, {}

    def repeat(name, function, check=None):
        seconds, queries = [], []
        for _ in range(args.rounds):
            s, q, value = timed_queries(function)
            if check:
                check(value)
            seconds.append(s)
            queries.append(q)
        rows[name] = {"seconds": seconds, "queries": queries}
        log(f"  {name}: {statistics.median(seconds):.3f} s, queries {queries}")
        return value

    def ok(response):
        assert response.status_code == 200, response.status_code

    # The dated pages first: the first request of the process is the coldest (Django's
    # ContentType cache emptied too, as in a worker that has just started).
    ContentType.objects.clear_cache()
    for path in ("", f"{STRATEGY}/", "full-text/"):
        url = f"/{SLUG}/as-of/{DATED_DAY}/{path}"
        repeat(f"(c) {url}", lambda u=url: Client().get(u), ok)
    for since, until in [(first, last), MID_PAIR]:
        found = repeat(
            f"(a) comparison() {since} → {until}", lambda s=since, u=until: comparison(plan, s, u)
        )
        summary[f"{since} → {until}"] = found["summary"]
    for since, until in [(first, last), MID_PAIR]:
        url = f"/{SLUG}/compare/?from={since}&to={until}"
        repeat(f"(b) {url}", lambda u=url: Client().get(u), ok)
    url = f"/en/{SLUG}/compare/?from={first}&to={last}"
    repeat(f"(b) {url}", lambda u=url: Client().get(u), ok)
    url = f"/data/{SLUG}/compare.json?from={first}&to={last}"
    repeat(f"(b) {url}", lambda u=url: Client().get(u), ok)
    # For scale: today's pages, rendered the same way (cold).
    for path in ("", f"{STRATEGY}/", "full-text/"):
        url = f"/{SLUG}/{path}"
        repeat(f"(live) {url}", lambda u=url: Client().get(u), ok)
    if args.profile:
        profile(plan, first, last)
    return {"rows": rows, "summary": summary}


def profile(plan, first, last):
    import cProfile
    import pstats

    from django.test import Client

    for label, function in [
        ("comparison()", lambda: __import__("portal.dated").dated.comparison(plan, first, last)),
        ("compare page", lambda: Client().get(f"/{SLUG}/compare/?from={first}&to={last}")),
    ]:
        cold()
        profiler = cProfile.Profile()
        profiler.enable()
        function()
        profiler.disable()
        log(f"\n--- cProfile: {label} (cumulative, top 30) ---")
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(30)
        log(f"--- {label} (own time, top 20) ---")
        stats.sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
