"""The information report form in a real browser (§4.2): on the incident page the officer opens
「报送信息报告」, finds the 首报 drafted from the record in the text box, edits it and sends it;
the next draft is 续报一. Screenshots at 360, 1280 and 1920 px go to /work/shots/reports/
(FANGAN_SHOTS overrides)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import CHROMIUM
from tests.web.test_web_browser import api, expect, page_for, site  # noqa: F401

if not CHROMIUM.exists():
    pytest.skip("Debian's Chromium is not installed", allow_module_level=True)

SHOTS = Path(os.environ.get("FANGAN_SHOTS", "/work/shots/reports"))
WIDTHS = (360, 1280, 1920)
REPORT = {
    "address": "鹦鹉大道318号3栋",
    "street": "yingwu",
    "condition": "imminent_collapse",
    "people_at_risk": 120,
    "reporter": "社区网格员 王某 13800000000",
}


def test_the_officer_edits_and_sends_the_drafted_report(
    browser: Any,
    site: Any,  # noqa: F811
    password: str,
) -> None:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    discovered = datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(minutes=20)
    incident = api(
        site,
        "officer",
        "POST",
        "/api/incidents",
        json={**REPORT, "discovered_at": discovered.isoformat()},
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page = page_for(browser, site, width, "officer", password)
        page.goto(f"{site.base}/incidents/{incident['id']}")
        box = page.locator("#act-submit_info_report")
        box.evaluate("d => { d.open = true }")
        text = box.locator("textarea[name=text]")
        expect(text).to_be_visible()
        assert "事件发生地点：汉阳区鹦鹉街鹦鹉大道318号3栋" in text.input_value()
        assert "失踪不详（待核实）" in text.input_value()
        box.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"info-report-form-{width}.png"), full_page=True)
        page.context.close()
    page = page_for(browser, site, 1280, "officer", password)
    page.goto(f"{site.base}/incidents/{incident['id']}")
    box = page.locator("#act-submit_info_report")
    box.evaluate("d => { d.open = true }")
    text = box.locator("textarea[name=text]")
    text.fill(text.input_value() + "\n补充：现场已设置警戒线。")
    box.locator("button.btn-primary").click()
    expect(page.locator(".flash").first).to_contain_text("已执行")
    shown = api(site, "officer", "GET", f"/api/incidents/{incident['id']}")
    event = next(e for e in shown["timeline"] if e["kind"] == "info_report_sent")
    assert event["data"]["title"] == "首报"
    assert event["data"]["text"].endswith("补充：现场已设置警戒线。")
    page.goto(f"{site.base}/incidents/{incident['id']}")
    box = page.locator("#act-submit_info_report")
    box.evaluate("d => { d.open = true }")
    expect(box.locator("select[name=kind]")).to_have_value("progress")
    page.screenshot(path=str(SHOTS / "info-report-after-1280.png"), full_page=True)
    page.context.close()
