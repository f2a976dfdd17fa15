"""The danger-eliminated form offers the expert pool as a multi-select (§4.4 with §6.2): the
picked ids reach the engine, an unavailable expert is not offered, and a refusal is in Chinese
beside the field."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from workflows.housing_safety.resources_service import ResourceService

HB = "district_housing_bureau"


def _active_with_pool(web: Any, report_data: Callable[..., dict[str, Any]]) -> dict[str, int]:
    web.service.report(report_data(), actor=HB)
    web.service.act(1, "activate", actor="district_hq")
    resources = ResourceService(web.service)
    ids = {}
    for name, field, available in (
        ("张建国", "urban_construction", True),
        ("王水生", "water_management", False),
    ):
        ids[name] = resources.add_expert(
            {"name": name, "field": field, "phone": "13800000009", "available": available}, HB
        )["id"]
    return ids


def test_the_form_offers_the_pool_and_sends_the_picked_ids(
    client: TestClient,
    web: Any,
    login: Callable[[TestClient, str], str],
    report_data: Callable[..., dict[str, Any]],
) -> None:
    ids = _active_with_pool(web, report_data)
    csrf = login(client, "officer")
    page = client.get("/incidents/1").text
    select = re.search(
        r'<select[^>]*name="expert_ids"[^>]*multiple[^>]*>(.*?)</select>', page, re.S
    )
    assert select, "the pool is not offered as a multi-select"
    assert f'value="{ids["张建国"]}"' in select.group(1) and "张建国（城市建设）" in select.group(1)
    assert "王水生" not in select.group(1)  # not available: not offered
    done = client.post(
        "/incidents/1/act/eliminate_danger",
        data={
            "csrf_token": csrf,
            "idem": "e1",
            "expert_ids": [str(ids["张建国"])],
            "experts": "",
            "appraisers": "李明",
        },
    )
    assert done.status_code == 303
    event = next(e for e in web.service.show(1)["timeline"] if e["kind"] == "danger_eliminated")
    assert event["data"]["experts"] == ["张建国（城市建设）"]
    assert event["data"]["pool_experts"][0]["id"] == ids["张建国"]


def test_a_refusal_is_in_chinese_beside_the_field(
    client: TestClient,
    web: Any,
    login: Callable[[TestClient, str], str],
    report_data: Callable[..., dict[str, Any]],
) -> None:
    ids = _active_with_pool(web, report_data)
    csrf = login(client, "officer")
    form = {"csrf_token": csrf, "appraisers": "李明"}
    # an expert marked unavailable after the page was drawn
    refused = client.post(
        "/incidents/1/act/eliminate_danger",
        data={**form, "idem": "e2", "expert_ids": [str(ids["王水生"])]},
    )
    assert refused.status_code == 422
    assert "「专家库中的专家」专家王水生暂不可用" in refused.text
    neither = client.post("/incidents/1/act/eliminate_danger", data={**form, "idem": "e3"})
    assert neither.status_code == 422
    assert "「专家库以外的专家」请从专家库中选择专家，或填写专家库以外的专家姓名" in neither.text
    assert web.service.show(1)["state"] == "active"
