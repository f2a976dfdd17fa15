"""Fang'an (房安) command line and composition root: `python main.py --help`.

The one place that chooses the parts: the kernel's commands (engine.cli), the accounts and the
server (web), and the workflow the plan file is run with. Nothing below imports upwards.
"""

from __future__ import annotations

from engine import cli
from engine.lifecycle import Workflow
from web.cli_users import users_app
from web.serve import serve_cmd
from workflows.housing_safety import WORKFLOW, prevention_cli
from workflows.housing_safety.duty_cli import call_app, handover_app, shift_app
from workflows.housing_safety.figures_cli import stats
from workflows.housing_safety.info_cli import report_draft

app = cli.app
app.add_typer(users_app, name="user")
app.command("serve")(serve_cmd)
app.command("stats")(stats)
cli.incident_app.command("report-draft")(report_draft)
app.add_typer(call_app, name="call")
app.add_typer(shift_app, name="shift")
app.add_typer(handover_app, name="handover")
for name, sub_app in prevention_cli.sub_apps().items():
    app.add_typer(sub_app, name=name)


def main(argv: list[str] | None = None, workflow: Workflow = WORKFLOW) -> None:
    cli.run(app, workflow, argv)


if __name__ == "__main__":
    main()
