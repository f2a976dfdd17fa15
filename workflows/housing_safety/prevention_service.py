"""The register, patrols and appraisals on the record: each command one transaction.

Registering a house writes the house, its first patrol deadline (`engine.subjects`) and the
message to its street office (the outbox) together; an import of many rows writes all of them or,
when any row is wrong, none, and names every problem (row, column, reason).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from documents.formatting import cn_datetime_text
from engine import subjects
from engine.errors import InvalidInput, NotFound
from engine.models import Incident
from engine.notices import Rendered
from engine.outbox import Outbox, insert
from engine.schemas import Flag, Id, Input, Instant, Text, validate
from engine.timeutil import local_iso
from workflows.housing_safety import prevention as rules
from workflows.housing_safety.patrol_alerts import HAZARD_REPORT, HOUSE, PATROL
from workflows.housing_safety.prevention_tables import Appraisal, House, HouseEvent, Patrol
from workflows.housing_safety.service_base import OnRecord

UNKNOWN = "不详（待核实）"


class InvalidRows(InvalidInput):
    """A register file with bad rows: every one is named, nothing is imported."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        first = problems[0]
        super().__init__(
            f"{len(problems)} problem(s) in the file, nothing imported; first: "
            f"row {first['row']}, column {first['column']}: {first['reason']}"
        )
        self.problems = problems

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "problems": self.problems}


class PatrolIn(Input):
    at: Instant | None = None
    patroller: Text
    findings: Text
    major_hazard: Flag = False
    # Open an incident prefilled from the house (a major hazard found on patrol).
    open_incident: Flag = False
    condition: str = "hidden_danger"


class AppraisalIn(Input):
    agency: Text
    house_id: Id | None = None
    incident_id: Id | None = None
    at: Instant | None = None


class AppraisalResult(Input):
    grade: str
    report_number: Text
    appraised_on: rules.Day
    disposition: str | None = None


class HazardReportIn(Input):
    to: str
    at: Instant | None = None


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


class PreventionService(OnRecord):
    # -- register ------------------------------------------------------------------------

    def _checked(self, raw: object) -> tuple[dict[str, Any] | None, list[rules.Problem]]:
        if not isinstance(raw, dict):
            return None, [rules.Problem("input", "expected a JSON object")]
        return rules.check_house(self.plan, self.section, raw, self.incidents.now().date())

    def register(self, data: object, actor: str) -> dict[str, Any]:
        values, problems = self._checked(data)
        if values is None:
            raise InvalidInput("; ".join(f"{p.field}: {p.reason}" for p in problems))
        self._actor(actor)
        with self.incidents.transaction() as session:
            house = self._add(session, values, actor)
            return self._view(session, house)

    def import_rows(
        self, rows: list[tuple[int, dict[str, Any]]], actor: str, columns: dict[str, str]
    ) -> list[int]:
        """Register every row, or none: `InvalidRows` lists each problem with its row number
        and its column's heading (`columns`: field → heading)."""
        self._actor(actor)
        checked, problems = [], []
        for number, raw in rows:
            values, found = self._checked(raw)
            problems += [
                {
                    "row": number,
                    "column": columns.get(p.field, p.field),
                    "field": p.field,
                    "reason": p.reason,
                }
                for p in found
            ]
            checked.append(values)
        if not rows:
            raise InvalidInput("file: no house rows below the heading")
        if problems:
            raise InvalidRows(problems)
        with self.incidents.transaction() as session:
            return [
                self._add(session, values, actor).id or 0
                for values in checked
                if values is not None
            ]

    def _add(self, session: Session, values: dict[str, Any], actor: str) -> House:
        now = self.incidents.now()
        house = House(**values, registered_at=now, registered_by=actor)
        session.add(house)
        session.flush()
        assert house.id is not None
        self._event(
            session,
            house,
            "registered",
            actor,
            now,
            {k: plain(v) for k, v in values.items() if v is not None},
        )
        self._start_patrol(session, house, now)
        notify = self.section.danger_register.notify
        street = self.plan.streets.items[house.street]
        grade = self._grade_text(house.grade)
        body = (
            f"{street}办事处：\n区房管局已将下列房屋登记入危险房屋清册（§3.2），请知悉并配合日常巡查、"
            f"督促房屋安全责任人及时排除隐患。\n地址：{house.address}\n鉴定等级：{grade}\n"
            f"处理建议：{self._disposition_text(house.disposition)}\n"
            f"房屋安全责任人：{house.responsible or UNKNOWN}"
            f"（{house.responsible_phone or UNKNOWN}）\n"
            f"登记时间：{cn_datetime_text(now, self.zone)}"
        )
        self._message(
            session,
            house,
            notify,
            "house_registered",
            Rendered(f"危险房屋登记通报：{street} {house.address}", body),
            now,
            "registered",
        )
        return house

    def _grade_text(self, grade: str | None) -> str:
        if grade is None:
            return "未鉴定"
        return self.section.appraisal_grades.items[grade].name

    def _disposition_text(self, code: str | None) -> str:
        return "未定" if code is None else self.section.dispositions.items[code]

    def _message(
        self,
        session: Session,
        house: House,
        recipient: str,
        kind: str,
        rendered: Rendered,
        at: datetime,
        key: str,
    ) -> None:
        outbox: Outbox = self.incidents.outbox
        rows = outbox.about(f"{HOUSE}:{house.id}", recipient, kind, rendered, key, at)
        insert(session, rows)
        self._event(
            session,
            house,
            "message",
            "system",
            at,
            {"to": recipient, "kind": kind, "subject": rendered.subject, "deliveries": len(rows)},
        )

    def _event(
        self,
        session: Session,
        house: House,
        kind: str,
        actor: str,
        at: datetime,
        data: dict[str, Any],
    ) -> None:
        assert house.id is not None
        session.add(
            HouseEvent(
                house_id=house.id,
                at=at,
                recorded_at=self.incidents.now(),
                actor=actor,
                kind=kind,
                data=data,
            )
        )

    # -- patrols -------------------------------------------------------------------------

    def _start_patrol(self, session: Session, house: House, since: datetime) -> None:
        assert house.id is not None
        patrols = self.section.patrols
        subjects.start(
            session,
            subjects.Start(
                HOUSE,
                house.id,
                PATROL,
                since,
                rules.next_patrol_due(self.section, house.grade, since),
                (patrols.responsible,),
                patrols.policy(),
            ),
        )

    def record_patrol(self, house_id: int, data: object, actor: str) -> dict[str, Any]:
        """A patrol meets the house's patrol deadline and starts the next; a major hazard starts
        the §3.2 report and may open an incident prefilled from the house."""
        self._actor(actor)
        payload: PatrolIn = validate(PatrolIn, data)
        now = self.incidents.now()
        at = self._when(payload.at)
        if payload.open_incident and not payload.major_hazard:
            raise InvalidInput("open_incident: only for a patrol that found a major hazard")
        if payload.condition not in self.plan.conditions:
            raise InvalidInput(f"condition: unknown condition '{payload.condition}'")
        with self.incidents.reading() as session:
            house = self._house(session, house_id)
            address, street = house.address, house.street
        incident_id = None
        if payload.open_incident:
            incident = self.incidents.report(
                {
                    "address": address,
                    "street": street,
                    "condition": payload.condition,
                    "discovered_at": at.isoformat(),
                    "reporter": payload.patroller,
                    "description": f"日常巡查发现重大安全隐患（危险房屋清册第{house_id}号）："
                    f"{payload.findings}",
                },
                actor=actor,
            )
            incident_id = incident["id"]
        with self.incidents.transaction() as session:
            house = self._house(session, house_id)
            patrol = Patrol(
                house_id=house_id,
                at=at,
                recorded_at=now,
                actor=actor,
                patroller=payload.patroller,
                findings=payload.findings,
                major_hazard=payload.major_hazard,
                incident_id=incident_id,
            )
            session.add(patrol)
            met = subjects.meet(session, HOUSE, house_id, PATROL, at)
            house.last_patrol_at = max(at, house.last_patrol_at or at)
            session.add(house)
            self._event(
                session,
                house,
                "patrol",
                actor,
                at,
                {
                    "patroller": payload.patroller,
                    "findings": payload.findings,
                    "major_hazard": payload.major_hazard,
                    "incident_id": incident_id,
                    "met": [row.occasion for row in met],
                },
            )
            self._start_patrol(session, house, house.last_patrol_at)
            if payload.major_hazard:
                self._start_hazard_report(session, house, at, payload.findings)
            return self._view(session, house)

    def _start_hazard_report(
        self, session: Session, house: House, at: datetime, findings: str
    ) -> None:
        assert house.id is not None
        report = self.section.major_hazard_report
        due = at + timedelta(minutes=report.within_minutes)
        subjects.start(
            session,
            subjects.Start(
                HOUSE, house.id, HAZARD_REPORT, at, due, tuple(report.recipients), report.policy()
            ),
        )
        names = "、".join(self.plan.actor_name(r) for r in report.recipients)
        self._message(
            session,
            house,
            report.responsible,
            "major_hazard_found",
            Rendered(
                f"巡查发现重大安全隐患：{house.address}",
                f"{house.address}（{self.plan.streets.items[house.street]}）"
                f"巡查发现重大安全隐患：{findings}\n"
                f"请于{cn_datetime_text(due, self.zone)}前向{names}报告"
                "（§3.2；时限为本系统设定）。",
            ),
            at,
            f"hazard:{at.isoformat()}",
        )

    def record_hazard_report(self, house_id: int, data: object, actor: str) -> dict[str, Any]:
        """A §3.2 report made to 区人民政府 or 市房屋主管部门 about the house's major hazard."""
        self._actor(actor)
        payload: HazardReportIn = validate(HazardReportIn, data)
        report = self.section.major_hazard_report
        if payload.to not in report.recipients:
            raise InvalidInput(f"to: must be one of {', '.join(report.recipients)}")
        at = self._when(payload.at)
        with self.incidents.transaction() as session:
            house = self._house(session, house_id)
            touched = subjects.record_report(
                session, HOUSE, house_id, HAZARD_REPORT, payload.to, at
            )
            if not touched:
                raise InvalidInput(
                    f"to: no open major-hazard report of house {house_id} waits on {payload.to}"
                )
            self._event(session, house, "hazard_reported", actor, at, {"to": payload.to})
            return self._view(session, house)

    # -- appraisals ----------------------------------------------------------------------

    def commission_appraisal(self, data: object, actor: str) -> dict[str, Any]:
        """A safety appraisal commissioned (§4.1.1) for a registered house or an incident."""
        self._actor(actor)
        payload: AppraisalIn = validate(AppraisalIn, data)
        if (payload.house_id is None) == (payload.incident_id is None):
            raise InvalidInput("house_id: give exactly one of house_id and incident_id")
        at = self._when(payload.at)
        with self.incidents.transaction() as session:
            if payload.house_id is not None:
                house = self._house(session, payload.house_id)
                address, street = house.address, house.street
            else:
                incident = session.get(Incident, payload.incident_id)
                if incident is None:
                    raise NotFound(f"incident {payload.incident_id} not found")
                address, street = incident.address, incident.street
            row = Appraisal(
                house_id=payload.house_id,
                incident_id=payload.incident_id,
                address=address,
                street=street,
                agency=payload.agency,
                commissioned_at=at,
                commissioned_by=actor,
            )
            session.add(row)
            session.flush()
            return appraisal_view(row)

    def record_appraisal(self, appraisal_id: int, data: object, actor: str) -> dict[str, Any]:
        """The appraisal's result; a C or D result puts the house on the register (a house
        already there takes the new grade, and its patrol interval with it)."""
        self._actor(actor)
        payload: AppraisalResult = validate(AppraisalResult, data)
        grades = {c: g.name for c, g in self.section.appraisal_grades.items.items()}
        grade, problem = rules.resolve_code(payload.grade, grades, "grade")
        disposition, bad = rules.resolve_code(
            payload.disposition, self.section.dispositions.items, "disposition"
        )
        if problem or bad or grade is None:
            raise InvalidInput(f"grade: {problem}" if problem else f"disposition: {bad}")
        now = self.incidents.now()
        with self.incidents.transaction() as session:
            row = session.get(Appraisal, appraisal_id)
            if row is None:
                raise NotFound(f"appraisal {appraisal_id} not found")
            if row.grade is not None:
                raise InvalidInput(f"appraisal {appraisal_id}: its result is already recorded")
            row.grade, row.report_number = grade, payload.report_number
            row.appraised_on, row.recorded_at = payload.appraised_on, now
            house = session.get(House, row.house_id) if row.house_id else None
            if house is None and rules.registers(self.section, grade):
                # Who is responsible is not known from the appraisal: left unknown (待核实).
                house = self._add(
                    session,
                    {
                        "address": row.address,
                        "street": row.street,
                        "grade": grade,
                        "appraisal_body": row.agency,
                        "report_number": payload.report_number,
                        "appraised_on": payload.appraised_on,
                        "disposition": disposition,
                    },
                    actor,
                )
                row.house_id = house.id
            elif house is not None:
                house.grade, house.appraisal_body = grade, row.agency
                house.report_number, house.appraised_on = payload.report_number, row.appraised_on
                house.disposition = disposition or house.disposition
                session.add(house)
                self._event(
                    session,
                    house,
                    "appraised",
                    actor,
                    now,
                    {"grade": grade, "report_number": payload.report_number},
                )
                subjects.stop(session, HOUSE, house.id or 0, now)
                self._start_patrol(session, house, house.last_patrol_at or now)
            session.add(row)
            session.flush()
            return appraisal_view(row)

    # -- reading -------------------------------------------------------------------------

    def _house(self, session: Session, house_id: int) -> House:
        house = session.get(House, house_id)
        if house is None:
            raise NotFound(f"house {house_id} not found")
        return house

    def list_houses(
        self, street: str | None = None, grade: str | None = None
    ) -> list[dict[str, Any]]:
        if street is not None and street not in self.plan.streets.items:
            raise InvalidInput(f"--street: unknown street '{street}'")
        if grade is not None and grade not in self.section.appraisal_grades.items:
            raise InvalidInput(f"--grade: unknown grade '{grade}'")
        with self.incidents.reading() as session:
            query = select(House).order_by(col(House.street), col(House.id))
            if street:
                query = query.where(House.street == street)
            if grade:
                query = query.where(House.grade == grade)
            order = {code: n for n, code in enumerate(self.plan.streets.items)}
            houses = sorted(session.exec(query), key=lambda h: (order[h.street], h.id or 0))
            due = {
                row.subject_id: row
                for row in session.exec(
                    select(subjects.SubjectDeadline).where(
                        subjects.SubjectDeadline.subject_kind == HOUSE,
                        subjects.SubjectDeadline.code == PATROL,
                        col(subjects.SubjectDeadline.met_at).is_(None),
                        col(subjects.SubjectDeadline.stopped_at).is_(None),
                    )
                )
            }
            return [self._summary(h, due.get(h.id or 0)) for h in houses]

    def _summary(self, house: House, patrol: subjects.SubjectDeadline | None) -> dict[str, Any]:
        out = {name: plain(getattr(house, name)) for name in ("id", *rules.FIELDS)}
        out["registered_at"] = local_iso(house.registered_at, self.zone)
        out["last_patrol_at"] = (
            None if house.last_patrol_at is None else local_iso(house.last_patrol_at, self.zone)
        )
        now = self.incidents.now()
        out["patrol_due_at"] = None if patrol is None else local_iso(patrol.due_at, self.zone)
        out["patrol_overdue"] = patrol is not None and patrol.due_at < now
        return out

    def show_house(self, house_id: int) -> dict[str, Any]:
        with self.incidents.reading() as session:
            return self._view(session, self._house(session, house_id))

    def _view(self, session: Session, house: House) -> dict[str, Any]:
        assert house.id is not None
        deadlines = list(
            session.exec(
                select(subjects.SubjectDeadline)
                .where(
                    subjects.SubjectDeadline.subject_kind == HOUSE,
                    subjects.SubjectDeadline.subject_id == house.id,
                )
                .order_by(col(subjects.SubjectDeadline.id))
            )
        )
        open_patrol = next(
            (
                d
                for d in reversed(deadlines)
                if d.code == PATROL and d.met_at is None and d.stopped_at is None
            ),
            None,
        )
        out = self._summary(house, open_patrol)
        out["deadlines"] = [
            {
                "code": d.code,
                "occasion": d.occasion,
                "due_at": local_iso(d.due_at, self.zone),
                "recipients": d.recipients,
                "reported": d.reported,
                "met_at": None if d.met_at is None else local_iso(d.met_at, self.zone),
                "stopped": d.stopped_at is not None,
            }
            for d in deadlines
        ]
        out["patrols"] = [
            {
                "id": p.id,
                "at": local_iso(p.at, self.zone),
                "patroller": p.patroller,
                "findings": p.findings,
                "major_hazard": p.major_hazard,
                "incident_id": p.incident_id,
            }
            for p in session.exec(
                select(Patrol).where(Patrol.house_id == house.id).order_by(col(Patrol.at).desc())
            )
        ]
        appraisals = list(
            session.exec(
                select(Appraisal).where(Appraisal.house_id == house.id).order_by(col(Appraisal.id))
            )
        )
        out["appraisals"] = [appraisal_view(a) for a in appraisals]
        incident_ids = sorted(
            {p["incident_id"] for p in out["patrols"] if p["incident_id"]}
            | {a.incident_id for a in appraisals if a.incident_id}
        )
        same_place = session.exec(
            select(Incident.id).where(
                Incident.street == house.street, Incident.address == house.address
            )
        )
        incident_ids = sorted(set(incident_ids) | {i for i in same_place if i is not None})
        out["incidents"] = [self._incident(session, i) for i in incident_ids]
        out["events"] = [
            {"at": local_iso(e.at, self.zone), "actor": e.actor, "kind": e.kind, "data": e.data}
            for e in session.exec(
                select(HouseEvent)
                .where(HouseEvent.house_id == house.id)
                .order_by(col(HouseEvent.id))
            )
        ]
        return out

    def _incident(self, session: Session, incident_id: int) -> dict[str, Any]:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        return {
            "id": incident_id,
            "state": incident.state,
            "condition": incident.condition,
            "response_level": incident.response_level,
            "reported_at": local_iso(incident.reported_at, self.zone),
        }

    def import_xlsx(self, content: bytes, actor: str) -> list[int]:
        """A register workbook: every house in it, or none (`InvalidRows`)."""
        # openpyxl costs half a second to import: only the commands that need it pay for it.
        from documents.register_xlsx import HEADINGS, read_register

        rows, problems = read_register(content)
        if not problems:
            return self.import_rows(rows, actor, HEADINGS)
        raise InvalidRows(problems)

    def export_xlsx(self) -> bytes:
        """Every house with the register's fields, codes written as the plan's names."""
        from documents.register_xlsx import write_register

        with self.incidents.reading() as session:
            houses = [
                {name: getattr(h, name) for name in ("id", *rules.FIELDS)}
                for h in session.exec(select(House).order_by(col(House.street), col(House.id)))
            ]
        grades = {c: g.name for c, g in self.section.appraisal_grades.items.items()}
        return write_register(
            houses,
            {
                "street": self.plan.streets.items,
                "grade": grades,
                "disposition": self.section.dispositions.items,
            },
        )


def appraisal_view(row: Appraisal) -> dict[str, Any]:
    return {
        name: plain(getattr(row, name))
        for name in (
            "id",
            "house_id",
            "incident_id",
            "address",
            "street",
            "agency",
            "commissioned_at",
            "commissioned_by",
            "grade",
            "report_number",
            "appraised_on",
            "recorded_at",
        )
    }
