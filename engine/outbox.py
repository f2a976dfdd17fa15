"""The transactional outbox: what must be said to whom, written with the event that causes it.

A notice, an alert or a re-send becomes one `Delivery` row per contact, in the same transaction
as the notice or the fired alert, so a crash can never leave an event without its messages or a
message without its event. `engine.delivery` sends them later, with retries.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session

from documents.formatting import cn_datetime_text
from engine.acklinks import AckLinks
from engine.contacts import ContactRole, Directory
from engine.deadlines import Deadline
from engine.models import Delivery, Incident, Notice
from engine.notices import NoticeRenderer, Rendered
from engine.plan import Plan
from engine.timeutil import as_utc

Row = dict[str, Any]


class Outbox:
    def __init__(
        self,
        plan: Plan,
        directory: Directory,
        renderer: NoticeRenderer,
        ack_links: AckLinks | None = None,
    ) -> None:
        self.plan = plan
        self.directory = directory
        self.renderer = renderer
        self.ack_links = ack_links
        self.zone = ZoneInfo(plan.plan.timezone)

    def notice(self, session: Session, incident: Incident, notice: Notice) -> None:
        """A unit's notice, with its acknowledgement link when it needs one."""
        assert notice.id is not None and incident.id is not None
        ack_url = None
        if self.ack_links is not None and notice.ack_due_at is not None:
            ack_url = self.ack_links.url(incident.id, notice.id, notice.unit, notice.sent_at)
        rendered = self.renderer.issued(notice, incident, ack_url)
        insert(
            session,
            self._rows(
                incident,
                notice.unit,
                "primary",
                notice.kind,
                rendered,
                f"notice:{notice.id}",
                notice.sent_at,
                notice.id,
            ),
        )

    def resend(self, incident: Incident, notice: Notice, at: datetime) -> list[Row]:
        """An unacknowledged notice again, as it was sent, to the unit's backup contacts."""
        assert notice.id is not None and incident.id is not None
        original = self.renderer.issued(notice, incident)
        rendered = self.renderer.render(
            "resend",
            incident,
            notice.unit,
            {
                "original_subject": original.subject,
                "original_body": original.body,
                "sent_text": cn_datetime_text(as_utc(notice.sent_at), self.zone),
                "wait_minutes": self.plan.alerts.acknowledgement_minutes,
            },
            at,
        )
        return self._rows(
            incident,
            notice.unit,
            "backup",
            "resend",
            rendered,
            f"resend:{notice.id}",
            at,
            notice.id,
        )

    def alert(
        self,
        incident: tuple[int, bool],
        deadline: Deadline,
        kind: str,
        step: int,
        recipients: tuple[str, ...],
        at: datetime,
        after_response: bool = False,
    ) -> list[Row]:
        """Messages for a fired alert to `incident` = (id, drill), written unrendered;
        `after_response`: the report is owed after the response ended (a late report)."""
        rule = self.plan.deadlines[deadline.code]
        data = {
            "after_response": after_response,
            "deadline_name": rule.name,
            "clause": rule.clause,
            "local_policy": rule.local_policy,
            "due_text": cn_datetime_text(as_utc(deadline.due_at), self.zone),
            "step": step,
            "waiting_names": "、".join(self.plan.actor_name(r) for r in deadline.waiting_on()),
            "responsible_name": self.plan.actor_name(rule.responsible),
        }
        rows: list[Row] = []
        code = deadline.code if deadline.occasion == 1 else f"{deadline.code}#{deadline.occasion}"
        for recipient in recipients:
            template = {
                "kind": f"alert_{kind}",
                "recipient": recipient,
                "data": data,
                "at": at.isoformat(),
            }
            rows += self._rows(
                incident,
                recipient,
                "primary",
                f"alert_{kind}",
                None,
                f"alert:{code}:{kind}:{step}",
                at,
                None,
                template,
            )
        return rows

    def about(
        self, subject: str, recipient: str, kind: str, rendered: Rendered, key: str, at: datetime
    ) -> list[Row]:
        """Messages, rendered by the workflow, about a subject other than an incident
        (`engine.subjects`; `subject` is "kind:id")."""
        rows = self._rows(
            (None, False), recipient, "primary", kind, rendered, f"{subject}:{key}", at, None
        )
        return [{**row, "about": subject} for row in rows]

    def render_pending(self, delivery: Delivery, incident: Incident) -> None:
        """Render a message written unrendered (an alert) in place, before its first send."""
        template = delivery.template
        if template is None:
            return
        rendered = self.renderer.render(
            template["kind"],
            incident,
            template["recipient"],
            template["data"],
            datetime.fromisoformat(template["at"]),
        )
        delivery.subject, delivery.body, delivery.template = (rendered.subject, rendered.body, None)

    def _failure(self, failed: Delivery) -> dict[str, Any]:
        return {
            "original_subject": failed.subject,
            "recipient_name": self.plan.actor_name(failed.recipient),
            "channel": failed.channel,
            "address": failed.address,
            "attempts": failed.attempts,
            "error": failed.last_error,
        }

    def delivery_failed(
        self, session: Session, incident: Incident, failed: Delivery, at: datetime
    ) -> None:
        """A message that exhausted its retries becomes an alert to the duty officer."""
        desk = self.plan.plan.duty_desk
        rendered = self.renderer.render(
            "delivery_failed", incident, desk, self._failure(failed), at
        )
        insert(
            session,
            self._rows(
                incident,
                desk,
                "primary",
                "delivery_failed",
                rendered,
                f"failed:{failed.id}",
                at,
                None,
            ),
        )

    def subject_failed(self, session: Session, failed: Delivery, at: datetime) -> None:
        """The same alert for a message about a subject (`about`): about that subject too, so
        the desk's views can say which one it was."""
        assert failed.about is not None
        desk = self.plan.plan.duty_desk
        rendered = self.renderer.render_about("delivery_failed", desk, self._failure(failed), at)
        rows = self._rows(
            (None, False),
            desk,
            "primary",
            "delivery_failed",
            rendered,
            f"{failed.about}:failed:{failed.id}",
            at,
            None,
        )
        insert(session, [{**row, "about": failed.about} for row in rows])

    def _rows(
        self,
        incident: Incident | tuple[int | None, bool],
        recipient: str,
        role: ContactRole,
        kind: str,
        rendered: Rendered | None,
        key: str,
        at: datetime,
        notice_id: int | None,
        template: Row | None = None,
    ) -> list[Row]:
        """One delivery row per contact of the recipient (drills to the drill channel).
        `incident` may be just its (id, drill), which is all a message row needs (no id: the
        message is about no incident, and `key` names what it is about)."""
        incident_id, drill = (
            incident if isinstance(incident, tuple) else (incident.id, incident.drill)
        )
        drill_channel = self.directory.drill_channel if drill else None
        rows: list[Row] = []
        for contact in self.directory.contacts_for(recipient, role):
            channel = drill_channel or contact.channel
            identity = f"{incident_id}:{key}:{recipient}:{role}:{channel}:{contact.address}"
            rows.append(
                {
                    "incident_id": incident_id,
                    "notice_id": notice_id,
                    "recipient": recipient,
                    "contact_role": role,
                    "channel": channel,
                    "address": contact.address,
                    "kind": kind,
                    "subject": rendered.subject if rendered else "",
                    "body": rendered.body if rendered else "",
                    "template": template,
                    "idempotency_key": "fangan-"
                    + hashlib.sha256(identity.encode()).hexdigest()[:40],
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": at,
                    "created_at": at,
                }
            )
        return rows


def insert(session: Session, rows: list[Row]) -> None:
    if rows:
        session.execute(sa.insert(Delivery), rows)
