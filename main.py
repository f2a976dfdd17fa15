"""Fang'an (房安) command line and composition root: `python main.py --help`.

The one place that chooses the parts: the kernel's commands (engine.cli), the accounts and the
server (web), and the workflow the plan file is run with. Nothing below imports upwards.

Each part is named by where it lives and imported when its command runs, so a command loads
only what it needs (`classify` no database, document or web module: tests/test_cli_imports.py);
`load_all` imports every part (the tables they declare, for the migrations' checks).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from engine import cli
from workflows.housing_safety import rules
from workflows.housing_safety.info_cli import report_draft

if TYPE_CHECKING:
    from engine.lifecycle import Workflow

_PREVENTION = "workflows.housing_safety.prevention_cli"
_DUTY = "workflows.housing_safety.duty_cli"
COMMANDS = {
    "user": "web.cli_users:users_app",
    "serve": "web.serve:serve_cmd",
    "stats": "workflows.housing_safety.figures_cli:stats",
    "call": f"{_DUTY}:call_app",
    "shift": f"{_DUTY}:shift_app",
    "handover": f"{_DUTY}:handover_app",
    **{
        name: f"{_PREVENTION}:{name}_app"
        for name in (
            "house",
            "appraisal",
            "warning",
            "shelter",
            "expert",
            "rescue",
            "fund",
            "check",
            "drill",
        )
    },
}


def _workflow() -> Workflow:
    from workflows.housing_safety import WORKFLOW

    found: Workflow = WORKFLOW
    return found


WORKFLOW = cli.LazyWorkflow(rules, _workflow)
app = cli.app
cli.incident_app.command("report-draft")(report_draft)


def load_all() -> None:
    """Import every part the command line names (and so every table they declare)."""
    _workflow()
    for target in COMMANDS.values():
        module, _, attr = target.partition(":")
        getattr(importlib.import_module(module), attr)


def main(argv: list[str] | None = None, workflow: Workflow | cli.LazyWorkflow = WORKFLOW) -> None:
    cli.run(app, workflow, argv, lazy=COMMANDS)


if __name__ == "__main__":
    main()
