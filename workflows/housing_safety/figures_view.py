"""The figures in the plan's words: the JSON of `GET /api/stats` and `main.py stats`, and from
that same JSON the sheets (Excel, printed tables) and the charts. Building everything from the
one JSON is what keeps the workbook, the page and the documents showing the same numbers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from documents.annual import AnnualPart, AnnualView, Chart, render_annual
from documents.charts import BarChart, Series
from documents.figures_xlsx import Cell, Sheet, render_xlsx
from documents.formatting import cn_date, cn_ordinal_heading
from documents.report_view import Table
from engine.plan import Plan
from engine.timeutil import local_iso
from workflows.housing_safety.figures import (
    OUTCOMES,
    Figures,
    Period,
    Spread,
    Summary,
    Tally,
)
from workflows.housing_safety.figures_register import Count, RegisterFigures
from workflows.housing_safety.prevention_config import prevention

OUTCOME_NAMES = {
    "on_time": "按时",
    "late": "迟报",
    "missed": "逾期未报",
    "pending": "未到期",
    "void": "未到期即终止",
}
OUTCOME_COLORS = {
    "on_time": "#2e7d32",
    "late": "#ef9f00",
    "missed": "#c62828",
    "pending": "#90a4ae",
    "void": "#cfd8dc",
}
MILESTONE_NAMES = {
    "verified": "接报至现场核实",
    "activated": "接报至启动响应",
    "danger_eliminated": "接报至危险排除",
    "terminated": "接报至响应终止",
    "closed": "接报至结案",
}
DIMENSION_NAMES = {"street": "街道", "level": "响应级别", "month": "月份", "year": "年度"}
LOCAL_POLICY = "本系统设定"

Link = Callable[[str], str | None]


def _spread(s: Spread) -> dict[str, Any]:
    return {"count": s.count, "median": s.median, "p90": s.p90, "max": s.max}


def _tally(t: Tally) -> dict[str, Any]:
    return {
        "total": t.total,
        **{o: t.counts[o] for o in OUTCOMES},
        "on_time_share": t.on_time_share,
    }


def deadline_name(plan: Plan, code: str) -> str:
    rule = plan.deadlines.get(code)
    return rule.name if rule else code


def deadline_basis(plan: Plan, code: str) -> str:
    """The clause and the time allowed; a time the plan does not fix says 本系统设定."""
    rule = plan.deadlines.get(code)
    if rule is None:
        return "—"
    within = f"{rule.within_minutes:g}分钟"
    return f"{rule.clause}，{within}" + (f"（{LOCAL_POLICY}）" if rule.local_policy else "")


def group_name(plan: Plan, dimension: str, key: str) -> str:
    if dimension == "street":
        return plan.streets.items.get(key, key)
    if dimension == "level":
        return plan.levels[key].name if key in plan.levels else key
    if dimension == "month":
        return f"{key[:4]}年{int(key[5:])}月"
    return f"{key}年"


def figures_json(figures: Figures, plan: Plan, zone: Any) -> dict[str, Any]:
    return {
        "incidents": {"count": len(figures.incidents), "ids": list(figures.incidents)},
        "timeliness": [
            {
                "figure": f"timeliness.{t.code}",
                "code": t.code,
                "name": deadline_name(plan, t.code),
                "basis": deadline_basis(plan, t.code),
                "local_policy": bool(plan.deadlines[t.code].local_policy)
                if t.code in plan.deadlines
                else False,
                **_tally(t.tally),
                "late_minutes": _spread(t.late),
                "missed_minutes": _spread(t.missed),
                "ids": {
                    "all": list(t.tally.all_ids),
                    **{o: list(t.tally.ids[o]) for o in OUTCOMES},
                },
            }
            for t in figures.timeliness
        ],
        "intervals": [
            {
                "figure": f"interval.{i.milestone}",
                "milestone": i.milestone,
                "name": MILESTONE_NAMES[i.milestone],
                **{f"{k}_minutes" if k != "count" else k: v for k, v in _spread(i.spread).items()},
                "ids": list(i.ids),
            }
            for i in figures.intervals
        ],
        "acknowledgements": [
            {
                "figure": f"ack.{a.unit}",
                "unit": a.unit,
                "name": plan.actor_name(a.unit),
                "asked": a.asked,
                "acknowledged": a.acknowledged,
                "never": a.never,
                "waiting": a.waiting,
                "resent": a.resent,
                "never_share": a.never_share,
                "median_minutes": a.spread.median,
                "p90_minutes": a.spread.p90,
                "ids": list(a.ids),
                "never_ids": list(a.never_ids),
                "resent_ids": list(a.resent_ids),
            }
            for a in _plan_order(figures, plan)
        ],
        **{
            f"by_{dimension}": [
                {
                    "figure": f"{dimension}.{g.key}",
                    "key": g.key,
                    "name": group_name(plan, dimension, g.key),
                    "incidents": len(g.incidents),
                    "reports": g.tally.total,
                    **{o: g.tally.counts[o] for o in OUTCOMES},
                    "on_time_share": g.tally.on_time_share,
                    "ids": list(g.incidents),
                    "late_ids": list(g.tally.ids["late"]),
                    "missed_ids": list(g.tally.ids["missed"]),
                }
                for g in groups
            ]
            for dimension, groups in figures.breakdowns.items()
        },
        "late_or_missed": [
            {
                "incident_id": r.incident_id,
                "street": r.street,
                "street_name": plan.streets.items.get(r.street, r.street),
                "address": r.address,
                "code": r.code,
                "name": deadline_name(plan, r.code),
                "occasion": r.occasion,
                "due_at": local_iso(r.due_at, zone),
                "met_at": None if r.met_at is None else local_iso(r.met_at, zone),
                "status": r.outcome,
                "minutes": r.minutes,
            }
            for r in figures.late_or_missed
        ],
    }


def _plan_order(figures: Figures, plan: Plan) -> list[Any]:
    order = {code: i for i, code in enumerate(plan.actors)}
    return sorted(figures.acknowledgements, key=lambda a: (order.get(a.unit, len(order)), a.unit))


def summary_json(summary: Summary, plan: Plan) -> dict[str, Any]:
    """The whole answer: the period asked for, the real figures, and the drills apart."""
    p, zone = summary.period, summary.period.zone
    return {
        "period": {
            "from": local_iso(p.start, zone),
            "to": local_iso(p.end, zone),
            "street": p.street,
            "level": p.level,
            "as_of": local_iso(summary.as_of, zone),
            "text": period_text(p),
        },
        **figures_json(summary.real, plan, zone),
        "drills": figures_json(summary.drills, plan, zone),
    }


UNGRADED_NAME = "未鉴定定级"


def register_json(figures: RegisterFigures, plan: Plan) -> dict[str, Any]:
    """Patrol compliance and the register by grade and street (§3.2): ids are houses."""
    grades = prevention(plan).appraisal_grades.items

    def count(c: Count, name: str) -> dict[str, Any]:
        return {"key": c.key, "name": name, "houses": len(c.ids), "ids": list(c.ids)}

    return {
        "patrols": {
            **_tally(figures.patrols),
            "ids": {o: list(figures.patrols.ids[o]) for o in OUTCOMES},
            "late_minutes": _spread(figures.late),
            "missed_minutes": _spread(figures.missed),
        },
        "by_grade": [
            count(c, grades[c.key].name if c.key in grades else UNGRADED_NAME)
            for c in figures.by_grade
        ],
        "by_street": [count(c, plan.streets.items[c.key]) for c in figures.by_street],
    }


def period_text(p: Period) -> str:
    """2026年1月1日至2026年12月31日 (the end is exclusive: a midnight end names the day before)."""
    start, end = p.start.astimezone(p.zone), p.end.astimezone(p.zone)
    last = end - timedelta(days=1) if end.time() == datetime.min.time() else end

    def day(d: datetime) -> str:
        return f"{d.year}年{d.month}月{d.day}日"

    return day(start) if last.date() <= start.date() else f"{day(start)}至{day(last)}"


# -- sheets -----------------------------------------------------------------------------------


def _ids(ids: list[int]) -> str:
    return "、".join(map(str, ids))


@dataclass(frozen=True)
class Col:
    """One column of a sheet: its header, width (Excel characters), how to read it from a JSON
    row, and how it is set."""

    header: str
    width: int
    value: Callable[[dict[str, Any]], Cell]
    percent: bool = False
    left: bool = False
    printed: bool = True
    """False: in Excel only (the printed page has no room for it)."""


def _sheet(
    name: str, items: list[dict[str, Any]], columns: tuple[Col, ...], empty: str = "无记录"
) -> Sheet:
    def where(test: Callable[[Col], bool]) -> tuple[int, ...]:
        return tuple(i for i, c in enumerate(columns) if test(c))

    return Sheet(
        name,
        tuple(c.header for c in columns),
        tuple(tuple(c.value(item) for c in columns) for item in items),
        tuple(c.width for c in columns),
        percent=where(lambda c: c.percent),
        left=where(lambda c: c.left),
        printed=where(lambda c: c.printed),
        empty=empty,
    )


def _key(key: str, width: int = 7, **how: Any) -> Col:
    """A column that prints one key of the row, headed by that outcome's name or `header`."""
    header = how.pop("header", OUTCOME_NAMES.get(key, key))
    return Col(header, width, lambda row: row[key], **how)


def _ids_col(key: str = "ids") -> Col:
    return Col("事件编号", 28, lambda row: _ids(row[key]), printed=False)


def timeliness_sheet(data: dict[str, Any], name: str = "报告时效") -> Sheet:
    return _sheet(
        name,
        data["timeliness"],
        (
            _key("name", 26, header="报告事项", left=True),
            _key("basis", 24, header="依据及时限", left=True, printed=False),
            _key("total", 8, header="合计（件）"),
            _key("on_time"),
            _key("late"),
            _key("missed", 8),
            _key("pending"),
            _key("void", 9, printed=False),
            _key("on_time_share", 8, header="按时率", percent=True),
            Col("迟报时长中位数（分钟）", 10, lambda t: t["late_minutes"]["median"]),
            Col("迟报时长P90（分钟）", 10, lambda t: t["late_minutes"]["p90"]),
            Col(
                "逾期未报已逾时长中位数（分钟）",
                11,
                lambda t: t["missed_minutes"]["median"],
                printed=False,
            ),
            Col("事件编号", 24, lambda t: _ids(t["ids"]["all"]), printed=False),
        ),
    )


def intervals_sheet(data: dict[str, Any]) -> Sheet:
    return _sheet(
        "响应用时",
        data["intervals"],
        (
            _key("name", 18, header="环节", left=True),
            _key("count", 8, header="事件数"),
            _key("median_minutes", 12, header="中位数（分钟）"),
            _key("p90_minutes", 12, header="P90（分钟）"),
            _key("max_minutes", 12, header="最长（分钟）"),
            _ids_col(),
        ),
    )


def acknowledgements_sheet(data: dict[str, Any]) -> Sheet:
    return _sheet(
        "单位确认",
        data["acknowledgements"],
        (
            _key("name", 22, header="单位", left=True),
            _key("asked", 9, header="需确认（份）"),
            _key("acknowledged", 8, header="已确认"),
            _key("never", 8, header="未确认"),
            _key("waiting", 8, header="等待中", printed=False),
            _key("never_share", 9, header="未确认比例", percent=True),
            _key("resent", 9, header="重发备用联系人"),
            _key("median_minutes", 11, header="确认用时中位数（分钟）"),
            _key("p90_minutes", 11, header="确认用时P90（分钟）"),
            _ids_col(),
        ),
    )


def breakdown_sheet(data: dict[str, Any], dimension: str) -> Sheet:
    label = DIMENSION_NAMES[dimension]
    return _sheet(
        f"按{label}",
        data[f"by_{dimension}"],
        (
            _key("name", 14, header=label, left=True),
            _key("incidents", 8, header="事件数"),
            _key("reports", 9, header="报告合计（件）"),
            _key("on_time"),
            _key("late"),
            _key("missed", 8),
            _key("on_time_share", 8, header="按时率", percent=True),
            _ids_col(),
        ),
    )


def late_sheet(data: dict[str, Any]) -> Sheet:
    rows = [{**r, "n": i} for i, r in enumerate(data["late_or_missed"], 1)]
    return _sheet(
        "迟报漏报清单",
        rows,
        (
            _key("n", 6, header="序号"),
            _key("incident_id", 8, header="事件编号"),
            _key("street_name", 10, header="街道"),
            _key("address", 20, header="地址", left=True),
            _key("name", 22, header="报告事项", left=True),
            Col("应报时间", 17, lambda r: _minute(r["due_at"])),
            Col("实际报告时间", 17, lambda r: _minute(r["met_at"]) if r["met_at"] else "未报"),
            Col("情况", 10, lambda r: OUTCOME_NAMES[r["status"]]),
            _key("minutes", 9, header="超时（分钟）"),
        ),
        empty="无迟报、逾期未报",
    )


def _minute(iso: str) -> str:
    return iso[:16].replace("T", " ")


def sheets(summary: dict[str, Any]) -> list[Sheet]:
    """Every table of the figures, in reading order; drills last and apart."""
    drills = summary["drills"]
    return [
        Sheet(
            "概况",
            ("项目", "数值"),
            (
                ("统计期间", summary["period"]["text"]),
                ("街道", summary["period"]["street"] or "全部"),
                ("响应级别", summary["period"]["level"] or "全部"),
                ("统计时点", _minute(summary["period"]["as_of"])),
                ("接报事件（不含演练）", summary["incidents"]["count"]),
                ("迟报、逾期未报（件）", len(summary["late_or_missed"])),
                ("演练（单列，不计入统计）", drills["incidents"]["count"]),
            ),
            (26, 30),
            left=(0, 1),
        ),
        timeliness_sheet(summary),
        intervals_sheet(summary),
        acknowledgements_sheet(summary),
        *(breakdown_sheet(summary, d) for d in DIMENSION_NAMES),
        late_sheet(summary),
        register_sheet(summary["register"]),
        timeliness_sheet(drills, "演练报告时效（单列）"),
    ]


def register_sheet(register: dict[str, Any]) -> Sheet:
    """危险房屋清册与巡查: the register by grade, then the patrols due in the period."""
    p = register["patrols"]
    rows: list[tuple[Cell, ...]] = [
        *((f"在册危险房屋·{g['name']}（栋）", g["houses"]) for g in register["by_grade"]),
        ("到期巡查（次）", p["on_time"] + p["late"] + p["missed"]),
        ("按时巡查", p["on_time"]),
        ("逾期后巡查", p["late"]),
        ("逾期未巡查", p["missed"]),
        ("按时率", p["on_time_share"] if p["on_time_share"] is not None else "—"),
    ]
    return Sheet("清册与巡查", ("项目", "数值"), tuple(rows), (30, 12), left=(0,))


# -- charts -----------------------------------------------------------------------------------


def _links(link: Link | None, keys: list[str]) -> tuple[str | None, ...]:
    return tuple(link(k) for k in keys) if link else ()


def charts(data: dict[str, Any], link: Link | None = None) -> dict[str, BarChart]:
    """The charts of the page and the documents; a bar links to its incidents when `link`
    turns a figure key into an address."""
    kinds = data["timeliness"]
    months = data["by_month"]
    one_year = len({m["key"][:4] for m in months}) <= 1
    streets = data["by_street"]
    timed = [i for i in data["intervals"] if i["count"]]
    return {
        "timeliness": BarChart(
            "各类报告时效（件）",
            tuple(t["name"] for t in kinds),
            tuple(
                Series(
                    OUTCOME_NAMES[o],
                    OUTCOME_COLORS[o],
                    tuple(float(t[o]) for t in kinds),
                    _links(link, [f"{t['figure']}.{o}" for t in kinds]),
                )
                for o in ("on_time", "late", "missed", "pending")
            ),
            unit="件",
            stacked=True,
        ),
        "intervals": BarChart(
            "接报后各环节用时中位数（分钟）",
            tuple(i["name"] for i in timed),
            (
                Series(
                    "中位数",
                    "#1565c0",
                    tuple(float(i["median_minutes"] or 0) for i in timed),
                    _links(link, [i["figure"] for i in timed]),
                ),
            ),
            unit="分钟",
        ),
        "streets": BarChart(
            "各街道接报事件数（起）",
            tuple(g["name"] for g in streets),
            (
                Series(
                    "事件",
                    "#1565c0",
                    tuple(float(g["incidents"]) for g in streets),
                    _links(link, [g["figure"] for g in streets]),
                ),
            ),
            unit="起",
        ),
        "months": BarChart(
            "各月接报事件数（起）",
            tuple(f"{int(m['key'][5:])}月" if one_year else m["key"][2:] for m in months),
            (
                Series(
                    "事件",
                    "#1565c0",
                    tuple(float(m["incidents"]) for m in months),
                    _links(link, [m["figure"] for m in months]),
                ),
            ),
            unit="起",
            horizontal=False,
        ),
    }


# -- the annual summary -----------------------------------------------------------------------


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def _sum(rows: list[dict[str, Any]], key: str) -> int:
    return sum(int(r[key]) for r in rows)


def title(data: dict[str, Any], plan: Plan) -> str:
    start, end = data["period"]["from"][:10], data["period"]["to"][:10]
    whole_year = start[5:] == "01-01" and end[5:] == "01-01" and int(end[:4]) == int(start[:4]) + 1
    when = f"{start[:4]}年度" if whole_year else f"（{data['period']['text']}）"
    return f"{plan.plan.district}房屋安全突发事件应急处置{when}统计报告"


def annual_view(data: dict[str, Any], plan: Plan, date_text: str) -> AnnualView:
    """The summary for 区指挥部办公室: the figures in words, their tables and charts, the late
    and missed reports, the drills apart, and how the figures are counted."""
    counter = {"表": 0, "图": 0}

    def numbered(kind: str, text: str) -> str:
        counter[kind] += 1
        return f"{kind}{counter[kind]}　{text}"

    def table(sheet: Sheet) -> Table:
        return sheet.as_table(numbered("表", sheet.name))

    pictures = charts(data)

    def chart(key: str) -> Chart:
        return Chart(numbered("图", pictures[key].title), pictures[key])

    kinds, levels = data["timeliness"], data["by_level"]
    due = _sum(kinds, "on_time") + _sum(kinds, "late") + _sum(kinds, "missed")
    busiest = sorted(
        (g for g in data["by_street"] if g["incidents"]), key=lambda g: -g["incidents"]
    )
    acks = data["acknowledgements"]
    local_kinds = "、".join(t["name"] for t in kinds if t["local_policy"])
    ack_minutes = f"{plan.alerts.acknowledgement_minutes:g}"
    drills = data["drills"]
    register = data["register"]
    patrols = register["patrols"]
    patrols_due = patrols["on_time"] + patrols["late"] + patrols["missed"]
    parts = [
        (
            "总体情况",
            (
                f"{data['period']['text']}，全区共接报房屋安全突发事件{data['incidents']['count']}起"
                + (
                    "（"
                    + "，".join(f"{g['name']}{g['incidents']}起" for g in levels if g["incidents"])
                    + "）"
                    if data["incidents"]["count"]
                    else ""
                )
                + "。"
                + (
                    (
                        "接报较多的街道为"
                        + "、".join(f"{g['name']}（{g['incidents']}起）" for g in busiest[:3])
                        + "。"
                    )
                    if busiest
                    else ""
                )
                + f"同期组织应急演练{drills['incidents']['count']}次，单列统计，不计入上述数字。",
            ),
            (),
        ),
        (
            "信息报送时效",
            (
                f"各类报告共{_sum(kinds, 'total')}件次，其中已到时限{due}件次：按时"
                f"{_sum(kinds, 'on_time')}件次，迟报{_sum(kinds, 'late')}件次，逾期未报"
                f"{_sum(kinds, 'missed')}件次"
                + (f"，按时率{_pct(_sum(kinds, 'on_time') / due)}" if due else "")
                + f"；未到期{_sum(kinds, 'pending')}件次，未到期即终止{_sum(kinds, 'void')}件次。"
                + (
                    f"{local_kinds}，预案要求“立即”报告，其时限为{LOCAL_POLICY}。"
                    if local_kinds
                    else ""
                ),
            ),
            (table(timeliness_sheet(data)), chart("timeliness")),
        ),
        (
            "响应处置用时",
            ("自接报起计算各环节用时，列中位数和第90百分位数（P90）。",),
            (table(intervals_sheet(data)), chart("intervals")),
        ),
        (
            "成员单位通知确认",
            (
                f"需确认的通知{_sum(acks, 'asked')}份，已确认{_sum(acks, 'acknowledged')}份，"
                f"未确认{_sum(acks, 'never')}份；{_sum(acks, 'resent')}份因未在{ack_minutes}分钟内"
                f"确认而重发备用联系人（确认时限为{LOCAL_POLICY}）。",
            ),
            (table(acknowledgements_sheet(data)),),
        ),
        (
            "分布情况",
            ("按街道、月份和响应级别分列如下。",),
            (
                table(breakdown_sheet(data, "street")),
                chart("streets"),
                table(breakdown_sheet(data, "month")),
                chart("months"),
                table(breakdown_sheet(data, "level")),
            ),
        ),
        (
            "迟报、逾期未报清单",
            (f"共{len(data['late_or_missed'])}件次，逐项列明如下，请相关单位说明原因并整改。",),
            (table(late_sheet(data)),),
        ),
        (
            "危险房屋清册与日常巡查",
            (
                f"在册危险房屋{sum(g['houses'] for g in register['by_grade'])}栋（"
                + "，".join(f"{g['name']}{g['houses']}栋" for g in register["by_grade"])
                + f"）。期间到期巡查{patrols_due}次：按时{patrols['on_time']}次，逾期后巡查"
                f"{patrols['late']}次，逾期未巡查{patrols['missed']}次"
                + (f"，按时率{_pct(patrols['on_time'] / patrols_due)}" if patrols_due else "")
                + f"（§3.2；巡查周期为{LOCAL_POLICY}）。",
            ),
            (table(register_sheet(register)),),
        ),
        (
            "演练情况",
            (
                f"同期应急演练{drills['incidents']['count']}次（§7.2），其报告时效单列如下，"
                "不计入以上各项。",
            ),
            (table(timeliness_sheet(drills, "演练报告时效")),),
        ),
        (
            "统计说明",
            (
                "（一）事件按接报时间计入统计期间；响应级别为事件最终的响应级别。",
                "（二）按时指在时限内（含时限当时）完成报告；迟报指超过时限后完成；逾期未报指时限已过"
                "仍未完成，超时按统计时点（或事件终止计时之时）计算；事件在时限到达前已撤销或结案的，"
                "记为未到期即终止，不计入按时率。",
                "（三）中位数、P90按线性插值计算；无数据的项目记为“—”。",
                f"（四）统计时点：{_minute(data['period']['as_of'])}。",
            ),
            (),
        ),
    ]
    return AnnualView(
        title(data, plan),
        plan.actor_name("district_hq_office"),
        date_text,
        tuple(
            AnnualPart(cn_ordinal_heading(i, head), paragraphs, blocks)
            for i, (head, paragraphs, blocks) in enumerate(parts, 1)
        ),
    )


def export(data: dict[str, Any], plan: Plan, fmt: str, today: datetime) -> bytes:
    """The JSON answer as a file of `fmt` (json, xlsx, docx or pdf)."""
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    if fmt == "xlsx":
        return render_xlsx(sheets(data), title(data, plan))
    return render_annual(annual_view(data, plan, cn_date(today)), fmt)
