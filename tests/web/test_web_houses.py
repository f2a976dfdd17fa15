"""The danger-house register over the API and in the console (TestClient), and its pages in
real Chromium (conftest's `browser`) at 360, 1280 and 1920 px (screenshots under
/work/shots/prev/): the register, a house, warnings, resources with their add and edit forms
open, the public-building checks with the overdue list, and the danger-eliminated form with
the expert pool."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path("/work/shots/prev")
HOUSE = {
    "address": "示例路1号",
    "street": "yingwu",
    "responsible": "示例责任人",
    "responsible_phone": "13800000001",
    "grade": "D",
    "appraisal_body": "示例鉴定所",
    "report_number": "R-1",
    "appraised_on": "2026-02-01",
    "disposition": "stop_use",
}


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_api_register_patrol_and_refused_import(client: TestClient, web: Any) -> None:
    created = client.post("/api/houses", json=HOUSE, headers=web.auth("officer"))
    assert created.status_code == 201, created.text
    hid = created.json()["id"]
    bad = client.post(
        "/api/houses", json={**HOUSE, "street": "nowhere"}, headers=web.auth("officer")
    )
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_input"
    patrolled = client.post(
        f"/api/houses/{hid}/patrols",
        headers=web.auth("officer"),
        json={"patroller": "示例巡查员", "findings": "无变化"},
    )
    assert patrolled.status_code == 200 and patrolled.json()["patrols"][0]["findings"] == "无变化"
    refused = client.post(
        "/api/houses/import",
        headers=web.auth("officer"),
        content=_xlsx([["地址", "街道"], ["示例路2号", "火星街"]]),
    )
    assert refused.status_code == 422
    [problem] = refused.json()["problems"]
    assert (problem["row"], problem["column"], problem["field"]) == (2, "街道", "street")
    assert problem["reason"].startswith("unknown street '火星街'")
    assert [h["id"] for h in client.get("/api/houses", headers=web.auth("officer")).json()] == [hid]
    exported = client.get("/api/houses/export", headers=web.auth("officer"))
    assert exported.headers["content-type"].startswith("application/vnd.openxmlformats")


def test_console_pages_show_the_register_and_take_a_patrol(
    client: TestClient, web: Any, login: Any
) -> None:
    hid = client.post("/api/houses", json=HOUSE, headers=web.auth("officer")).json()["id"]
    csrf = login(client, "officer")
    page = client.get("/houses")
    assert page.status_code == 200 and "危险房屋清册" in page.text and "示例路1号" in page.text
    done = client.post(
        f"/houses/{hid}/patrol",
        data={
            "csrf_token": csrf,
            "patroller": "示例巡查员",
            "findings": "墙体新增裂缝",
            "major_hazard": "on",
            "open_incident": "on",
        },
    )
    assert done.status_code == 303
    house = client.get(f"/houses/{hid}").text
    assert "墙体新增裂缝" in house and re.search(r'href="/incidents/\d+"', house)
    assert "重大安全隐患报告" in house
    upload = client.post(
        "/houses/import",
        data={"csrf_token": csrf},
        files={"file": ("r.xlsx", _xlsx([["地址", "街道"], ["示例路2号", "火星街"]]))},
    )
    assert upload.status_code == 422 and "未导入任何房屋" in upload.text


XXE = """<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier></alert>"""


def test_api_warnings_refuse_hostile_xml_and_the_fund_has_its_readers(
    client: TestClient, web: Any
) -> None:
    client.post("/api/houses", json=HOUSE, headers=web.auth("officer"))
    refused = client.post("/api/warnings/cap", content=XXE.encode(), headers=web.auth("officer"))
    assert refused.status_code == 422 and "declares a DTD" in refused.json()["message"]
    assert client.get("/api/warnings", headers=web.auth("officer")).json() == []
    made = client.post(
        "/api/warnings",
        headers=web.auth("officer"),
        json={
            "kind": "wind",
            "colour": "yellow",
            "streets": ["yingwu"],
            "starts_at": "2026-03-02T09:00:00+08:00",
            "ends_at": "2026-03-02T20:00:00+08:00",
        },
    )
    assert made.status_code == 201 and len(made.json()["tasks"]) == 1
    budget = client.post(
        "/api/fund", headers=web.auth("officer"), json={"year": 2026, "budget_yuan": "1000000.00"}
    )
    assert budget.status_code == 200 and budget.json()["below_minimum"] is False
    assert client.get("/api/fund/2026", headers=web.auth("street")).status_code == 403
    assert (
        client.get("/api/fund/2026", headers=web.auth("officer")).json()["balance_yuan"]
        == 1_000_000
    )


def test_console_warning_form_creates_the_tasks(client: TestClient, web: Any, login: Any) -> None:
    client.post("/api/houses", json=HOUSE, headers=web.auth("officer"))
    csrf = login(client, "officer")
    done = client.post(
        "/warnings",
        data={
            "csrf_token": csrf,
            "kind": "rain",
            "colour": "red",
            "streets": ["yingwu", "sixin"],
            "starts_at": "2026-03-02T09:00",
            "ends_at": "2026-03-02T21:00",
        },
    )
    assert done.status_code == 303
    page = client.get("/warnings").text
    assert "已生成 1 项危险房屋排查任务" in page and "红色暴雨预警" in page
    assert "示例路1号" in page
    assert "应急资金" in client.get("/resources").text
    shelter = client.post(
        "/api/shelters",
        headers=web.auth("officer"),
        json={
            "name": "示例体育馆",
            "street": "yingwu",
            "kind": "gymnasium",
            "address": "示例大道1号",
            "capacity": 10,
        },
    ).json()
    warning = client.get("/api/warnings", headers=web.auth("officer")).json()[0]
    assert 'action="/evacuations"' in client.get("/warnings").text
    house = warning["tasks"][0]["house_id"]
    for people, expected in (("8", "现有 8 人，余量 2 人"), ("3", "has room for 2 more")):
        client.post(
            "/evacuations",
            data={
                "csrf_token": csrf,
                "shelter_id": str(shelter["id"]),
                "people": people,
                "house_id": str(house),
                "warning_id": str(warning["id"]),
            },
        )
        assert expected in client.get("/warnings").text


def test_register_pages_in_chromium(browser: Any, served: Any, password: str) -> None:
    from playwright.sync_api import expect

    token = served.user("officer", "值班员甲", "district_housing_bureau", admin=True)
    subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "house", "demo"],
        cwd=ROOT,
        env=served.env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    served.start()
    auth = {"Authorization": f"Bearer {token}"}
    incident = httpx.post(
        served.base + "/api/incidents",
        headers=auth,
        json={
            "address": "示例路3号",
            "street": "yingwu",
            "condition": "hidden_danger",
            "discovered_at": (datetime.now(UTC) - timedelta(minutes=10)).isoformat(),
        },
        timeout=30,
    ).json()
    activated = httpx.post(
        served.base + f"/api/incidents/{incident['id']}/actions/activate",
        headers=auth,
        timeout=30,
    )
    assert activated.status_code == 200, activated.text
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (360, 1280, 1920):
        context = browser.new_context(
            viewport={"width": width, "height": 900},
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        page = context.new_page()
        page.goto(served.base + "/login")
        page.fill("input[name=username]", "officer")
        page.fill("input[name=password]", password)
        page.click("button:has-text('登录')")
        page.goto(served.base + "/houses")
        expect(page.locator("h1")).to_contain_text("危险房屋清册")
        assert page.locator(".hz-table tbody tr").count() == 33
        page.screenshot(path=str(SHOTS / f"houses-{width}.png"), full_page=True)
        page.click("a:has-text('示例路1号（演示数据）')")
        expect(page.locator("h1")).to_contain_text("示例路1号")
        if width == 1280:
            page.fill("textarea[name=findings]", "屋面局部渗漏，裂缝无发展")
            page.click("button:has-text('记录巡查')")
            expect(page.locator(".flash")).to_contain_text("巡查已记录")
        page.screenshot(path=str(SHOTS / f"house-{width}.png"), full_page=True)
        page.goto(served.base + "/warnings")
        expect(page.locator(".hz-warning")).to_have_count(1)
        page.screenshot(path=str(SHOTS / f"warnings-{width}.png"), full_page=True)
        page.goto(served.base + "/resources")
        expect(page.locator("h1")).to_contain_text("应急保障资源")
        for summary in ("登记专家", "登记避险场所", "记录年度应急启动资金"):
            page.locator(f"summary:has-text('{summary}')").click()
        page.locator(".hz-details summary:has-text('修改')").first.click()
        page.screenshot(path=str(SHOTS / f"resources-{width}.png"), full_page=True)
        if width == 1280:  # a refusal in Chinese, naming the field
            form = page.locator("form[action='/resources/experts']")
            form.locator("input[name=name]").fill("示例专家")
            form.locator("input[name=phone]").fill("无")
            form.locator("button").click()
            expect(page.locator(".flash")).to_contain_text("「联系电话」不是有效的电话号码")
            page.screenshot(path=str(SHOTS / f"resources-refused-{width}.png"), full_page=True)
        page.goto(served.base + "/checks")
        expect(page.locator("h1")).to_contain_text("公共建筑检查与演练")
        expect(page.locator("main")).to_contain_text("1 处公共建筑已逾期未检查")
        page.screenshot(path=str(SHOTS / f"checks-{width}.png"), full_page=True)
        page.goto(served.base + f"/incidents/{incident['id']}")
        form = page.locator("details#act-eliminate_danger")
        if form.get_attribute("open") is None:
            form.locator("summary.action-summary").click()
        expect(page.locator("select[name=expert_ids]").first).to_be_visible()
        page.screenshot(path=str(SHOTS / f"eliminate-{width}.png"), full_page=True)
        form.scroll_into_view_if_needed()
        form.screenshot(path=str(SHOTS / f"eliminate-form-{width}.png"))
        context.close()
