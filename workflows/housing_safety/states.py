"""The lifecycle's states (SPEC §4): which are open, and when the on-site command is at work."""

from __future__ import annotations

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
