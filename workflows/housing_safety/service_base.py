"""What every prevention and resources service starts from: the engine it records through, the
plan's `prevention:` section, the plan's time zone, and the checks every command makes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from engine.errors import InvalidInput
from engine.service import IncidentService
from engine.timeutil import parse_instant
from workflows.housing_safety.prevention_config import Prevention, prevention


@dataclass
class OnRecord:
    incidents: IncidentService

    def __post_init__(self) -> None:
        self.plan = self.incidents.plan
        self.section: Prevention = prevention(self.plan)
        self.zone = ZoneInfo(self.plan.plan.timezone)

    def _actor(self, actor: str) -> None:
        if actor not in self.plan.actors:
            raise InvalidInput(f"actor: unknown actor '{actor}'")

    def _when(self, value: datetime | None, name: str = "at") -> datetime:
        """When something happened: default the engine's clock, never later than it."""
        now = self.incidents.now()
        at = parse_instant(value or now, name)
        if at > now:
            raise InvalidInput(f"{name}: is later than the engine's clock ({now.isoformat()})")
        return at
