"""Likely duplicates on the report form, in a real browser (headless Chromium, a real `serve`):
typing the street and address of an incident already open shows it before anything is logged,
and 作为来电并入 attaches the report to it as a call instead of opening a second incident.
Screenshots at 360, 1280 and 1920 px go to /work/shots/scope/: the form with the warning, the
incident page (its timeline says who was on duty) and the users page (a street office's street)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.web.test_duty_browser import api, logged_in

SHOTS = Path("/work/shots/scope")
expect = pytest.importorskip("playwright.sync_api", reason="pip install playwright").expect


@pytest.fixture
def site(served: Any) -> Any:
    served.tokens = {"wang": served.user("wang", "王值班", "district_housing_bureau", admin=True)}
    served.start()
    now = datetime.now(UTC).replace(microsecond=0)
    shift = {"leader": "王副局长", "officers": ["wang"]}
    window = {"starts_at": (now - timedelta(hours=4)).isoformat()}
    window["ends_at"] = (now + timedelta(hours=4)).isoformat()
    api(served, "wang", "POST", "/api/shifts", json={**shift, **window})
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
        },
    )
    return served


def typed_report(page: Any, site: Any) -> None:
    page.goto(site.base + "/report")
    page.click("label.tile-imminent_collapse")
    page.click("label.tile:has-text('鹦鹉街')")
    page.fill("input[name=address]", "鹦鹉花园 3 栋")
    page.press("input[name=address]", "Tab")  # a change: the form asks for duplicates
    page.fill("input[name=reporter]", "李师傅 13900000000")
    page.fill("textarea[name=description]", "三楼外墙裂缝变宽")
    expect(page.locator("#dupes .dupe")).to_have_count(1)


def test_a_likely_duplicate_is_shown_and_the_report_attached_to_it(
    browser: Any, site: Any, password: str
) -> None:
    page = logged_in(browser, site, "wang", password)
    typed_report(page, site)
    expect(page.locator("#dupes")).to_contain_text("可能是同一事件")
    expect(page.locator("#dupes .dupe")).to_contain_text("#1 鹦鹉花园3栋")
    page.click("button:has-text('作为来电并入 #1')")
    expect(page.locator(".flash-ok")).to_contain_text("已作为来电记录并入事件 #1")
    assert page.url.endswith("/incidents/1")
    assert len(api(site, "wang", "GET", "/api/incidents")) == 1
    [call] = api(site, "wang", "GET", "/api/calls")
    assert (call["status"], call["incident_id"], call["content"]) == (
        "attached",
        1,
        "三楼外墙裂缝变宽",
    )

    SHOTS.mkdir(parents=True, exist_ok=True)
    overflowing = []
    for width in (360, 1280, 1920):
        shot = logged_in(browser, site, "wang", password, width)
        typed_report(shot, site)
        for path, name in (
            (None, "report-duplicates"),
            ("/incidents/1", "incident"),
            ("/admin/users", "users"),
        ):
            if path is not None:
                shot.goto(site.base + path)
            if name == "incident":
                expect(shot.locator(".ev-duty").first).to_contain_text(
                    "值班：带班领导王副局长；值班员wang"
                )
            shot.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
            if shot.evaluate("document.documentElement.scrollWidth") > width:
                overflowing.append(f"{name}@{width}")
        shot.context.close()
    assert overflowing == []
