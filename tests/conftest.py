import json
import os
import shutil
from pathlib import Path

import pytest

# live_server runs Django in a thread while Playwright's sync API holds an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
PLAN_FILE = ROOT / "fixtures" / "kaohsiung-112-115.json"
SLUG = "kaohsiung-112-115"


@pytest.fixture(scope="session")
def plan_file_data():
    return json.loads(PLAN_FILE.read_text("utf-8"))


@pytest.fixture
def plan(db, plan_file_data):
    """The 112–115 plan loaded from its fixture, as `load_plan` loads it."""
    from plan.exchange import create_plan

    return create_plan(plan_file_data)


@pytest.fixture
def tree(plan):
    from plan.tree import PlanTree

    return PlanTree.load(plan)


def chromium_path():
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
