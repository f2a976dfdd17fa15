"""GB/T 9704-2012 form of the printed notices, read back from the rendered PDF (text and place).

The first half renders documents built by hand; the second runs a real incident through the
service (report, II activation beyond the district's scope, termination) and checks every notice
it produced as the engine prints it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from documents import OfficialDocument, render_notice_html, render_notice_pdf
from documents.layout import GBT9704, MM_PER_PT
from documents.text import problems, tidy
from engine.clock import ManualClock
from engine.contacts import DEFAULT_CONTACTS_PATH, Directory
from engine.plan import Plan
from engine.service import IncidentService, load_workflow

from .conftest import PdfLine

Lines = Callable[[bytes], list[list[PdfLine]]]
SIGNATURE = "汉阳区房屋安全事故应急指挥部"
LEFT_PT = GBT9704.left_mm / MM_PER_PT
CHAR_PT = GBT9704.char_pitch_pt


def _page_of(pages: list[list[PdfLine]], text: str) -> tuple[int, int]:
    """(page, line) of the last line that is exactly ``text`` (the 落款, not the 版头)."""
    found = [
        (p, i) for p, lines in enumerate(pages) for i, line in enumerate(lines) if line.text == text
    ]
    assert found, f"{text!r} not printed; pages: {pages}"
    return found[-1]


# -- text clean-up ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("贵单位职责（预案 §2.2.3 5 ）：配合处置。。", "贵单位职责（预案§2.2.3第5项）：配合处置。"),
        (
            "本组职责（预案§4.3.2 (4)）：负责交通管制，。",
            "本组职责（预案§4.3.2（4））：负责交通管制。",
        ),
        ("依据§2.2.1 3, §5.3办理：：", "依据§2.2.1第3项、§5.3办理："),
        ("确定应急处置工作方案； 调动相关单位", "确定应急处置工作方案；调动相关单位"),
        ("按 JGJ 125 鉴定为 C 级", "按JGJ 125鉴定为C级"),
        ("第一行\n第二行", "第一行\n第二行"),
    ],
)
def test_tidy_prints_citations_and_drops_stray_spaces_and_doubled_stops(
    raw: str, clean: str
) -> None:
    assert tidy(raw) == clean
    assert problems(clean) == []
    assert bool(problems(raw)) is (raw != clean)


def test_problems_name_machine_dates() -> None:
    assert problems("已于2026-12-02 05:27启动") == ["machine date or time '2026-12-02 05:27'"]


# -- documents built by hand ------------------------------------------------------------------


@pytest.mark.parametrize("lines_before", [2, 3, 4, 5])
def test_signature_and_date_never_stand_alone_on_a_page(
    make_notice: Callable[..., OfficialDocument], pdf_lines: Lines, lines_before: int
) -> None:
    """With these lengths plain flow puts the last line of text at the foot of page 1 and the
    signature alone on page 2; the last lines of text must come along."""
    doc = make_notice(
        paragraphs=["汉" * (28 * lines_before - 2), "一" * 54],
        note="联系人：王某，联系电话：027-84000000",
    )
    pages = pdf_lines(render_notice_pdf(doc))
    page, at = _page_of(pages, SIGNATURE)
    assert pages[page][at + 1].text == "2026年11月22日"
    assert pages[page][at + 2].text == "（联系人：王某，联系电话：027-84000000）"
    assert any(set(line.text) == {"一"} for line in pages[page][:at]), pages[page]


def test_colophon_closes_the_last_page(notice: OfficialDocument, pdf_lines: Lines) -> None:
    pages = pdf_lines(render_notice_pdf(notice))
    last = pages[-1]
    texts = [line.text for line in last]
    copy = next(i for i, t in enumerate(texts) if t.startswith("抄送："))
    printed = next(i for i, t in enumerate(texts) if t.endswith("印发"))
    assert texts[printed] == "汉阳区房屋安全事故应急指挥部办公室2026年11月22日印发"
    assert copy < printed
    assert printed == len(texts) - 2  # only the page number below it
    sig_page, sig = _page_of(pages, SIGNATURE)
    if sig_page == len(pages) - 1:
        assert last[sig].top < last[copy].top
    # 印发机关 starts one character in from the left, the date ends one character in from the right
    line = last[printed]
    assert line.x0 == pytest.approx(LEFT_PT + GBT9704.small_pt, abs=2)
    right_pt = (GBT9704.left_mm + GBT9704.text_width_mm) / MM_PER_PT
    assert line.x1 == pytest.approx(right_pt - GBT9704.small_pt, abs=2)


def test_note_stands_under_the_date_two_characters_in(
    make_notice: Callable[..., OfficialDocument], pdf_lines: Lines
) -> None:
    pages = pdf_lines(render_notice_pdf(make_notice(note="联系人：王某，联系电话：027-84000000")))
    page, at = _page_of(pages, "2026年11月22日")
    note = pages[page][at + 1]
    assert note.text == "（联系人：王某，联系电话：027-84000000）"
    assert note.x0 == pytest.approx(LEFT_PT + 2 * CHAR_PT, abs=2)
    assert note.top > pages[page][at].top


def test_upward_document_prints_its_signer_beside_the_number(
    make_notice: Callable[..., OfficialDocument], pdf_lines: Lines
) -> None:
    pdf = render_notice_pdf(make_notice(signer="王某某", title="关于请求启动市Ⅳ级应急响应的报告"))
    first = pdf_lines(pdf)[0]
    line = next(line for line in first if "签发人" in line.text)
    assert line.text == "阳房应〔2026〕3号签发人：王某某"  # one line, the number on the left
    assert line.x0 == pytest.approx(LEFT_PT + CHAR_PT, abs=2)
    right_pt = (GBT9704.left_mm + GBT9704.text_width_mm) / MM_PER_PT
    assert line.x1 == pytest.approx(right_pt - CHAR_PT, abs=2)
    title = next(i for i, ln in enumerate(first) if ln.text.startswith("关于请求"))
    assert first.index(line) < title


def test_a_document_to_subordinates_has_no_signer(
    notice: OfficialDocument, pdf_lines: Lines
) -> None:
    first = pdf_lines(render_notice_pdf(notice))[0]
    number = next(line for line in first if line.text == "阳房应〔2026〕3号")
    assert "签发人" not in "".join(line.text for line in first)
    centre = (GBT9704.left_mm + GBT9704.text_width_mm / 2) / MM_PER_PT
    assert (number.x0 + number.x1) / 2 == pytest.approx(centre, abs=3)


@pytest.mark.parametrize(
    "lines",
    [
        ["汉阳区房屋安全突发事件", "II级应急响应启动通知"],
        ["关于启动房屋安全突发事件", "Ⅰ级应急响应的通知"],
        ["汉阳区房屋安全突发事件", "II级应急响应结束的通知"],
        ["关于请求市级指挥处置", "房屋安全突发事件的报告"],
    ],
)
def test_titles_break_between_words(
    make_notice: Callable[..., OfficialDocument], pdf_lines: Lines, lines: list[str]
) -> None:
    title = "".join(lines)
    first = pdf_lines(render_notice_pdf(make_notice(title=title)))[0]
    printed = [line.text for line in first if line.size == GBT9704.title_pt]
    assert printed == lines


def test_title_lines_cannot_rewrap_in_a_browser(notice: OfficialDocument) -> None:
    html = render_notice_html(notice)
    assert '<span class="title-line">关于启动房屋安全突发事件</span>' in html
    assert re.search(r"\.title-line \{[^}]*white-space: nowrap", html)


# -- notices of a real incident -----------------------------------------------------------------

START = datetime.fromisoformat("2026-12-02T05:20:00+08:00")
PHONE = "027-84841234"


def _directory(**contacts: Any) -> Directory:
    raw = yaml.safe_load(DEFAULT_CONTACTS_PATH.read_text(encoding="utf-8"))
    raw["contacts"] = {**raw["contacts"], **contacts}
    return Directory.model_validate(raw)


def _entry(**fields: Any) -> dict[str, Any]:
    return {
        "reachable_24h": True,
        "last_verified": "2026-11-01",
        "primary": [{"channel": "console", "address": "x"}],
        **fields,
    }


def _incident(
    db: Path, plan: Plan, directory: Directory, person: str | None
) -> tuple[IncidentService, int]:
    """320 people at risk of an imminent collapse: II, beyond the district's scope, so the city
    is asked; then the danger is eliminated and the response ends."""
    clock = ManualClock(START)
    service = IncidentService(
        f"sqlite:///{db}",
        plan,
        load_workflow("workflows.housing_safety:WORKFLOW"),
        clock=clock,
        directory=directory,
        channels={},
    )
    iid: int = service.report(
        {
            "address": "鹦鹉大道318号3栋",
            "street": "yingwu",
            "condition": "imminent_collapse",
            "discovered_at": "2026-12-02T05:10:00+08:00",
            "people_at_risk": 320,
            "dead": 0,
            "reporter": "社区网格员王芳",
        }
    )["id"]
    clock.advance(minutes=7)  # 5时27分
    service.act(iid, "activate", actor="district_hq", person=person)
    clock.advance(minutes=30)
    service.act(
        iid,
        "eliminate_danger",
        actor="district_housing_bureau",
        data={"experts": ["张建国（结构）"], "appraisers": ["李明（区房屋安全鉴定站）"]},
    )
    for action, actor in (
        ("propose_termination", "district_hq"),
        ("approve_termination", "city_hq_office"),
        ("announce_termination", "district_hq"),
    ):
        clock.advance(minutes=5)
        service.act(iid, action, actor=actor)
    return service, iid


@pytest.fixture(scope="module")
def incident(tmp_path_factory: pytest.TempPathFactory, plan: Plan) -> tuple[IncidentService, int]:
    directory = _directory(district_hq_office=_entry(name="区指挥部办公室值班员刘洋", phone=PHONE))
    return _incident(tmp_path_factory.mktemp("form") / "fangan.db", plan, directory, "李强")


def _notices(service: IncidentService, iid: int) -> list[dict[str, Any]]:
    notices: list[dict[str, Any]] = service.show(iid)["notices"]
    return notices


@pytest.fixture(scope="module")
def printed(incident: tuple[IncidentService, int]) -> dict[str, tuple[OfficialDocument, bytes]]:
    """One printed copy of every document (notice kind) the incident produced, by kind."""
    service, iid = incident
    out: dict[str, tuple[OfficialDocument, bytes]] = {}
    for n in _notices(service, iid):
        if n["kind"] not in out:
            doc = service.notice_document(iid, n["unit"], n["kind"])
            out[n["kind"]] = (doc, render_notice_pdf(doc))
    return out


def test_the_incident_printed_every_kind_of_document(
    printed: dict[str, tuple[OfficialDocument, bytes]],
) -> None:
    assert {"activation_II", "city_request", "termination"} <= set(printed)
    assert any(kind.startswith("group_") for kind in printed)


def test_recipients_of_one_document_share_its_number_and_are_all_addressed(
    incident: tuple[IncidentService, int], plan: Plan, pdf_lines: Lines
) -> None:
    service, iid = incident
    notices = _notices(service, iid)
    units = [n["unit"] for n in notices if n["kind"] == "activation_II"]
    assert len(units) > 2
    docs = [service.notice_document(iid, unit, "activation_II") for unit in units]
    assert len({d.doc_number for d in docs}) == 1
    assert re.fullmatch(rf"{plan.plan.notice_prefix}〔2026〕[1-9]\d*号", docs[0].doc_number)
    names = [plan.actor_name(u) for u in units]
    assert all(list(d.addressees) == names for d in docs)
    text = "".join(line.text for page in pdf_lines(render_notice_pdf(docs[0])) for line in page)
    assert "、".join(names) + "：" in text
    assert text.count(docs[0].doc_number) == 1
    others = {
        service.notice_document(iid, n["unit"], n["kind"]).doc_number
        for n in notices
        if n["kind"] != "activation_II"
    }
    assert docs[0].doc_number not in others


def test_no_title_names_its_recipient(
    printed: dict[str, tuple[OfficialDocument, bytes]],
    incident: tuple[IncidentService, int],
    plan: Plan,
) -> None:
    service, iid = incident
    for n in _notices(service, iid):
        doc = printed[n["kind"]][0]
        assert plan.actor_name(n["unit"]) not in doc.title, doc.title


def test_every_document_has_colophon_and_contact_note(
    printed: dict[str, tuple[OfficialDocument, bytes]], pdf_lines: Lines, plan: Plan
) -> None:
    copied = [plan.actor_name(c) for c in _directory().documents.copy_to]
    assert copied == ["区人民政府", "市房管局"]
    seen_copy = False
    for kind, (doc, pdf) in printed.items():
        pages = pdf_lines(pdf)
        last = [line.text for line in pages[-1]]
        assert last[-2] == "汉阳区房屋安全事故应急指挥部办公室2026年12月2日印发", kind
        expected = [name for name in copied if name not in doc.addressees]
        colophon = "".join(last[:-1]).rsplit("）", 1)[-1]  # after the 附注, before the page number
        if expected:
            seen_copy = True
            assert colophon.startswith(f"抄送：{'，'.join(expected)}。"), (kind, colophon)
        else:
            assert "抄送" not in colophon, kind
        text = "".join(line.text for page in pages for line in page)
        assert f"2026年12月2日（联系人：区指挥部办公室值班员刘洋，联系电话：{PHONE}）" in text, kind
    assert seen_copy


def test_only_the_request_to_the_city_has_a_signer(
    printed: dict[str, tuple[OfficialDocument, bytes]], pdf_lines: Lines
) -> None:
    for kind, (doc, pdf) in printed.items():
        first = "".join(line.text for line in pdf_lines(pdf)[0])
        if kind == "city_request":
            assert f"{doc.doc_number}签发人：李强" in first  # who activated for 区指挥部
        else:
            assert "签发人" not in first, kind


def test_signer_falls_back_to_the_directory_then_is_marked_unknown(
    tmp_path: Path, plan: Plan
) -> None:
    named = _directory(district_hq=_entry(name="王建华"))
    service, iid = _incident(tmp_path / "a.db", plan, named, None)
    assert service.notice_document(iid, "city_hq", "city_request").signer == "王建华"
    service, iid = _incident(tmp_path / "b.db", plan, _directory(), None)
    doc = service.notice_document(iid, "city_hq", "city_request")
    assert doc.signer == "不详（待核实）"
    assert doc.note == "联系人：区指挥部办公室值班员，联系电话：通讯录未登记"


def test_bodies_say_chinese_times_and_nothing_a_clerk_would_strike_out(
    printed: dict[str, tuple[OfficialDocument, bytes]], pdf_lines: Lines
) -> None:
    for kind, (_, pdf) in printed.items():
        text = "\n".join(line.text for page in pdf_lines(pdf) for line in page)
        assert problems(text) == [], kind
        assert not re.search(r"预案\s|\s§|§[\d.]+\s", text), kind
    activation = "".join(
        line.text for page in pdf_lines(printed["activation_II"][1]) for line in page
    )
    assert "2026年12月2日5时27分启动II级应急响应" in activation
