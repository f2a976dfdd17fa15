"""The storm board in real Chromium against a real `serve`: one console watches a row change
lanes, pushed over the live stream, after another console acts; with the stream blocked the
board still follows by polling. Screenshots of the board and the history page at 360, 1280 and
1920 px go to /work/shots/storm/ (or $FANGAN_SHOTS)."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from web.board import LANE_ROWS

SHOTS = Path(os.environ.get("FANGAN_SHOTS", "/work/shots/storm"))
STREETS = ("yingwu", "qingchuan", "sixin", "jianqiao", "zhoutou")

# The same served console (an administrator at 区房管局, a 区指挥部 user,
# 1-second polling) as the console's own browser test; that module skips without Chromium.
browser_test = pytest.importorskip("tests.web.test_web_browser")
site, expect = browser_test.site, browser_test.expect


def _report(site: Any, minutes_ago: float, **facts: Any) -> int:
    found = (datetime.now().astimezone() - timedelta(minutes=minutes_ago)).isoformat()
    body = {
        "address": "鹦鹉街3栋",
        "street": "yingwu",
        "condition": "hidden_danger",
        "discovered_at": found,
        **facts,
    }
    response = httpx.post(
        site.base + "/api/incidents",
        json=body,
        timeout=30,
        headers={"Authorization": f"Bearer {site.tokens['officer']}"},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _console(browser: Any, site: Any, width: int, user: str, password: str) -> Any:
    context = browser.new_context(
        viewport={"width": width, "height": 1080 if width > 1300 else 900},
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    page = context.new_page()
    page.goto(site.base + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button:has-text('登录')")
    expect(page.locator("h1")).to_have_text("未结事件")
    return page


def _shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def test_a_row_changes_on_one_console_after_an_action_on_another(
    browser: Any, site: Any, password: str
) -> None:
    watched = _report(
        site, 5, condition="imminent_collapse", people_at_risk=120, address="鹦鹉花园7栋"
    )
    wall = _console(browser, site, 1920, "officer", password)
    expect(wall.locator("#sb-live")).to_be_visible(timeout=15000)  # the stream is open
    card = wall.locator(f'article.sb-card[data-incident="{watched}"]')
    expect(wall.locator("#lane-awaiting").locator(card)).to_have_count(1)
    wall.evaluate("window.__stayed = true")

    other = _console(browser, site, 1280, "hq", password)
    other.goto(f"{site.base}/incidents/{watched}")
    activate = other.locator("details[data-action=activate]")
    activate.evaluate("d => { d.open = true; }")  # the 下一步 banner may have opened it
    activate.locator("button[type=submit]").click()
    expect(other.locator(".flash")).to_contain_text("已执行")

    # The row moves from 待核实 to 处置中 (its next deadline is 30 minutes away) and says so.
    moved = wall.locator(f'#lane-active article.sb-card[data-incident="{watched}"]')
    expect(moved).to_contain_text("应急响应中", timeout=10000)
    expect(wall.locator("#lane-awaiting").locator(card)).to_have_count(0)
    expect(wall.locator('[data-count="active"]').first).to_have_text("1")
    assert wall.evaluate("window.__stayed") is True  # pushed, not reloaded
    first = moved.locator(".countdown").first.inner_text()
    wall.wait_for_timeout(1300)
    assert moved.locator(".countdown").first.inner_text() != first  # ticks client-side


def test_the_board_polls_while_the_stream_is_down(browser: Any, site: Any, password: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.route("**/api/stream", lambda route: route.abort())
    page.goto(site.base + "/login")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", password)
    page.click("button:has-text('登录')")
    expect(page.locator("h1")).to_have_text("未结事件")
    page.evaluate("window.__stayed = true")
    arrived = _report(site, 70, address="琴断口街5号")  # overdue at once
    expect(page.locator(f'#lane-overdue article.sb-card[data-incident="{arrived}"]')).to_be_visible(
        timeout=10000
    )
    expect(page.locator("#sb-live")).to_be_hidden()
    assert page.evaluate("window.__stayed") is True


def test_storm_screens(browser: Any, site: Any, password: str) -> None:
    """A board in a storm (more rows than fit) and the history page, at three widths."""
    for k in range(26):
        _report(
            site,
            [75, 50, 3, 2][k % 4] + k,
            street=STREETS[k % 5],
            address=f"{['鹦鹉', '晴川', '四新', '建桥', '洲头'][k % 5]}街{k + 1}号",
            condition=["hidden_danger", "imminent_collapse"][k % 2],
            people_at_risk=120,
            drill=k % 9 == 8,
            reporter="王五" if k == 3 else None,
        )
    hq = httpx.Client(
        base_url=site.base, timeout=30, headers={"Authorization": f"Bearer {site.tokens['hq']}"}
    )
    for incident in (3, 7):
        assert hq.post(f"/api/incidents/{incident}/actions/activate", json={}).status_code == 200
    officer = httpx.Client(
        base_url=site.base,
        timeout=30,
        headers={"Authorization": f"Bearer {site.tokens['officer']}"},
    )
    assert (
        officer.post(
            "/api/incidents/4/actions/dismiss", json={"data": {"reason": "现场核实为误报"}}
        ).status_code
        == 200
    )
    for width in (360, 1280, 1920):
        page = _console(browser, site, width, "officer", password)
        expect(page.locator("#lane-overdue article.sb-card")).to_have_count(LANE_ROWS)
        expect(page.locator("#lane-overdue .sb-pager")).to_contain_text("下一页")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"the board scrolls sideways at {width} px ({scroll} px)"
        _shoot(page, f"board-{width}.png")
        if width == 1920:  # a wall screen: every lane, with its pager, fits in 1080 lines
            bottom = page.evaluate(
                "Math.max(...[...document.querySelectorAll('.sb-lane')]"
                ".map((l) => l.getBoundingClientRect().bottom))"
            )
            assert bottom <= 1080, f"the lanes end at {bottom} px"
            page.locator("#lane-overdue .sb-pager a:has-text('下一页')").click()
            expect(page.locator("#lane-overdue .sb-page-no")).to_have_text(
                re.compile(r"第 2/\d 页")
            )
            _shoot(page, "board-lane-page2-1920.png")
        page.goto(site.base + "/history?state=dismissed")
        expect(page.locator("table.sb-table tbody tr")).to_have_count(1)
        page.goto(site.base + "/history")
        expect(page.locator("table.sb-table tbody tr")).to_have_count(26)
        _shoot(page, f"history-{width}.png")
        page.context.close()
