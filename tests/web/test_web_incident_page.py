"""The incident page, the acknowledgement page and the user form in real Chromium against a real
`serve` (issue 15): the 下一步 banner with its form open and prefilled, status words in the plan's
terms, deadlines pending first, notices by unit with each channel's state and 已电话确认, errors
beside their field with the typing kept, drills marked, the print stylesheet, the title and sound
alert with its remembered mute, and the link a receiving unit opens. Screenshots at 360, 1280 and
1920 px go to /work/shots/console/ (FANGAN_SHOTS overrides).
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.web.test_web_browser import api, expect, page_for, sync_api

SHOTS = Path(os.environ.get("FANGAN_SHOTS", "/work/shots/console"))
WIDTHS = (360, 1280, 1920)
LOCAL_TIME = re.compile(r"\d{1,2}月\d{1,2}日 \d\d:\d\d")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Chromium allowed to start WebAudio without a click (the alert's beep is counted)."""
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"],
        )
        yield launched
        launched.close()


@pytest.fixture
def desk(served: Any) -> Any:
    """A served console (1-second polling): 区房管局's duty officer (administrator) and 区指挥部."""
    served.env["FANGAN_POLL_SECONDS"] = "1"
    served.tokens = {
        "officer": served.user("officer", "值班员甲", "district_housing_bureau", admin=True),
        "hq": served.user("hq", "指挥部乙", "district_hq"),
    }
    served.start()
    return served


def shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def shoot_widths(
    chromium: Any, site: Any, password: str, path: str, name: str, user: str = "officer"
) -> None:
    """The same page at every width, none scrolling sideways."""
    for width in WIDTHS:
        page = page_for(chromium, site, width, user, password)
        page.goto(site.base + path)
        page.wait_for_load_state("networkidle")
        shoot(page, f"{name}-{width}.png")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{path} scrolls sideways at {width} px ({scroll} px)"
        page.context.close()


def until(page: Any, condition: str, timeout_ms: int) -> None:
    """Poll a condition in the page (the console's CSP forbids wait_for_function's eval)."""
    for _ in range(timeout_ms // 100):
        if page.evaluate(condition):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"not within {timeout_ms} ms: {condition}")


def ago(minutes: float) -> str:
    return (datetime.now().astimezone() - timedelta(minutes=minutes)).isoformat()


def collapsing(site: Any, **more: Any) -> None:
    """Incident #1: a house that may collapse, 120 people at risk (II, 较大), found at `found`
    minutes ago."""
    facts = {
        "address": "鹦鹉街3栋",
        "street": "yingwu",
        "condition": "imminent_collapse",
        "people_at_risk": 120,
        "discovered_at": ago(more.pop("found")),
    }
    api(site, "officer", "POST", "/api/incidents", json={**facts, **more})


def test_the_officer_is_told_what_to_do_next(chromium: Any, desk: Any, password: str) -> None:
    collapsing(desk, found=20)
    page = page_for(chromium, desk, 1280, "officer", password)
    page.goto(desk.base + "/incidents/1")

    # -- before verification: the level is only proposed; the first step is the report owed --
    head = page.locator(".area-head")
    expect(head.locator(".level")).to_have_text("拟启动\u2161级响应")
    expect(head.locator(".tag-state")).to_have_text("已接报，待核实")
    banner = page.locator(".next-step")
    expect(banner.locator(".next-head")).to_have_text("下一步")
    expect(banner.locator(".next-text")).to_have_text(
        "首次报告（市、区房管局）：向市房管局报告，然后作信息报送登记"
    )
    expect(banner.locator(".next-due")).to_contain_text("前完成")
    assert LOCAL_TIME.search(banner.locator(".next-due b").inner_text())
    expect(banner.locator(".countdown")).to_have_class(re.compile("cd-ok"))
    record = page.locator("details[data-action=record_report]")
    expect(record).to_have_attribute("open", "")
    assert record.locator("select[name=to]").input_value() == "city_housing_bureau"
    expect(record.locator("button[type=submit]")).to_have_text("确认信息报送登记")
    shoot(page, "incident-next-step-1280.png")
    record.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_have_text("已执行：信息报送登记")

    # -- then the plan's next action, 现场核实, open; a bad count is refused beside its field --
    expect(banner.locator(".next-text")).to_have_text("现场核实")
    verify = page.locator("details[data-action=verify]")
    expect(verify).to_have_attribute("open", "")
    # (the browser's own pattern check would stop it first: the server's answer is tested)
    verify.locator("form").evaluate("f => { f.noValidate = true; }")
    verify.locator("input[name=people_at_risk]").fill("三")
    verify.locator("textarea[name=description]").fill("现场已设警戒")
    verify.locator("button[type=submit]").click()
    verify = page.locator("details[data-action=verify]")
    beside = verify.locator("label:has(input[name=people_at_risk]) .field-error")
    expect(beside).to_have_text("「危及人数」须为非负整数（如 0、3、120）")
    assert verify.locator("input[name=people_at_risk]").input_value() == "三"
    assert verify.locator("textarea[name=description]").input_value() == "现场已设警戒"
    expect(page.locator(".flash-error").first).not_to_contain_text("people_at_risk")
    shoot(page, "incident-field-error-1280.png")

    # -- a time in the future: named, in local time, beside the time field ------------------
    verify.locator("form").evaluate("f => { f.noValidate = true; }")
    verify.locator("input[name=people_at_risk]").fill("130")
    verify.locator("details.at summary").click()
    later = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(hours=2)).strftime(
        "%Y-%m-%dT%H:%M"
    )  # the form is read in the plan's time zone
    verify.locator("input[name=at]").fill(later)
    verify.locator("button[type=submit]").click()
    verify = page.locator("details[data-action=verify]")
    at_error = verify.locator("details.at .field-error")
    expect(at_error).to_contain_text("「实际发生时间」不能晚于现在（")
    assert LOCAL_TIME.search(at_error.inner_text()), at_error.inner_text()
    assert "+00:00" not in at_error.inner_text() and "engine" not in at_error.inner_text()
    verify.locator("input[name=at]").fill("")
    verify.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_have_text("已执行：现场核实")

    # -- verified: the badge says so; the government report is due and listed first --------
    expect(head.locator(".tag-state")).to_have_text("已核实，待启动响应")
    expect(banner.locator(".next-text")).to_have_text("向区人民政府报告，然后作信息报送登记")
    rows = page.locator(".area-deadlines li.dl")
    expect(rows.first.locator(".countdown")).to_have_count(1)
    expect(rows.last).to_contain_text("已按时完成")
    assert LOCAL_TIME.search(rows.last.locator(".dl-due").inner_text())

    # -- 区指挥部 activates: the level is in force; each unit is listed once ------------------
    api(desk, "hq", "POST", "/api/incidents/1/actions/activate", json={})
    expect(head.locator(".level")).to_have_text("\u2161级应急响应", timeout=8000)
    notices = page.locator("#notices")
    street = notices.locator(".unit-row[data-unit=street_office]")
    expect(street).to_have_count(1)
    shown = api(desk, "officer", "GET", "/api/incidents/1")
    units = {n["unit"] for n in shown["notices"]}
    expect(notices.locator(".unit-row")).to_have_count(len(units))
    # the delivery worker sends on the console channel: its state shows per channel
    expect(street.locator(".channel").first).to_have_text(
        re.compile(r"^值班台·主联系人 已送达 \d\d:\d\d$"), timeout=10000
    )
    for width in WIDTHS:
        wide = page_for(chromium, desk, width, "officer", password)
        wide.goto(desk.base + "/incidents/1")
        shoot(wide, f"incident-{width}.png")
        scroll = wide.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"the incident page scrolls sideways at {width} px ({scroll})"
        wide.context.close()

    # -- 已电话确认: recorded as the unit's acknowledgement, with who called whom ------------
    street.locator("input[name=person]").fill("李某")
    page.wait_for_timeout(2500)  # two live refreshes (1 s polling) keep what was typed
    assert street.locator("input[name=person]").input_value() == "李某"
    street.locator("button.btn-phone").click()
    expect(page.locator(".flash")).to_have_text("已登记电话确认：街道办事处已收到通知")
    shown = api(desk, "officer", "GET", "/api/incidents/1")
    acked = [n for n in shown["notices"] if n["unit"] == "street_office"]
    assert acked and all(n["status"] == "acknowledged" for n in acked)
    assert acked[0]["acknowledged_by"] == "电话确认：李某；值班员甲（区房管局）代录"
    event = next(e for e in reversed(shown["timeline"]) if e["kind"] == "notice_acknowledged")
    assert event["actor"] == "street_office"
    street = page.locator("#notices .unit-row[data-unit=street_office]")
    expect(street.locator(".btn-phone")).to_have_count(0)
    expect(street).to_contain_text("已签收")

    # -- terms: 提出终止 / 同意终止; no Latin level numerals anywhere on the page -------------
    body = page.locator("body").inner_text()
    assert not re.search(r"(?<![A-Za-z])I{1,3}级", body), "a Latin level numeral is shown"
    assert "提议" not in body and "批准终止" not in body and "登记已作报告" not in body

    # -- print: the record without the controls, badges keep their colour -----------------
    page.emulate_media(media="print")
    expect(page.locator("#actions")).to_be_hidden()
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator(".phone-form").first).to_be_hidden()
    expect(page.locator(".print-head")).to_be_visible()
    colour = page.evaluate(  # in one go: the live refresh replaces the element every second
        "(s => [s.printColorAdjust, s.backgroundColor])"
        "(getComputedStyle(document.querySelector('.area-head .level')))"
    )
    assert colour == ["exact", "rgb(184, 74, 0)"], colour
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(SHOTS / "incident-print.pdf"), format="A4", print_background=True)
    page.emulate_media(media="screen")
    page.context.close()


def test_drills_are_marked_and_the_alert_sounds_until_muted(
    chromium: Any, desk: Any, password: str
) -> None:
    # due (one hour after discovery) 15 seconds from now: its countdown turns red on the page
    api(
        desk,
        "officer",
        "POST",
        "/api/incidents",
        json={
            "address": "晴川街道口12号",
            "street": "qingchuan",
            "condition": "hidden_danger",
            "discovered_at": ago(60 - 15 / 60),
            "drill": True,
        },
    )
    page = page_for(chromium, desk, 1280, "officer", password)
    toggle = page.locator("button.alert-toggle")
    expect(toggle).to_have_text("告警声：开", use_inner_text=True)
    page.goto(desk.base + "/incidents/1")
    expect(page.locator(".drill-banner")).to_contain_text("【演练】本事件为演练")
    expect(page.locator(".area-head .drill-tag")).to_have_text("【演练】")
    expect(page.locator("h1.incident-title")).to_contain_text("【演练】晴川街道口12号")
    assert page.title().startswith("【演练】事件 #1")
    assert page.evaluate("window.fanganAlert.alerts") == 0

    # the countdown turns red: the title flashes and a beep is generated
    expect(page.locator(".area-deadlines .countdown").first).to_have_class(re.compile("cd-soon"))
    assert page.evaluate("window.fanganAlert.alerts") == 0
    expect(page.locator(".area-deadlines .countdown").first).to_have_class(
        re.compile("cd-late"), timeout=20000
    )
    until(page, "window.fanganAlert.alerts >= 1", 5000)
    until(page, "document.title.startsWith('【告警】')", 3000)
    assert page.evaluate("window.fanganAlert.beeps") >= 1
    shoot(page, "incident-drill-alert-1280.png")
    page.locator("h1").click()  # looking at the page stops the flashing
    until(page, "!document.title.startsWith('【告警】')", 3000)

    # muted: remembered across pages; an alert flashes the title but makes no sound
    page.locator("button.alert-toggle").click()
    expect(page.locator("button.alert-toggle")).to_have_text("告警声：关", use_inner_text=True)
    page.reload()
    expect(page.locator("button.alert-toggle")).to_have_text("告警声：关", use_inner_text=True)
    assert page.evaluate("localStorage.getItem('fangan.alert.muted')") == "1"
    page.evaluate("document.dispatchEvent(new Event('fangan:alert'))")
    assert page.evaluate("[window.fanganAlert.alerts, window.fanganAlert.beeps]") == [1, 0]
    until(page, "document.title.startsWith('【告警】')", 3000)
    page.context.close()
    shoot_widths(chromium, desk, password, "/incidents/1", "incident-drill")


def _ack_link(desk: Any, unit: str) -> str:
    """The acknowledgement link the delivery to `unit` carried (as the unit received it)."""
    with sqlite3.connect(desk.db) as db:
        bodies = [
            row[0]
            for row in db.execute(
                "SELECT body FROM delivery WHERE recipient = ? AND body LIKE '%/ack/%'", (unit,)
            )
        ]
    assert bodies, f"no delivery to {unit} with a link"
    found = re.search(r"https?://\S+/ack/[A-Za-z0-9._~-]+", bodies[0])
    assert found, bodies[0]
    return found.group(0)


def test_the_acknowledgement_page_says_what_and_whom_to_call(
    chromium: Any, desk: Any, password: str
) -> None:
    collapsing(desk, found=10, drill=True)
    api(desk, "hq", "POST", "/api/incidents/1/actions/activate", json={})
    link = _ack_link(desk, "district_civil_affairs")
    context = chromium.new_context(viewport={"width": 360, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.goto(link)
    expect(page.locator("h1")).to_have_text("区民政局：确认收到通知")
    expect(page.locator(".drill-banner")).to_contain_text("【演练】本通知为应急演练")
    expect(page.locator(".ack-duties")).to_contain_text("组织协助街道安置")  # §2.2.3 14
    expect(page.locator(".ack-phone")).to_have_text(
        "有疑问请致电区指挥部办公室值班员：通讯录未登记"
    )  # the directory has no number yet
    expect(page.locator(".ack-text")).to_contain_text("鹦鹉街3栋")
    assert page.title().startswith("【演练】")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"the ack page scrolls sideways at {width} px ({scroll})"
        shoot(page, f"ack-{width}.png")
    page.click("button:has-text('确认收到')")
    expect(page.locator(".flash-ok")).to_contain_text("已确认收到")
    # a broken link names the number to ring
    broken = httpx.get(link[:-3] + "xyz", timeout=10)
    assert broken.status_code == 410
    assert "请直接致电区指挥部办公室值班员（电话：通讯录未登记）" in broken.text
    context.close()


def test_the_user_form_keeps_the_typing_and_hints_the_unit(
    chromium: Any, desk: Any, password: str
) -> None:
    page = page_for(chromium, desk, 1280, "officer", password)
    page.goto(desk.base + "/admin/users")
    form = page.locator("form.grid-form")
    expect(form.locator("#unit-hint")).to_contain_text("值班员请选「区房管局」")
    assert form.locator("select[name=unit]").input_value() == "district_housing_bureau"
    form.locator("input[name=username]").fill("officer")  # taken
    form.locator("input[name=display_name]").fill("值班员丁")
    form.locator("select[name=unit]").select_option("district_hq_office")
    form.locator("input[name=password]").fill("long enough 1")
    form.locator("button:has-text('创建')").click()
    form = page.locator("form.grid-form")
    expect(form.locator("label:has(input[name=username]) .field-error")).to_have_text(
        "「用户名」已被占用，请换一个"
    )
    assert form.locator("input[name=display_name]").input_value() == "值班员丁"
    assert form.locator("select[name=unit]").input_value() == "district_hq_office"
    shoot(page, "users-error-1280.png")
    page.context.close()
    shoot_widths(chromium, desk, password, "/admin/users", "users")
