"""The /stats page in real Chromium against a real `serve`: charts drawn, filters, a bar and a
number leading to the incidents behind them, the Excel download; screenshots at 360, 1280 and
1920 px go to /work/shots/figures/ (or $FANGAN_SHOTS)."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from tests.web.conftest import CHROMIUM

SHOTS = Path(os.environ.get("FANGAN_SHOTS", "/work/shots/figures"))

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
if not CHROMIUM.exists():
    pytest.skip("Debian's Chromium is not installed", allow_module_level=True)
expect = sync_api.expect


def _api(site: Any, user: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        site.base + path,
        json=body,
        timeout=30,
        headers={"Authorization": f"Bearer {site.tokens[user]}"},
    )
    assert response.status_code < 300, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
def site(served: Any) -> Any:
    """A served console with a record: incident A (鹦鹉街, II) whose government report came 70
    minutes late, incident B (晴川街, III) just logged, and a drill."""
    served.tokens = {
        "officer": served.user("officer", "值班员甲", "district_housing_bureau", admin=True),
        "hq": served.user("hq", "指挥部乙", "district_hq"),
    }
    served.start()
    now = datetime.now(UTC).replace(microsecond=0)

    def ago(minutes: int) -> str:
        return (now - timedelta(minutes=minutes)).isoformat()

    a = _api(
        served,
        "officer",
        "/api/incidents",
        {
            "address": "鹦鹉花园3栋",
            "street": "yingwu",
            "condition": "imminent_collapse",
            "discovered_at": ago(180),
            "reported_at": ago(170),
            "people_at_risk": 120,
        },
    )["id"]
    for user, action, at, data in (
        ("officer", "verify", ago(160), {}),
        ("hq", "activate", ago(150), {}),
        ("officer", "record_report", ago(140), {"to": "city_housing_bureau"}),
        ("officer", "record_report", ago(60), {"to": "district_government"}),
    ):
        _api(served, user, f"/api/incidents/{a}/actions/{action}", {"at": at, "data": data})
    _api(
        served,
        "officer",
        "/api/incidents",
        {
            "address": "晴川大道8号",
            "street": "qingchuan",
            "condition": "hidden_danger",
            "discovered_at": ago(20),
        },
    )
    _api(
        served,
        "officer",
        "/api/incidents",
        {
            "address": "演练楼1栋",
            "street": "yingwu",
            "condition": "imminent_collapse",
            "discovered_at": ago(100),
            "drill": True,
        },
    )
    served.incident_a = a
    return served


def _page(browser: Any, site: Any, width: int, password: str) -> Any:
    context = browser.new_context(
        viewport={"width": width, "height": 1000},
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        accept_downloads=True,
    )
    page = context.new_page()
    page.goto(site.base + "/login?next=/stats")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", password)
    page.click("button:has-text('登录')")
    expect(page.locator("h1")).to_contain_text("统计分析")
    return page


def test_stats_page_in_chromium(browser: Any, site: Any, password: str, tmp_path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (360, 1280, 1920):
        page = _page(browser, site, width, password)
        visible = ".chart-narrow svg" if width < 700 else ".chart-wide svg"
        expect(page.locator(f"{visible} >> visible=true")).to_have_count(4)
        page.screenshot(path=str(SHOTS / f"stats-{width}.png"), full_page=True)
        if width == 1920:
            page.screenshot(path=str(SHOTS / "stats-1920-screen.png"))
        overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"the page scrolls sideways at {width} px"
        page.context.close()

    page = _page(browser, site, 1280, password)
    kpi = page.locator(".kpi").first.locator(".kpi-value")
    expect(kpi).to_have_text("2")  # the drill is not counted
    expect(page.locator(".kpi-drill .kpi-value")).to_have_text("1")
    # A bar of the timeliness chart: the late government reports, incident A behind it.
    page.locator(".chart-timeliness .chart-wide a").filter(
        has=page.locator("title", has_text="向区人民政府报告 迟报")
    ).click()
    expect(page).to_have_url(
        re.compile(
            r"/stats/incidents\?.*figure=timeliness\."
            r"government_report\.late"
        )
    )
    expect(page.locator(".stats-list tbody tr")).to_have_count(1)
    expect(page.locator(".stats-list")).to_contain_text("鹦鹉花园3栋")
    page.screenshot(path=str(SHOTS / "stats-incidents-1280.png"), full_page=True)
    page.click("text=返回统计")
    # Filter by street: only 晴川街's incident is left, and nothing late.
    page.select_option("select[name=street]", "qingchuan")
    page.click("button:has-text('查询')")
    expect(page).to_have_url(re.compile(r"street=qingchuan"))
    expect(kpi).to_have_text("1")
    expect(page.locator(".kpi-warn .kpi-value")).to_have_text("0")
    # The Excel download holds the page's figures.
    with page.expect_download() as download:
        page.click("text=导出 Excel")
    target = tmp_path / "stats.xlsx"
    download.value.save_as(target)
    rows = list(load_workbook(target)["按街道"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1]) for r in rows if r[1]] == [("晴川街", 1)]
    page.context.close()
