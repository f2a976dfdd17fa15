"""The duty desk in a real browser (headless Debian Chromium, Playwright, a real `serve`): a call
is logged through the form, and a handover is confirmed by two officers in two browser contexts,
each under their own account; the incoming officer cannot confirm for the outgoing one.
Screenshots of every duty page at 360, 1280 and 1920 px go to /work/shots/duty/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

SHOTS = Path("/work/shots/duty")
expect = pytest.importorskip("playwright.sync_api", reason="pip install playwright").expect


@pytest.fixture
def site(served: Any) -> Any:
    """A served console with two duty officers: `wang` (区房管局) on the shift ending in an hour
    and `zhao` (区指挥部办公室) on the next one."""
    served.tokens = {
        "wang": served.user("wang", "王值班", "district_housing_bureau", admin=True),
        "zhao": served.user("zhao", "赵值班", "district_hq_office"),
    }
    served.start()
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    for starts, ends, leader, officer in (
        (now - timedelta(hours=7), now + timedelta(hours=1), "王副局长", "wang"),
        (now + timedelta(hours=1), now + timedelta(hours=9), "陈副局长", "zhao"),
    ):
        api(
            served,
            "wang",
            "POST",
            "/api/shifts",
            json={
                "starts_at": starts.isoformat(),
                "ends_at": ends.isoformat(),
                "leader": leader,
                "officers": [officer],
            },
        )
    api(
        served,
        "wang",
        "POST",
        "/api/incidents",
        json={
            "address": "鹦鹉花园3栋",
            "street": "yingwu",
            "condition": "imminent_collapse",
            "discovered_at": (now - timedelta(minutes=20)).isoformat(),
            "people_at_risk": 120,
        },
    )
    return served


def api(site: Any, user: str, method: str, path: str, **kwargs: Any) -> Any:
    response = httpx.request(
        method,
        site.base + path,
        timeout=10,
        headers={"Authorization": f"Bearer {site.tokens[user]}"},
        **kwargs,
    )
    assert response.status_code < 300, response.text
    return response.json()


def logged_in(browser: Any, site: Any, user: str, password: str, width: int = 1280) -> Any:
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    page = context.new_page()
    page.goto(site.base + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button:has-text('登录')")
    expect(page.locator("h1")).to_have_text("未结事件")
    return page


def test_a_call_is_logged_and_a_handover_confirmed_by_two_officers(
    browser: Any, site: Any, password: str
) -> None:
    wang = logged_in(browser, site, "wang", password)
    wang.click("a.nav-duty[href='/calls']")
    expect(wang.locator("h1")).to_have_text("值班电话记录")
    wang.fill("input[name=caller_unit]", "鹦鹉街道办事处")
    wang.fill("input[name=caller_name]", "张建国")
    wang.fill("input[name=caller_phone]", "027-84800000")
    wang.fill("input[name=place]", "鹦鹉花园5栋")
    wang.fill("textarea[name=content]", "楼道墙体开裂，居民要求派人查看")
    wang.fill("textarea[name=instruction]", "王副局长：明早派员核实")
    wang.click("button:has-text('登记来电')")
    expect(wang.locator(".flash-ok")).to_contain_text("已登记来电第1号")
    expect(wang.locator("#call-1")).to_contain_text("待处理")
    wang.fill("input[name=q]", "墙体 张建国")
    wang.click("button:has-text('查找')")
    expect(wang.locator(".call")).to_have_count(1)

    wang.goto(site.base + "/duty")
    wang.fill("textarea[name=note]", "鹦鹉花园3栋已设警戒，夜间每两小时巡查")
    wang.click("button:has-text('生成交接班单')")
    expect(wang.locator("h1")).to_have_text("第1号交接班单")
    expect(wang.locator(".sheet-open_incidents")).to_contain_text("鹦鹉街鹦鹉花园3栋")
    expect(wang.locator(".sheet-open_calls")).to_contain_text("鹦鹉花园5栋")

    # The incoming officer, in a browser of his own, cannot confirm for the outgoing one.
    zhao = logged_in(browser, site, "zhao", password)
    zhao.goto(site.base + "/duty/handovers/1")
    zhao.click("button:has-text('确认交班')")
    expect(zhao.locator(".flash-error")).to_contain_text("「值班员」不是交班班次的值班员")
    expect(zhao.locator("#outgoing")).to_have_text("未确认")

    wang.click("button:has-text('确认交班')")
    expect(wang.locator("#outgoing")).to_contain_text("wang")
    expect(wang.locator("button:has-text('确认接班')")).to_be_visible()

    zhao.reload()
    zhao.click("button:has-text('确认接班')")
    expect(zhao.locator("#incoming")).to_contain_text("zhao")
    expect(zhao.locator(".confirm-form")).to_have_count(0)
    wang.reload()
    expect(wang.locator("#incoming")).to_contain_text("zhao")
    done = api(site, "wang", "GET", "/api/handovers/1")
    assert (done["outgoing_by"], done["incoming_by"], done["complete"]) == ("wang", "zhao", True)

    SHOTS.mkdir(parents=True, exist_ok=True)
    overflowing = []
    for width in (360, 1280, 1920):
        page = logged_in(browser, site, "wang", password, width)
        for path, name in (
            ("/calls", "calls"),
            ("/duty", "duty"),
            ("/duty/handovers/1", "handover"),
        ):
            page.goto(site.base + path)
            if name == "calls":
                page.click("#call-1 .call-settle summary")
            page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
            if page.evaluate("document.documentElement.scrollWidth") > width:
                overflowing.append(f"{name}@{width}")
        page.context.close()
    assert overflowing == []
