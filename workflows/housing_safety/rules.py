"""The workflow's pure parts: the grading (§1.5, §1.6) and what the plan file must give it.

A command that only reads the plan and computes (`classify`) takes these without the table of
actions, whose effects need the record, the database and the documents
(tests/test_cli_imports.py keeps this module free of them).
"""

from __future__ import annotations

from engine.plan import Plan, PlanError
from workflows.housing_safety import info_reports_config, prevention_config
from workflows.housing_safety.grading import classify_facts

# What starts a deadline (config `deadlines.*.starts_on`): intake, the first verification, a
# level coming into force, and each occasion the city HQ must be asked.
TRIGGERS = frozenset(
    {"reported", "verified", "level_III", "level_II", "level_I", "level_I_or_beyond_scope"}
)

# The parts of the §5.2 report the workflow drafts (report.DRAFTERS has one drafter for each).
REPORT_PARTS = (
    "unit_overview",
    "course_and_rescue",
    "casualties_and_loss",
    "cause_and_nature",
    "responsibility_and_handling",
    "prevention_and_rectification",
)

classify = classify_facts


def check(plan: Plan) -> None:
    """What the plan file must give this workflow beyond its own schema."""
    for key in plan.investigation.report_sections.items:
        if key not in REPORT_PARTS:
            raise PlanError(
                f"investigation.report_sections.items.{key}: no drafter for this "
                f"part (the workflow drafts: {', '.join(REPORT_PARTS)})"
            )
    prevention_config.prevention(plan)  # §3 and §6: the workflow's own section of the file
    info_reports_config.config(plan)  # §4.2: the information reports' kinds
    for code, rule in plan.deadlines.items():
        if rule.starts_on not in TRIGGERS:
            raise PlanError(
                f"deadlines.{code}.starts_on: '{rule.starts_on}' is not an event "
                f"of this workflow (known: {', '.join(sorted(TRIGGERS))})"
            )
