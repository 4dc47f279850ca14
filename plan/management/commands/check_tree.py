"""Check every plan's tree for structural problems (treebeard's find_problems and our rules).

    python manage.py check_tree        # exit status 1 when anything is wrong

CI runs it on the loaded fixtures; staff can run it on production at any time.
"""

from django.core.management.base import BaseCommand, CommandError

from plan.models import Plan, PlanNode

PROBLEMS = (
    "bad alphabet in paths",
    "bad path lengths",
    "orphaned nodes",
    "wrong depth",
    "wrong child counts",
)


class Command(BaseCommand):
    help = "Check the plan trees for structural problems."

    def handle(self, **options):
        problems = []
        for label, ids in zip(PROBLEMS, PlanNode.objects.find_problems(), strict=True):
            if ids:
                problems.append(f"{label}: node ids {sorted(ids)}")
        for node in PlanNode.objects.all().only("pk", "kind", "depth", "plan_id", "path"):
            if node.depth != PlanNode.DEPTH[node.kind]:
                problems.append(f"node {node.pk}: a {node.kind} at level {node.depth}")
        for plan in Plan.objects.all():
            goals = PlanNode.objects.filter(plan=plan, depth=1).count()
            if goals != 1:
                problems.append(f"plan {plan.slug}: {goals} goals (expected 1)")
        roots = dict(PlanNode.objects.filter(depth=1).values_list("path", "plan_id"))
        for node in PlanNode.objects.filter(depth__gt=1).only("pk", "path", "plan_id"):
            if roots.get(node.path[: PlanNode.steplen]) != node.plan_id:
                problems.append(f"node {node.pk}: under another plan's goal")
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} problem(s) found")
        self.stdout.write(
            f"{PlanNode.objects.count()} nodes in {Plan.objects.count()} plan(s): no problems"
        )
