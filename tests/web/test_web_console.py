"""The console's pages through the TestClient: login, CSRF, the intake form (one incident per
double submit), the actions a unit is offered, refusals shown on the page, the live fragments,
user management; and the pure presentation rules (urgency order, countdown colours)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from engine.plan import Plan
from web.console import countdown
from web.present import Labels, Rules, by_urgency
from workflows.housing_safety import WORKFLOW

INTAKE = {
    "condition": "imminent_collapse",
    "street": "yingwu",
    "address": "鹦鹉街3栋",
    "people_at_risk": "120",
    "dead": "",
    "discovered_at": "2026-03-02T08:40",
}


def test_pages_need_a_login(client: TestClient) -> None:
    for path in ("/", "/report", "/incidents/1", "/admin/users", "/account"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
    poll = client.get("/fragments/board", headers={"HX-Request": "true"})
    assert poll.headers["HX-Redirect"].startswith("/login")


def test_login_sets_a_hardened_cookie(client: TestClient) -> None:
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    wrong = client.post(
        "/login", data={"username": "officer", "password": "nope nope", "csrf_token": csrf.group(1)}
    )
    assert wrong.status_code == 401 and "用户名或密码不正确" in wrong.text
    ok = client.post(
        "/login",
        data={
            "username": "officer",
            "password": "correct horse 1",
            "csrf_token": csrf.group(1),
            "next": "//evil.example",
        },
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/"
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_password_guessing_is_slowed_down(client: TestClient) -> None:
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert csrf
    form = {"username": "officer", "password": "guess guess", "csrf_token": csrf.group(1)}
    codes = [client.post("/login", data=form).status_code for _ in range(4)]
    assert codes == [401] * 3 + [429]
    right = client.post("/login", data={**form, "password": "correct horse 1"})
    assert right.status_code == 429 and "秒后再试" in right.text
    assert right.headers["Retry-After"] == "1"


def test_forms_need_the_csrf_token(
    client: TestClient, login: Callable[[TestClient, str], str]
) -> None:
    login(client, "officer")
    refused = client.post("/report", data=INTAKE)
    assert refused.status_code == 403 and "CSRF" in refused.text
    assert client.get("/api/incidents", headers={"Accept": "application/json"}).json() == []


def test_intake_form_logs_once_per_double_submit(
    client: TestClient, web: Any, login: Callable[[TestClient, str], str]
) -> None:
    csrf = login(client, "officer")
    form = {**INTAKE, "csrf_token": csrf, "idem": "form-1"}
    first = client.post("/report", data=form)
    second = client.post("/report", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"] == "/incidents/1"
    incidents = web.service.list_incidents()
    assert len(incidents) == 1
    incident = incidents[0]
    # left empty: unknown, not 0
    assert (incident["people_at_risk"], incident["dead"]) == (120, None)
    assert incident["discovered_at"] == "2026-03-02T08:40:00+08:00"
    page = client.get("/incidents/1").text
    # before activation the level is only proposed, written with the Roman numeral (U+2161)
    assert "已登记事件 #1" in page and "拟启动\u2161级响应" in page and "首次报告" in page


def test_intake_form_shows_a_refusal_and_keeps_the_typing(
    client: TestClient, login: Callable[[TestClient, str], str]
) -> None:
    csrf = login(client, "officer")
    response = client.post(
        "/report", data={**INTAKE, "csrf_token": csrf, "dead": "三", "idem": "form-2"}
    )
    assert response.status_code == 422
    # in Chinese, naming the field, beside it (no field code such as "dead:")
    assert "输入有误：「死亡」须为非负整数" in response.text and "dead:" not in response.text
    beside = re.search(
        r'name="dead"[^>]*>\s*<strong class="field-error"[^>]*>([^<]+)<', response.text
    )
    assert beside and beside.group(1) == "「死亡」须为非负整数（如 0、3、120）"
    assert 'value="鹦鹉街3栋"' in response.text and 'value="三"' in response.text


def test_a_unit_is_offered_only_what_it_may_do(
    client: TestClient,
    web: Any,
    login: Callable[[TestClient, str], str],
    report_data: Callable[..., dict[str, Any]],
) -> None:
    web.service.report(report_data(), actor="district_housing_bureau")
    login(client, "officer")
    page = client.get("/incidents/1").text
    offered = set(re.findall(r'action="/incidents/1/act/([a-z_]+)"', page))
    assert {"verify", "record_report", "dismiss"} <= offered
    assert "activate" not in offered
    assert "启动应急响应：区指挥部" in page  # shown as waiting on another unit


def test_an_action_from_the_page_and_a_refused_one(
    client: TestClient,
    web: Any,
    login: Callable[[TestClient, str], str],
    report_data: Callable[..., dict[str, Any]],
) -> None:
    web.service.report(report_data(), actor="district_housing_bureau")
    csrf = login(client, "hq")
    done = client.post("/incidents/1/act/activate", data={"csrf_token": csrf, "idem": "a1"})
    assert done.status_code == 303
    assert "已执行：启动应急响应" in client.get("/incidents/1").text
    again = client.post("/incidents/1/act/activate", data={"csrf_token": csrf, "idem": "a2"})
    assert again.status_code == 409
    assert "「启动应急响应」未执行" in again.text and "当前状态不允许此操作" in again.text
    event = next(e for e in web.service.show(1)["timeline"] if e["kind"] == "activated")
    assert event["person"] == "指挥部乙"


def test_live_fragments(
    client: TestClient,
    web: Any,
    login: Callable[[TestClient, str], str],
    report_data: Callable[..., dict[str, Any]],
) -> None:
    web.service.report(report_data(), actor="district_housing_bureau")
    login(client, "officer")
    board = client.get("/fragments/board").text
    assert "鹦鹉街3栋" in board and 'class="countdown' in board
    page = client.get("/incidents/1").text
    key = re.search(r'id="actions-key" name="k" value="([^"]*)"', page)
    assert key
    same = client.get("/incidents/1/live", params={"k": key.group(1)}).text
    assert 'hx-swap-oob="true"' not in same
    web.service.act(1, "activate", actor="district_hq")
    changed = client.get("/incidents/1/live", params={"k": key.group(1)}).text
    assert 'hx-swap-oob="true"' in changed and "应急响应中" in changed


def test_drill_banner(
    client: TestClient,
    web: Any,
    login: Callable[[TestClient, str], str],
    report_data: Callable[..., dict[str, Any]],
) -> None:
    web.service.report(report_data(drill=True), actor="district_housing_bureau")
    login(client, "street")
    assert "【演练】" in client.get("/incidents/1").text
    assert "其中演练 1 起" in client.get("/").text


def test_administrator_pages(
    client: TestClient, web: Any, login: Callable[[TestClient, str], str]
) -> None:
    csrf = login(client, "hq")
    assert client.get("/admin/users").status_code == 403
    client.post("/logout", data={"csrf_token": csrf})
    csrf = login(client, "officer")
    assert "全部用户" in client.get("/admin/users").text
    created = client.post(
        "/admin/users",
        data={
            "csrf_token": csrf,
            "username": "duty2",
            "display_name": "值班员丁",
            "unit": "duty_officer",
            "password": "long enough",
        },
    )
    assert created.status_code == 303
    assert any(u.username == "duty2" for u in web.accounts.list_users())
    token_page = client.post("/account/tokens", data={"csrf_token": csrf, "name": "大屏"})
    assert re.search(r'id="new-token">fa_[\w-]+<', token_page.text)


def test_urgency_order_and_countdown_colours(plan: Plan) -> None:
    def incident(i: int, dues: list[str], level: str = "III") -> dict[str, Any]:
        return {
            "id": i,
            "response_level": level,
            "deadlines": [{"due_at": d, "met_at": None, "stopped_at": None} for d in dues],
        }

    rows = [
        incident(1, ["2026-03-02T10:00:00+08:00"]),
        incident(2, [], "I"),
        incident(3, ["2026-03-02T08:00:00+08:00", "2026-03-02T11:00:00+08:00"]),
        incident(4, [], "II"),
        incident(5, ["2026-03-02T09:30:00+08:00"]),
    ]
    assert [r["id"] for r in by_urgency(rows)] == [3, 5, 1, 2, 4]

    now = datetime.fromisoformat("2026-03-02T09:00:00+08:00")
    assert countdown("2026-03-02T10:30:00+08:00", now, 900) == ("ok", "剩余 1小时30分")
    assert countdown("2026-03-02T09:15:00+08:00", now, 900).css == "soon"
    assert countdown("2026-03-02T09:00:00+08:00", now, 900) == ("soon", "剩余 00:00")
    assert countdown("2026-03-02T08:58:30+08:00", now, 900) == ("late", "已超时 01:30")
    labels = Labels(plan, WORKFLOW.words)
    assert labels.escalation("initial_report", 2) == "第2级：区指挥部办公室主任"
    assert labels.escalation("initial_report", 9) == "指挥长（最高一级）"


def test_actions_for_follow_the_engine_rules(plan: Plan) -> None:
    incident = {
        "state": "reported",
        "response_level": "III",
        "notices": [],
        "obligations": [],
        "available_actions": ["verify", "activate", "record_report", "dismiss"],
    }
    rules = Rules(plan, WORKFLOW)
    assert rules.actions_for(incident, "district_housing_bureau") == [
        "verify",
        "activate",
        "record_report",
        "dismiss",
    ]
    assert rules.actions_for(incident, "street_office") == []  # R11: not its report to record
    assert rules.actions_for({**incident, "response_level": "II"}, "district_housing_bureau") == [
        "verify",
        "record_report",
        "dismiss",
    ]


def test_superseded_notices_are_shown_as_replaced(
    client: TestClient,
    web: Any,
    login: Callable[[TestClient, str], str],
    report_data: Callable[..., dict[str, Any]],
) -> None:
    iid = web.service.report(report_data())["id"]
    web.service.act(iid, "activate", actor="district_hq")
    web.service.act(
        iid,
        "raise_level",
        actor="district_hq",
        data={"condition": "partial_collapse", "reason": "局部坍塌"},
    )
    login(client, "officer")
    page = client.get(f"/incidents/{iid}").text
    superseded = [n for n in web.service.show(iid)["notices"] if n["status"] == "superseded"]
    assert superseded
    assert f"已被替代 {len(superseded)}" in page
    assert page.count(">已被替代</span>") == len(superseded)


def test_verifying_from_the_page_keeps_the_description_left_blank(
    client: TestClient,
    web: Any,
    login: Callable[[TestClient, str], str],
    report_data: Callable[..., dict[str, Any]],
) -> None:
    """The verify form's description box replaces the report's description only when typed in;
    left blank (as an officer who only counts the people at risk leaves it), the report's text
    stays, and the form says what the box does."""
    web.service.report(report_data(description="墙体开裂"), actor="district_housing_bureau")
    csrf = login(client, "officer")
    assert "更正情况描述" in client.get("/incidents/1").text
    done = client.post(
        "/incidents/1/act/verify",
        data={"csrf_token": csrf, "idem": "v1", "people_at_risk": "12", "description": ""},
    )
    assert done.status_code == 303
    facts = web.service.show(1)
    assert facts["description"] == "墙体开裂" and facts["people_at_risk"] == 12
