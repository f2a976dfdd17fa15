"""The public buildings' overdue flag (§3.3; the interval local policy) in the API and on the
console's list of checks."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from workflows.housing_safety.public_buildings import PublicBuildingService


def test_the_api_and_the_console_list(client: TestClient, web: Any, login: Any) -> None:
    PublicBuildingService(web.service).record(
        {
            "department": "district_education_bureau",
            "building": "示例中学",
            "address": "示例路8号",
            "street": "longyang",
            "checked_on": "2025-01-01",
            "findings": "未见异常",
        },
        "district_housing_bureau",
    )
    got = client.get("/api/public-buildings", headers=web.auth("officer")).json()
    assert got["overdue"] == 1 and got["buildings"][0]["days_overdue"] == 60
    login(client, "officer")
    page = client.get("/checks").text
    assert "1 处公共建筑已逾期未检查" in page and "已逾期 60 天" in page
    # On a phone the table stacks: each cell carries its column's name.
    assert 'data-label="下次应检"><span class="hz-late">已逾期 60 天' in page
