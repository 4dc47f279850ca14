"""Benchmark data (never loaded by default, never shipped as facts): every strategy and
action item of every plan gets a lead agency, 3 indicators and 8 published updates, all
marked 示範資料 / sample.

    DATABASE_URL=… .venv/bin/python manage.py shell -c "exec(open('bench/progress_data.py').read())"
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from plan.models import PlanNode
from progress.models import Agency, Indicator, ProgressUpdate, Responsibility

SAMPLE = "示範資料"
STATUSES = ["in_progress", "in_progress", "behind", "completed", "not_started"]

with transaction.atomic():
    agencies = [
        Agency.objects.create(
            code=f"sample-{n}", name_zh_hant=f"{SAMPLE}機關{n}", name_en=f"Sample agency {n}"
        )
        for n in range(8)
    ]
    nodes = PlanNode.objects.filter(kind__in=["strategy", "action"]).select_related("plan")
    updates, indicators, responsibilities = [], [], []
    for index, node in enumerate(nodes):
        agency = agencies[index % len(agencies)]
        responsibilities.append(Responsibility(node=node, agency=agency, role="lead"))
        for n in range(8):
            status = STATUSES[(index + n) % len(STATUSES)]
            updates.append(
                ProgressUpdate(
                    node=node,
                    date=date(2023, 3, 31) + timedelta(days=91 * n),
                    status=status,
                    percent=Decimal(min(100, 8 * n + index % 20)),
                    summary_zh_hant=f"{SAMPLE}：第 {n + 1} 次填報",
                    summary_en=f"Sample: report {n + 1}",
                    source=f"{SAMPLE} 府字第{index:04d}{n}號",
                    agency=agency,
                    reason=SAMPLE if status == "behind" else "",
                    remedy=SAMPLE if status == "behind" else "",
                    state="published",
                )
            )
        for n in range(3):
            years = range(node.plan.term_start_roc, node.plan.term_end_roc + 1)
            indicators.append(
                Indicator(
                    node=node,
                    key=f"{node.ref}-{n}",
                    name_zh_hant=f"{SAMPLE}指標{n}",
                    name_en=f"Sample indicator {n}",
                    unit_zh_hant="件",
                    direction="increase",
                    values={
                        str(y): {"target": str(10 * (i + 1)), "actual": str(9 * (i + 1))}
                        for i, y in enumerate(years)
                    },
                    source=SAMPLE,
                    state="published",
                )
            )
    Responsibility.objects.bulk_create(responsibilities)
    ProgressUpdate.objects.bulk_create(updates)
    Indicator.objects.bulk_create(indicators)
print(f"sample progress: {len(updates)} updates, {len(indicators)} indicators")
