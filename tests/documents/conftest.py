"""Fixtures: a realistic Hanyang incident (partial collapse in 鹦鹉街道, 1 dead, 2 missing)."""

from __future__ import annotations

import datetime as dt
import io
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # plain `pytest` does not put the repo root on sys.path
    sys.path.insert(0, str(ROOT))

from documents.model import (  # noqa: E402
    Casualties,
    DeadlineRecord,
    DeadlineStatus,
    EmergencyMeasure,
    IncidentSummary,
    InvestigationMember,
    InvestigationReport,
    OfficialDocument,
    SectionSpec,
    TimelineEntry,
)
from engine.plan import Plan, load_plan  # noqa: E402

PLAN = load_plan()
"""The shipped plan (config/hanyang.yaml): the report's parts and deadline names come from it."""

PARTS = tuple(
    SectionSpec(key, heading) for key, heading in PLAN.investigation.report_sections.items.items()
)
"""The §5.2 parts in the plan's order, as the engine passes them."""

CST = dt.timezone(dt.timedelta(hours=8))
UTC = dt.UTC


def at(hour: int, minute: int, day: int = 22) -> dt.datetime:
    """A Wuhan wall-clock time on the incident day, as an aware datetime."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=CST)


NOTICE_TITLE = "关于启动房屋安全突发事件Ⅰ级应急响应的通知"
NOTICE_BODY = (
    "2026年11月22日7时50分，汉阳区鹦鹉街某小区3栋发生房屋局部坍塌，已造成1人死亡、2人失踪。"
    "根据《汉阳区房屋安全突发事件应急预案（2022年修订版）》第1.5条，区指挥部决定立即启动Ⅰ级"
    "应急响应，并向市指挥部提出启动市Ⅳ级应急响应请求。现将有关事项通知如下：",
    "一、立即成立现场指挥部。现场指挥部由险情检测组、医疗急救组、交通运输组、疏导防护组、"
    "治安保卫组、事件处置宣传组、抢险救援组组成，各组牵头单位负责人接到通知后30分钟内到达现场。",
    "（一）治安保卫组以区公安分局为主，负责设置现场警戒、治安秩序维护等相关工作。",
    "（二）医疗急救组以区卫健局为主，负责组织协调医疗急救和抢救伤员。",
    "二、严格执行信息报送制度。各成员单位每2小时向区指挥部办公室报送一次处置进展，重大情况随时报告。",
)


def deadline(
    code: str, due_at: dt.datetime, status: DeadlineStatus, met_at: dt.datetime | None = None
) -> DeadlineRecord:
    """A deadline record named as the plan names the code."""
    return DeadlineRecord(code, due_at, status, met_at, name=PLAN.deadlines[code].name)


def make_notice(**changes: object) -> OfficialDocument:
    fields: dict[str, object] = {
        "issuer": "汉阳区房屋安全事故应急指挥部",
        "doc_number": "阳房应〔2026〕3号",
        "title": NOTICE_TITLE,
        "addressees": ["区应急局", "区房管局", "区公安分局", "区卫健局", "鹦鹉街道办事处"],
        "paragraphs": list(NOTICE_BODY),
        "signature": "汉阳区房屋安全事故应急指挥部",
        "date": dt.date(2026, 11, 22),
        "drill": False,
        "copy_to": ["区委办公室", "区人大常委会办公室", "区政协办公室", "市房管局"],
        "urgency": "特急",
        "printed_by": "汉阳区房屋安全事故应急指挥部办公室",
    }
    fields.update(changes)
    return OfficialDocument(**fields)  # type: ignore[arg-type]


SECTION_TEXT = {
    "unit_overview": [
        "事发房屋位于汉阳区鹦鹉街道某小区3栋，系1987年建成的六层砖混结构住宅，产权单位为某国有"
        "企业，委托某物业服务企业管理，共有住户36户、常住人口97人。",
        "该楼栋2024年房屋安全鉴定结论为C级，已列入区房管局危险房屋清册，由鹦鹉街道办事处按月巡查。",
    ],
    "course_and_rescue": [
        "2026年11月22日7时50分，3栋西单元东侧三至六层外墙及楼板发生局部坍塌。住户于7时52分"
        "拨打110报警，8时05分区房管局值班室接报。",
        "（一）先期处置。区指挥部于8时45分启动Ⅰ级应急响应，成立现场指挥部，组织搜救被困人员。",
        "（二）搜救情况。至11月23日6时，搜救出被困人员5人，其中1人经抢救无效死亡，2人仍在搜寻。",
    ],
    "casualties_and_loss": [
        "事件共造成1人死亡、2人失踪、4人受伤，直接经济损失约386万元。",
    ],
    "cause_and_nature": [
        "经调查认定，事件的直接原因是一层商户擅自拆除承重墙，导致上部墙体失稳坍塌；间接原因是"
        "房屋使用安全责任人未落实整改责任。",
        "经调查认定，该事件是一起较大房屋安全责任事件。",
    ],
    "responsibility_and_handling": [
        "一层商户经营者对事件发生负有直接责任，建议移送公安机关依法处理。",
        "物业服务企业未及时制止违法拆改行为，建议由区房管局依法予以行政处罚。",
    ],
    "prevention_and_rectification": [
        "（一）开展专项排查。对全区砖混结构老旧房屋拆改行为开展专项排查，建立问题清单并限期整改。",
        "（二）完善巡查制度。危险房屋巡查发现的重大隐患须当日报告区房管局。",
    ],
}


def make_report(**changes: object) -> InvestigationReport:
    fields: dict[str, object] = {
        "title": "汉阳区鹦鹉街某小区“11·22”房屋局部坍塌事件调查报告",
        "summary": IncidentSummary(
            address="汉阳区鹦鹉街道某小区3栋",
            street="鹦鹉街道",
            condition_name="局部倒塌、坍塌",
            grade_name="较大",
            response_level="I",
            discovered_at=at(7, 50),
            reported_at=dt.datetime(2026, 11, 22, 0, 5, tzinfo=UTC),  # 08:05 in Wuhan
        ),
        "sections": SECTION_TEXT,
        "parts": PARTS,
        "casualties": Casualties(dead=1, missing=2, injured=4, direct_loss_yuan=Decimal("3860000")),
        "deadlines": [
            deadline("initial_report", at(8, 50), DeadlineStatus.MET, at(8, 5)),
            deadline("government_report", at(9, 10), DeadlineStatus.MET_LATE, at(9, 25)),
            deadline("city_hq_report", at(9, 15), DeadlineStatus.MET, at(9, 5)),
            DeadlineRecord(  # a code the plan does not define: the caller names it
                "progress_report",
                at(14, 0),
                DeadlineStatus.OVERDUE,
                name="每2小时向区指挥部办公室报送处置进展",
            ),
        ],
        "measures": [
            EmergencyMeasure(
                "划定警示区、实行临时交通管制",
                "以3栋为中心设置50米警戒区，封闭小区东侧道路",
                at(8, 20),
                "区公安分局",
            ),
            EmergencyMeasure(
                "切断电力、可燃气体和液体的输送",
                "切断3栋及相邻4栋的供电、供气",
                at(8, 30),
                "汉阳供电公司、区燃气公司",
            ),
            EmergencyMeasure(
                "利用邻近建筑物和有关设施",
                "启用小区活动中心作为临时安置点，安置居民97人",
                at(9, 40),
                "鹦鹉街道办事处",
            ),
        ],
        "members": [
            InvestigationMember("王某某", "汉阳区人民政府", "组长"),
            InvestigationMember("李某某", "区应急局", "副组长"),
            InvestigationMember("张某某", "区公安分局"),
            InvestigationMember("陈某某", "区监察委"),
            InvestigationMember("刘某某", "区房管局"),
        ],
        "timeline": [
            TimelineEntry(at(8, 5), "区房管局值班室", "接到报告，登记事件"),
            TimelineEntry(at(7, 50), "住户", "3栋西单元发生局部坍塌"),
            TimelineEntry(at(8, 20), "区公安分局", "设置警戒区，实行临时交通管制"),
            TimelineEntry(at(8, 40), "区房管局", "现场核实，初判为较大房屋安全突发事件"),
            TimelineEntry(at(8, 45), "区指挥部", "启动Ⅰ级应急响应，成立现场指挥部"),
            TimelineEntry(at(9, 5), "区指挥部", "向市指挥部报告并请求启动市Ⅳ级应急响应"),
            TimelineEntry(at(9, 25), "区房管局", "向区人民政府报告（逾期15分钟）"),
            TimelineEntry(at(6, 0, day=23), "现场指挥部", "搜救出被困人员5人，2人仍在搜寻"),
        ],
        "draft": False,
        "date": dt.date(2026, 12, 20),
        "generated_at": at(16, 0),
    }
    fields.update(changes)
    return InvestigationReport(**fields)  # type: ignore[arg-type]


@pytest.fixture(name="plan", scope="session")
def plan_fixture() -> Plan:
    """The shipped plan the report fixtures are built from."""
    return PLAN


@pytest.fixture(name="parts", scope="session")
def parts_fixture() -> tuple[SectionSpec, ...]:
    """The report's parts as the shipped plan lists them."""
    return PARTS


@pytest.fixture(name="make_notice", scope="session")
def make_notice_fixture() -> Callable[..., OfficialDocument]:
    """Build a notice from the realistic defaults, with some fields changed."""
    return make_notice


@pytest.fixture(name="make_report", scope="session")
def make_report_fixture() -> Callable[..., InvestigationReport]:
    """Build a report from the realistic defaults, with some fields changed."""
    return make_report


@pytest.fixture
def notice() -> OfficialDocument:
    return make_notice()


@pytest.fixture
def drill_notice() -> OfficialDocument:
    return make_notice(drill=True)


@pytest.fixture
def report() -> InvestigationReport:
    return make_report()


@pytest.fixture
def draft_report() -> InvestigationReport:
    return make_report(draft=True, date=None)


def _pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, as a reader's copy-paste would see it."""
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _pdf_fonts(pdf: bytes) -> dict[str, bool]:
    """Every font used in the PDF (subset tag stripped) → whether its program is embedded."""
    from pypdf import PdfReader

    fonts: dict[str, bool] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]  # pypdf types dictionary values loosely
        for ref in resources["/Font"].values():
            font = ref.get_object()
            # Type0 (CID) fonts keep the descriptor on their descendant font.
            desc_font = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = desc_font["/FontDescriptor"].get_object()
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts[str(font["/BaseFont"]).lstrip("/").split("+")[-1]] = embedded
    return fonts


@pytest.fixture(scope="session")
def pdf_pages() -> Callable[[bytes], list[str]]:
    return _pdf_pages


@pytest.fixture(scope="session")
def pdf_fonts() -> Callable[[bytes], dict[str, bool]]:
    return _pdf_fonts


class PdfLine:
    """One printed line as pdfplumber sees it: its text (spaces dropped), where it stands on the
    page (points from the top-left corner) and the fonts and sizes of its characters."""

    def __init__(self, chars: list[dict[str, Any]]) -> None:
        chars = sorted(chars, key=lambda c: c["x0"])
        self.text = "".join(c["text"] for c in chars if not c["text"].isspace())
        self.top = min(c["top"] for c in chars)
        self.x0 = min(c["x0"] for c in chars)
        self.x1 = max(c["x1"] for c in chars)
        self.fonts = {str(c["fontname"]).split("+")[-1] for c in chars}
        self.size = max(round(c["size"], 1) for c in chars)

    def __repr__(self) -> str:
        return f"PdfLine({self.text!r}, top={self.top:.1f}, x0={self.x0:.1f})"


def _pdf_lines(pdf: bytes) -> list[list[PdfLine]]:
    """Each page's lines, top to bottom: characters whose tops are within 2 pt share a line."""
    import pdfplumber

    pages: list[list[PdfLine]] = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            rows: list[list[dict[str, Any]]] = []
            for char in sorted(page.chars, key=lambda c: (c["top"], c["x0"])):
                if rows and abs(rows[-1][0]["top"] - char["top"]) <= 2:
                    rows[-1].append(char)
                else:
                    rows.append([char])
            pages.append([line for line in map(PdfLine, rows) if line.text])
    return pages


@pytest.fixture(scope="session")
def pdf_lines() -> Callable[[bytes], list[list[PdfLine]]]:
    return _pdf_lines
