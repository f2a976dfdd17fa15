"""已电话确认 through the console form (TestClient): only the desk records a unit's confirmation
by phone; it is the unit's acknowledgement, said to be recorded on its behalf (代录); a unit
with nothing left to acknowledge is refused in Chinese."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import new_report


def street_notices(web: Any) -> list[dict[str, Any]]:
    return [n for n in web.service.show(1)["notices"] if n["unit"] == "street_office"]


def test_the_desk_records_a_phone_confirmation(
    client: TestClient, web: Any, login: Callable[[TestClient, str], str]
) -> None:
    web.service.report(new_report())
    web.service.act(1, "activate", actor="district_hq")
    assert {n["status"] for n in street_notices(web)} == {"sent"}

    hq_csrf = login(client, "hq")  # 区指挥部 is not the desk
    refused = client.post(
        "/incidents/1/units/street_office/phone", data={"csrf_token": hq_csrf, "person": "李某"}
    )
    assert refused.status_code == 403 and "只有区房管局、区指挥部办公室" in refused.text
    assert {n["status"] for n in street_notices(web)} == {"sent"}

    csrf = login(client, "officer")
    done = client.post(
        "/incidents/1/units/street_office/phone",
        data={"csrf_token": csrf, "person": "李某", "idem": "p1"},
    )
    assert done.status_code == 303
    page = client.get("/incidents/1").text
    assert "已登记电话确认：街道办事处已收到通知" in page
    notices = street_notices(web)
    assert len(notices) >= 2  # the activation notice and its group assignments: all at once
    assert {n["status"] for n in notices} == {"acknowledged"}
    assert {n["acknowledged_by"] for n in notices} == {"电话确认：李某；值班员甲（区房管局）代录"}

    again = client.post(
        "/incidents/1/units/street_office/phone", data={"csrf_token": csrf, "idem": "p2"}
    )
    assert again.status_code == 303
    assert "电话确认未登记。前提条件未满足：没有待签收的通知" in client.get("/incidents/1").text
    assert (
        client.post("/incidents/1/units/nobody/phone", data={"csrf_token": csrf}).status_code == 404
    )


def test_who_may_record_it_is_the_plans(
    client: TestClient, web: Any, login: Callable[[TestClient, str], str]
) -> None:
    """The desks are config (`proxy.phone_confirmers`), not a list in the console."""
    plan = web.service.plan
    proxy = plan.proxy.model_copy(update={"phone_confirmers": ["district_hq"]})
    web.service.plan = plan.model_copy(update={"proxy": proxy})
    web.service.report(new_report())
    web.service.act(1, "activate", actor="district_hq")
    csrf = login(client, "officer")
    refused = client.post(
        "/incidents/1/units/street_office/phone", data={"csrf_token": csrf, "person": "李某"}
    )
    assert refused.status_code == 403 and "只有区指挥部的值班人员可以登记电话确认" in refused.text
    csrf = login(client, "hq")
    done = client.post(
        "/incidents/1/units/street_office/phone",
        data={"csrf_token": csrf, "person": "李某", "idem": "p2"},
    )
    assert done.status_code == 303
    assert {n["status"] for n in street_notices(web)} == {"acknowledged"}
