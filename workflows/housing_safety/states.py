"""The lifecycle's states (SPEC §4): which are open, and when the on-site command is at work."""

from __future__ import annotations

from typing import Any

OPEN_STATES = (
    "reported",
    "active",
    "danger_eliminated",
    "termination_proposed",
    "termination_approved",
    "terminated",
    "investigating",
)
STATES = (*OPEN_STATES, "closed", "dismissed", "merged")
# While the response is on, the on-site command (§4.3) is at work and may be reorganised.
RESPONSE_STATES = ("active", "danger_eliminated", "termination_proposed", "termination_approved")

# The step the plan's procedure takes next from each state (§4.1–§4.4, §5): the console's banner
# offers it when no deadline or notice is more pressing. Alternatives (dismiss, raise_level …)
# stay in the actions panel.
MAIN_PATH: dict[str, tuple[str, ...]] = {
    "reported": ("verify", "activate"),
    "active": ("eliminate_danger",),
    "danger_eliminated": ("propose_termination",),
    "termination_proposed": ("approve_termination",),
    "termination_approved": ("announce_termination",),
    "terminated": ("start_investigation", "close"),
    "investigating": ("submit_report", "close"),
}


def next_actions(incident: dict[str, Any]) -> list[str]:
    """The procedure's next actions for an incident view (SPEC §5) that it makes available now:
    verification is offered once, and closing an investigation only after its report."""
    path = list(MAIN_PATH.get(incident["state"], ()))
    if incident["state"] == "reported" and incident.get("verified_at"):
        path.remove("verify")
    investigation = incident.get("investigation") or {}
    if incident["state"] == "investigating" and not investigation.get("submitted_at"):
        path.remove("close")
    return [a for a in path if a in incident["available_actions"]]
