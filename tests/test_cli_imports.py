"""A command imports only what it needs (issue 9: `classify` in under half a second).

`classify` reads the plan and grades facts: it must not load the database layer, the documents,
Alembic or the web stack. Checked on the import log of a real process (`-X importtime`), not on
a timing, so the test holds on a loaded machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from workflows.housing_safety import report, rules

MAIN = Path(__file__).resolve().parents[1] / "main.py"
HEAVY = ("web", "documents", "weasyprint", "alembic", "fastapi", "starlette", "sqlalchemy")


def imported_by(*args: str, stdin: str = "") -> set[str]:
    """Every module `python main.py ARGS` imported, from its `-X importtime` log."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANGAN_")}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", str(MAIN), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["grade"]
    return {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def test_classify_imports_no_database_document_or_web_module() -> None:
    facts = json.dumps({"condition": "partial_collapse", "dead": 2, "missing": 1})
    modules = imported_by("classify", stdin=facts)
    assert "engine.cli" in modules and "workflows.housing_safety.grading" in modules
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert heavy == []
    assert "workflows.housing_safety.workflow" not in modules  # the table of actions


def test_the_plan_check_knows_every_part_the_report_drafts() -> None:
    """`rules.check` refuses a report part without a drafter by `REPORT_PARTS`, which must be
    exactly the parts `report.DRAFTERS` drafts."""
    assert tuple(report.DRAFTERS) == rules.REPORT_PARTS
