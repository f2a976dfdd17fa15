"""Unknown facts are null and printed 不详（待核实）; money is decimal; the place is written once
(SPEC R1, issue 10). Through the CLI contract, the service and the pure address function."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from documents import render_report
from documents.formatting import UNKNOWN, cn_place, cn_yuan
from engine.errors import InvalidInput
from engine.service import IncidentService

DISCOVERED = "2026-03-02T08:40:00+08:00"
UNKNOWN_FIELDS = ("dead", "missing", "injured", "economic_loss_yuan", "people_at_risk")


def _plain(html: str) -> str:
    return re.sub(r"<[^>]+>|\s+", "", html)


def test_left_empty_is_null_in_the_record_and_unknown_in_every_notice(
    cli: Any, tmp_path: Path
) -> None:
    """Issue 10: the intake says 不清楚可先空着, and the record then said 死亡0人，失踪0人."""
    code, view, err = cli(
        "incident",
        "report",
        stdin={
            "address": "鹦鹉花园3栋",
            "street": "yingwu",
            "condition": "partial_collapse",
            "discovered_at": DISCOVERED,
        },
    )
    assert code == 0, err
    assert all(view[name] is None for name in UNKNOWN_FIELDS)
    assert view["grade"] == "ordinary"  # grading reads unknown as 0
    iid = str(view["id"])
    code, view, err = cli("incident", "act", iid, "activate", "--actor", "district_hq")
    assert code == 0, err
    for unit, kind in (("street_office", "activation_I"), ("city_hq", "city_request")):
        out = tmp_path / f"{kind}.html"
        code, _, err = cli(
            "notice", iid, "--unit", unit, "--kind", kind, "--format", "html", "--out", str(out)
        )
        assert code == 0, err
        text = _plain(out.read_text(encoding="utf-8"))
        assert f"死亡{UNKNOWN}" in text and f"失踪{UNKNOWN}" in text, text
        assert "死亡0人" not in text and "0元" not in text
    assert f"估计经济损失{UNKNOWN}" in text  # the city request


def test_the_report_prints_unknown_casualties_as_unknown(service: IncidentService) -> None:
    view = service.report(
        {
            "address": "鹦鹉花园3栋",
            "street": "yingwu",
            "condition": "partial_collapse",
            "discovered_at": DISCOVERED,
            "dead": 2,
        }
    )
    md = render_report(service.investigation_report(view["id"]), "md").decode()
    assert f"死亡2人、失踪{UNKNOWN}、受伤{UNKNOWN}" in md
    assert f"直接经济损失{UNKNOWN}" in md and "死亡0人" not in md


@pytest.mark.parametrize(
    ("loss", "shown", "grade"),
    [
        (99_999_999.5, 99_999_999.5, "serious"),
        (10_000_000.0, 10_000_000, "relatively_serious"),  # the threshold is reached (≥)
        ("9999999.99", 9_999_999.99, "ordinary"),
        ("50000000", 50_000_000, "serious"),
    ],
)
def test_money_is_decimal_and_grades_as_before(cli: Any, loss: Any, shown: Any, grade: str) -> None:
    """Issue 10: 99,999,999.5 and even 10000000.0 were refused as not whole numbers."""
    code, view, err = cli(
        "incident",
        "report",
        stdin={
            "address": "琴台大道1号",
            "street": "qinduankou",
            "condition": "total_collapse",
            "discovered_at": DISCOVERED,
            "economic_loss_yuan": loss,
        },
    )
    assert code == 0, err
    assert view["economic_loss_yuan"] == shown and view["grade"] == grade
    code, again, _ = cli("incident", "show", str(view["id"]))
    assert again["economic_loss_yuan"] == shown


@pytest.mark.parametrize("loss", [1.234, "1.001", "一千万", True, -0.01, "1e20", None])
def test_money_with_more_than_fen_or_not_a_number_is_refused(cli: Any, loss: Any) -> None:
    data = {
        "address": "琴台大道1号",
        "street": "qinduankou",
        "condition": "total_collapse",
        "discovered_at": DISCOVERED,
        "economic_loss_yuan": loss,
    }
    code, _, err = cli("incident", "report", stdin=data)
    if loss is None:  # null: unknown, accepted
        assert code == 0, err
        return
    assert code == 2
    assert "economic_loss_yuan" in cli.error(err)["message"]


def test_settled_amounts_are_decimal_too(service: IncidentService) -> None:
    iid = service.report(
        {
            "address": "鹦鹉花园3栋",
            "street": "yingwu",
            "condition": "hidden_danger",
            "discovered_at": DISCOVERED,
        }
    )["id"]
    service.act(iid, "activate", actor="district_hq")
    view = service.act(
        iid,
        "use_emergency_power",
        actor="district_hq",
        data={"measure": "demolish_adjacent", "detail": "拆除毗邻棚屋"},
    )
    settle = {"obligation": view["obligations"][0]["id"], "how": "已支付"}
    with pytest.raises(InvalidInput, match="amount_yuan"):
        service.act(
            iid,
            "settle_obligation",
            actor="district_government",
            data={**settle, "amount_yuan": "1.005"},
        )
    view = service.act(
        iid,
        "settle_obligation",
        actor="district_government",
        data={**settle, "amount_yuan": "86000.50"},
    )
    assert view["obligations"][0]["amount_yuan"] == 86000.5
    assert cn_yuan(86000.5) == "86,000.50元" and cn_yuan(None) == UNKNOWN


# -- the place, once --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "with_district", "expected"),
    [
        ("鹦鹉花园3栋", False, "鹦鹉街鹦鹉花园3栋"),
        ("鹦鹉街鹦鹉花园3栋", False, "鹦鹉街鹦鹉花园3栋"),
        ("鹦鹉街鹦鹉花园3栋", True, "汉阳区鹦鹉街鹦鹉花园3栋"),
        ("鹦鹉花园3栋", True, "汉阳区鹦鹉街鹦鹉花园3栋"),
        ("汉阳区琴台大道1号", False, "汉阳区琴台大道1号"),
        ("汉阳区琴台大道1号", True, "汉阳区琴台大道1号"),
        ("  鹦鹉街鹦鹉花园3栋 ", False, "鹦鹉街鹦鹉花园3栋"),
    ],
)
def test_cn_place_writes_street_and_district_once(
    address: str, with_district: bool, expected: str
) -> None:
    assert cn_place(address, "鹦鹉街", "汉阳区", with_district=with_district) == expected


def test_no_street_twice_in_notices_ack_page_and_report(service: IncidentService) -> None:
    """Issue 10: 鹦鹉街鹦鹉街鹦鹉花园3栋 in notices, the acknowledgement page and the title."""
    view = service.report(
        {
            "address": "鹦鹉街鹦鹉花园3栋",
            "street": "yingwu",
            "condition": "imminent_collapse",
            "discovered_at": DISCOVERED,
        }
    )
    iid = view["id"]
    view = service.act(iid, "activate", actor="district_hq")
    texts = []
    for notice in view["notices"]:
        document = service.notice_document(iid, notice["unit"], notice["kind"])
        texts += [document.title, *document.paragraphs]
        url = service.ack_links.url(iid, notice["id"], notice["unit"], service.now())
        texts.append(service.ack_link_notice(url.rsplit("/", 1)[1])["place"])
    texts.append(service.investigation_report(iid).title)
    joined = "\n".join(texts)
    assert "鹦鹉街鹦鹉花园3栋" in joined and "鹦鹉街鹦鹉街" not in joined
    assert service.investigation_report(iid).title.startswith("汉阳区鹦鹉街鹦鹉花园3栋")
