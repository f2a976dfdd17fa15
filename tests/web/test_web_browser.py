"""The console in a real browser: headless Chromium (Debian's) driven by Playwright against a
real `serve` process. A duty officer logs in, takes a report through the form while the grade
shows up, watches the countdown tick, records a call, is refused on a stale page, and sees other
users' actions arrive without reloading. Screenshots go to /tmp/fangan-shots/.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.conftest import CHROMIUM

SHOTS = Path("/tmp/fangan-shots")

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
if not CHROMIUM.exists():
    pytest.skip(
        "Debian's Chromium is not installed (apt-get install chromium)", allow_module_level=True
    )

Page = sync_api.Page
expect = sync_api.expect


@pytest.fixture
def site(served: Any) -> Any:
    """A served console (1-second polling) with an administrator on duty at 区房管局 and a
    区指挥部 user whose bearer token plays "another user" from elsewhere."""
    served.env["FANGAN_POLL_SECONDS"] = "1"
    served.tokens = {
        "officer": served.user("officer", "值班员甲", "district_housing_bureau", admin=True),
        "hq": served.user("hq", "指挥部乙", "district_hq"),
    }
    served.start()
    return served


def page_for(browser: Any, site: Any, width: int, user: str, password: str) -> Any:
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        accept_downloads=True,
    )
    page = context.new_page()
    page.goto(site.base + "/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button:has-text('登录')")
    expect(page.locator("h1")).to_have_text("未结事件")
    return page


def api(site: Any, user: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    response = httpx.request(
        method,
        site.base + path,
        timeout=10,
        headers={"Authorization": f"Bearer {site.tokens[user]}"},
        **kwargs,
    )
    assert response.status_code < 300, response.text
    body: dict[str, Any] = response.json()
    return body


def shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def test_duty_officer_flow(browser: Any, site: Any, password: str) -> None:
    page = page_for(browser, site, 1280, "officer", password)

    # -- a report taken on the phone: the grade shows up while the facts are typed ----------
    page.click("a.nav-report")
    page.click("label.tile:has-text('随时可能倒塌')")
    page.click("label.tile:has-text('鹦鹉街')")
    page.fill("input[name=address]", "鹦鹉街3栋")
    page.fill("input[name=people_at_risk]", "120")
    expect(page.locator("#classify-main")).to_have_text("\u2161级应急响应 · 较大事件")
    page.fill("input[name=people_at_risk]", "320")
    expect(page.locator("#classify-main")).to_have_text("\u2161级应急响应 · 重大事件")
    expect(page.locator("#classify-reasons")).to_contain_text("超出区级响应范围")
    page.click("button:has-text('登记事件')")
    expect(page).to_have_url(re.compile(r"/incidents/1$"))
    expect(page.locator(".flash")).to_have_text("已登记事件 #1")

    # -- its countdown ticks, green an hour before the deadline ---------------------------
    countdown = page.locator(".area-deadlines .countdown").first
    expect(countdown).to_have_class(re.compile("cd-ok"))
    first = countdown.inner_text()
    assert re.fullmatch(r"剩余 (\d\d:\d\d|\d+小时\d\d分)", first), first
    page.wait_for_timeout(1300)
    assert countdown.inner_text() != first or "小时" in first

    # -- the forbidden is not offered; an allowed action is taken ------------------------
    actions = page.locator("#actions")
    expect(actions.locator("details[data-action=activate]")).to_have_count(0)
    expect(actions).to_contain_text("启动应急响应：区指挥部")
    record = actions.locator("details[data-action=record_report]")
    # the report owed first is the 下一步: its form is open already, its recipient chosen
    expect(record).to_have_attribute("open", "")
    assert record.locator("select[name=to]").input_value() == "city_housing_bureau"
    record.locator("input[name=channel]").fill("电话")
    record.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_have_text("已执行：信息报送登记")
    expect(page.locator(".area-deadlines")).to_contain_text("已按时完成")
    shoot(page, "incident-1280.png")

    # -- a refused action: the page is stale (polls held back) while 区指挥部 activates ------
    page.route("**/live*", lambda route: route.abort())
    api(site, "hq", "POST", "/api/incidents/1/actions/activate", json={})
    dismiss = page.locator("details[data-action=dismiss]")
    dismiss.locator("summary.action-summary").click()
    dismiss.locator("textarea[name=reason]").fill("现场核实为误报")
    dismiss.locator("button[type=submit]").click()
    expect(page.locator(".flash-error").first).to_contain_text("「撤销（报告不实）」未执行")
    expect(page.locator(".flash-error").first).to_contain_text("当前状态不允许此操作")
    page.unroute("**/live*")

    # -- live: another user's action appears without a reload ------------------------------
    page.evaluate("window.__stayed = true")
    api(
        site,
        "hq",
        "POST",
        "/api/incidents/1/actions/record_report",
        json={"data": {"to": "district_government", "channel": "电话"}},
    )
    expect(page.locator(".area-timeline")).to_contain_text("已报告区人民政府", timeout=8000)
    assert page.evaluate("window.__stayed") is True
    expect(page.locator("#actions")).not_to_contain_text("撤销（报告不实）")

    # -- the dashboard: urgency order, countdowns, a drill, live arrival -------------------
    page.click("a.brand")
    page.evaluate("window.__stayed = true")
    found = (datetime.now().astimezone() - timedelta(minutes=55)).isoformat()
    api(
        site,
        "officer",
        "POST",
        "/api/incidents",
        json={
            "address": "晴川街道口12号",
            "street": "qingchuan",
            "condition": "hidden_danger",
            "discovered_at": found,
            "drill": True,
        },
    )
    cards = page.locator("article.sb-card")
    expect(cards).to_have_count(2, timeout=8000)
    assert page.evaluate("window.__stayed") is True
    drill = page.locator("#lane-drills article.sb-card")  # drills apart, never above a real one
    expect(drill).to_contain_text("晴川街道口12号")
    expect(drill.locator(".countdown").first).to_have_class(re.compile("cd-soon"))
    expect(drill).to_contain_text("【演练】")
    shoot(page, "dashboard-1280.png")

    narrow = page_for(browser, site, 360, "officer", password)
    shoot(narrow, "dashboard-360.png")
    narrow.goto(site.base + "/incidents/1")
    expect(narrow.locator(".area-deadlines")).to_be_visible()
    width = narrow.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways at 360 px ({width} px wide)"
    shoot(narrow, "incident-360.png")
    narrow.goto(site.base + "/report")
    shoot(narrow, "report-360.png")


def test_report_download(browser: Any, site: Any, password: str) -> None:
    api(
        site,
        "officer",
        "POST",
        "/api/incidents",
        json={
            "address": "四新街某厂房",
            "street": "sixin",
            "condition": "partial_collapse",
            "discovered_at": datetime.now().astimezone().isoformat(),
            "dead": 1,
        },
    )
    page = page_for(browser, site, 1280, "hq", password)
    page.goto(site.base + "/incidents/1")
    with page.expect_download() as download:
        page.click(".doc-links a:has-text('Markdown')")
    saved = Path(download.value.path())
    assert "四新街某厂房" in saved.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/docs", ".opblock-summary-path"),  # Swagger UI lists the operations
        ("/redoc", "[data-section-id]"),  # ReDoc lists the operations in its menu
    ],
)
def test_api_docs_render_offline(browser: Any, site: Any, path: str, shown: str) -> None:
    """/docs and /redoc render with nothing loaded from another origin (served assets only)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((site.base, "data:", "blob:"))
            else elsewhere.append(request.url)
        ),
    )
    page.goto(site.base + path)
    expect(page.locator(shown).first).to_be_visible(timeout=30000)
    assert elsewhere == [], f"{path} asked other origins for {elsewhere}"
    shoot(page, f"api{path.replace('/', '-')}-1280.png")
    context.close()
