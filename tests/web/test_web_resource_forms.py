"""The resources page's forms (§6.2–§6.4): add and edit an expert and a shelter, record the
year's fund and a spending; a refusal comes back in Chinese naming the field, nothing saved."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from workflows.housing_safety.resources_service import ResourceService
from workflows.housing_safety.warnings_service import WarningService

EXPERT = {"name": "张建国", "field": "urban_construction", "phone": "13800000009"}
SHELTER = {
    "name": "示例广场",
    "kind": "square",
    "street": "yingwu",
    "address": "示例路2号",
    "capacity": "300",
}


def _flash(client: TestClient) -> str:
    page = client.get("/resources").text
    found = re.search(r'class="flash[^"]*"[^>]*>(.*?)<', page, re.S)
    assert found, "no flash on the page"
    return found.group(1).strip()


def test_an_expert_is_added_and_edited(
    client: TestClient, web: Any, login: Callable[[TestClient, str], str]
) -> None:
    csrf = login(client, "officer")
    page = client.get("/resources").text
    assert 'action="/resources/experts"' in page and "登记专家" in page
    done = client.post("/resources/experts", data={**EXPERT, "available": "on", "csrf_token": csrf})
    assert done.status_code == 303 and "专家张建国已登记入库" in _flash(client)
    (expert,) = ResourceService(web.service).list_experts()
    assert expert["available"] is True
    client.post(
        f"/resources/experts/{expert['id']}",
        data={**EXPERT, "employer": "示例设计院", "csrf_token": csrf},  # unticked: unavailable
    )
    (expert,) = ResourceService(web.service).list_experts()
    assert (expert["employer"], expert["available"]) == ("示例设计院", False)
    client.post(
        f"/resources/experts/{expert['id']}",
        data={**EXPERT, "phone": "电话", "csrf_token": csrf},
    )
    assert _flash(client) == "未完成。输入有误：「联系电话」不是有效的电话号码（数字、空格或 -）"
    assert ResourceService(web.service).list_experts()[0]["phone"] == "13800000009"
    client.post("/resources/experts", data={**EXPERT, "field": "astrology", "csrf_token": csrf})
    assert "「专业领域」不是可选的值" in _flash(client)


def test_a_shelter_is_added_and_its_capacity_kept_above_those_sheltered(
    client: TestClient, web: Any, login: Callable[[TestClient, str], str]
) -> None:
    csrf = login(client, "officer")
    client.post("/resources/shelters", data={**SHELTER, "csrf_token": csrf})
    assert "避险场所示例广场已登记" in _flash(client)
    warnings = WarningService(web.service)
    (shelter,) = warnings.list_shelters()
    client.post(
        f"/resources/shelters/{shelter['id']}",
        data={**SHELTER, "capacity": "250", "csrf_token": csrf},
    )
    assert warnings.list_shelters()[0]["capacity"] == 250
    client.post(
        f"/resources/shelters/{shelter['id']}",
        data={**SHELTER, "capacity": "两百", "csrf_token": csrf},
    )
    assert _flash(client) == "未完成。输入有误：「可容纳人数」须为整数"
    assert warnings.list_shelters()[0]["capacity"] == 250
    assert (
        client.post("/resources/shelters/99", data={**SHELTER, "csrf_token": csrf}).status_code
        == 404
    )


def test_the_fund_and_a_spending_from_the_page(
    client: TestClient, web: Any, login: Callable[[TestClient, str], str]
) -> None:
    csrf = login(client, "officer")  # 区房管局 records the fund (local policy)
    client.post(
        "/resources/fund/spending",
        data={"amount_yuan": "100", "purpose": "临时支护", "csrf_token": csrf},
    )
    assert "年尚未记录应急启动资金，请先记录" in _flash(client)
    client.post(
        "/resources/fund", data={"year": "2026", "budget_yuan": "1200000", "csrf_token": csrf}
    )
    assert "2026年应急启动资金已记录" in _flash(client)
    client.post(
        "/resources/fund/spending",
        data={
            "amount_yuan": "100.5",
            "purpose": "临时支护",
            "incident_id": "7",
            "csrf_token": csrf,
        },
    )
    assert _flash(client) == "未完成。输入有误：「事件编号」事件 #7 不存在"
    client.post(
        "/resources/fund/spending",
        data={"amount_yuan": "100.50", "purpose": "临时支护", "csrf_token": csrf},
    )
    assert _flash(client) == "支出已记录。"
    page = client.get("/resources").text
    assert "100.50 元" in page
    # a unit that does not record the fund sees no form
    street = TestClient(web.app, follow_redirects=False)
    login(street, "street")
    assert 'action="/resources/fund"' not in street.get("/resources").text
