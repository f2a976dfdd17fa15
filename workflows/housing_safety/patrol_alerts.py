"""Alerts on a registered house's deadlines (its patrol, a major hazard's §3.2 report, a
warning's inspection of it, §3.5).

Registered with the kernel's subject timers (`engine.subjects`) when the workflow is loaded, so
every process that runs the workflow — `serve`, `tick` — fires them: on the house's record, and
as messages through the outbox.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from documents.formatting import cn_datetime_text
from engine import escalation, subjects
from engine.notices import Rendered
from engine.outbox import Outbox, insert
from engine.plan import Plan
from workflows.housing_safety.prevention_config import prevention
from workflows.housing_safety.prevention_tables import House, HouseEvent
from workflows.housing_safety.warning_tables import InspectionTask

HOUSE = "house"
PATROL = "patrol"
HAZARD_REPORT = "major_hazard_report"
# A warning's inspection task (§3.5): subject kind and deadline code both.
INSPECTION = "inspection"
PATROL_NAME = "危险房屋日常巡查（巡查周期为本系统设定）"
INSPECTION_NAME = "预警期间危险房屋排查（排查时限为本系统设定）"


def house_alert(
    session: Session,
    plan: Plan,
    row: subjects.SubjectDeadline,
    alert: escalation.DueAlert,
    at: datetime,
    outbox: Outbox | None,
) -> None:
    """A reminder or an overdue alert: an event on the house's record and one message to each
    recipient."""
    if row.subject_kind == INSPECTION:
        task = session.get(InspectionTask, row.subject_id)
        assert task is not None
        house = session.get(House, task.house_id)
        name = INSPECTION_NAME
    else:
        house = session.get(House, row.subject_id)
        name = (
            prevention(plan).major_hazard_report.name if row.code == HAZARD_REPORT else PATROL_NAME
        )
    assert house is not None and house.id is not None
    session.add(
        HouseEvent(
            house_id=house.id,
            at=at,
            recorded_at=at,
            actor="system",
            kind=f"alert_{alert.kind}",
            data={
                "deadline": row.code,
                "occasion": row.occasion,
                "step": alert.step,
                "recipients": list(alert.recipients),
                "due_at": row.due_at.isoformat(),
            },
        )
    )
    if outbox is None:
        return
    due = cn_datetime_text(row.due_at, ZoneInfo(plan.plan.timezone))
    word = "提醒" if alert.kind == "reminder" else f"超时告警（第{alert.step}级）"
    state = "即将到期，请按时完成。" if alert.kind == "reminder" else "已超时未完成，请立即督办。"
    rendered = Rendered(
        f"【{word}】{name}：{house.address}",
        f"{house.address}（{plan.streets.items[house.street]}）的“{name}”时限为{due}，{state}",
    )
    for recipient in alert.recipients:
        insert(
            session,
            outbox.about(
                f"{HOUSE}:{house.id}",
                recipient,
                f"alert_{alert.kind}",
                rendered,
                f"{row.subject_kind}:{row.subject_id}:{row.code}#{row.occasion}:"
                f"{alert.kind}:{alert.step}",
                at,
            ),
        )


# The workflow's `subject_alerts`: what writes the alerts on a house's and a task's deadlines.
HANDLERS: dict[str, subjects.Handler] = {HOUSE: house_alert, INSPECTION: house_alert}
