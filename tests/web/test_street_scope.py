"""Street scope (SPEC R11): a street office's account belongs to one street and sees and acts
on that street's incidents only, on every surface: the accounts (CLI and API), the API, the
console (board, history, incident page, actions), acknowledgement links and the live stream.

The `street` user of the web fixtures is 鹦鹉街's street office (yingwu)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, ROOT, Web, new_report
from web.stream import Broadcaster, Changes, Mark

OTHER = {"address": "晴川街9号", "street": "qingchuan"}


def _two(web: Web) -> tuple[int, int]:
    """One incident on the account's street (yingwu), one on another (qingchuan)."""
    mine = web.service.report(new_report())
    other = web.service.report(new_report(**OTHER))
    return int(mine["id"]), int(other["id"])


# -- accounts --------------------------------------------------------------------------


def _cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "web.cli_users", *args],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"FANGAN_DB_URL": f"sqlite:///{db}", "PATH": "/usr/bin:/bin"},
        timeout=120,
    )


def test_cli_add_and_modify_check_the_street(tmp_path: Path) -> None:
    db = tmp_path / "fangan.db"
    base = ("--username", "li", "--name", "李四", "--unit", "street_office", "--password-stdin")
    missing = _cli(db, "add", *base)
    assert missing.returncode == 2 and json.loads(missing.stderr)["message"].startswith("street:")
    unknown = _cli(db, "add", *base, "--street", "atlantis")
    assert unknown.returncode == 2
    assert "street: unknown street 'atlantis'" in json.loads(unknown.stderr)["message"]
    made = _cli(db, "add", *base, "--street", "yingwu")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["street"] == "yingwu"
    moved = _cli(db, "modify", "--username", "li", "--street", "qingchuan")
    assert moved.returncode == 0 and json.loads(moved.stdout)["street"] == "qingchuan"
    cleared = _cli(db, "modify", "--username", "li", "--street", "")
    assert cleared.returncode == 2 and "street: required" in json.loads(cleared.stderr)["message"]
    # Another unit has no street: it drops the street by itself, and refuses one given.
    desk = _cli(db, "modify", "--username", "li", "--unit", "district_housing_bureau")
    assert desk.returncode == 0 and json.loads(desk.stdout)["street"] is None
    given = _cli(db, "modify", "--username", "li", "--street", "yingwu")
    assert given.returncode == 2 and "only a street office" in json.loads(given.stderr)["message"]


def test_api_accounts_check_the_street(client: TestClient, web: Web) -> None:
    admin = web.auth("officer")
    user = {
        "username": "zhao",
        "display_name": "赵五",
        "unit": "street_office",
        "password": "long enough 1",
    }
    refused = client.post("/api/users", json=user, headers=admin)
    assert refused.status_code == 422 and refused.json()["message"].startswith("street:")
    made = client.post("/api/users", json={**user, "street": "sixin"}, headers=admin)
    assert made.status_code == 201 and made.json()["street"] == "sixin"
    assert client.get("/api/me", headers=web.auth("street")).json()["street"] == "yingwu"


def test_console_user_form_says_why_in_chinese(
    client: TestClient, web: Web, login: Callable[[TestClient, str], str]
) -> None:
    csrf = login(client, "officer")
    form = {
        "csrf_token": csrf,
        "username": "qian",
        "display_name": "钱六",
        "unit": "street_office",
        "password": "long enough 1",
    }
    page = client.post("/admin/users", data=form)
    assert (
        page.status_code == 422
        and "「所属街道」必须选择（街道办事处的账号属于一个街道）" in page.text
    )


# -- the API -----------------------------------------------------------------------------


def test_api_lists_shows_and_acts_on_its_own_street_only(client: TestClient, web: Web) -> None:
    mine, other = _two(web)
    street = web.auth("street")
    listed = client.get("/api/incidents", headers=street).json()
    assert [r["id"] for r in listed] == [mine]
    assert {r["id"] for r in client.get("/api/incidents", headers=web.auth("hq")).json()} == {
        mine,
        other,
    }
    asked = client.get("/api/incidents", params={"street": "qingchuan"}, headers=street)
    assert asked.status_code == 403
    assert "acts for street 'yingwu' only, not 'qingchuan'" in asked.json()["message"]
    assert client.get(f"/api/incidents/{mine}", headers=street).status_code == 200
    for path in (f"/api/incidents/{other}", f"/api/incidents/{other}/actions"):
        shown = client.get(path, headers=street)
        assert shown.status_code == 403, path
        assert shown.json()["message"] == (
            f"incident {other} is in street 'qingchuan'; this account acts for street 'yingwu' only"
        )
    before = len(web.service.show(other)["timeline"])
    acted = client.post(f"/api/incidents/{other}/actions/acknowledge", json={}, headers=street)
    assert acted.status_code == 403 and "qingchuan" in acted.json()["message"]
    assert len(web.service.show(other)["timeline"]) == before
    assert client.get("/api/incidents/999", headers=street).status_code == 404


def test_api_report_in_another_street_is_refused(client: TestClient, web: Web) -> None:
    street = web.auth("street")
    refused = client.post("/api/incidents", json=new_report(**OTHER), headers=street)
    assert refused.status_code == 403 and refused.json()["message"].startswith("street:")
    assert client.get("/api/incidents", headers=web.auth("hq")).json() == []
    dupes = client.post("/api/incidents/duplicates", json=new_report(**OTHER), headers=street)
    assert dupes.status_code == 403
    assert client.post("/api/incidents", json=new_report(), headers=street).status_code == 201


# -- the console -------------------------------------------------------------------------


def test_console_board_history_and_incident_page_are_scoped(
    client: TestClient, web: Web, login: Callable[[TestClient, str], str]
) -> None:
    mine, other = _two(web)
    csrf = login(client, "street")
    for path in ("/", "/fragments/board", "/history", "/fragments/lane/awaiting"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert f'data-incident="{mine}"' in page.text or f"/incidents/{mine}" in page.text, path
        assert "晴川街9号" not in page.text, path
    asked = client.get("/history", params={"street": "qingchuan"})
    assert asked.status_code == 403 and "本账号只能查看和处理鹦鹉街的事件" in asked.text
    assert client.get(f"/incidents/{mine}").status_code == 200
    for path in (f"/incidents/{other}", f"/incidents/{other}/live"):
        page = client.get(path)
        assert page.status_code == 403, path
        assert f"事件 #{other} 在晴川街，本账号只能查看和处理鹦鹉街的事件" in page.text, path
    before = len(web.service.show(other)["timeline"])
    acted = client.post(f"/incidents/{other}/act/acknowledge", data={"csrf_token": csrf})
    assert acted.status_code == 403 and "本账号只能查看和处理鹦鹉街的事件" in acted.text
    assert len(web.service.show(other)["timeline"]) == before


def test_console_report_in_another_street_is_refused_beside_the_field(
    client: TestClient, web: Web, login: Callable[[TestClient, str], str]
) -> None:
    csrf = login(client, "street")
    form = {**new_report(**OTHER), "discovered_at": "2026-03-02T08:40", "csrf_token": csrf}
    page = client.post("/report", data=form)
    assert page.status_code == 403 and "本账号只能查看和处理鹦鹉街的事件" in page.text
    assert web.service.count_open() == 0


# -- acknowledgement links ---------------------------------------------------------------


def _ack_token(web: Web, incident_id: int) -> str:
    shown = web.service.act(incident_id, "activate", actor="district_hq")
    notice = next(
        n for n in shown["notices"] if n["unit"] == "street_office" and n["kind"] == "activation_II"
    )
    url = web.service.ack_links.url(
        incident_id, notice["id"], "street_office", datetime.fromisoformat(notice["sent_at"])
    )
    return url.split("/ack/", 1)[1]


def test_a_street_office_logged_in_acknowledges_its_own_streets_notices_only(
    client: TestClient, web: Web, login: Callable[[TestClient, str], str]
) -> None:
    mine, other = _two(web)
    own, foreign = _ack_token(web, mine), _ack_token(web, other)
    with TestClient(web.app) as anonymous:  # the link is the credential without a login
        assert anonymous.get(f"/ack/{foreign}").status_code == 200
    login(client, "street")
    refused = client.post(f"/ack/{foreign}", data={"person": "李某"})
    assert refused.status_code == 403 and "本账号只能查看和处理鹦鹉街的事件" in refused.text
    statuses = {n["unit"]: n["status"] for n in web.service.show(other)["notices"]}
    assert statuses["street_office"] == "sent"
    done = client.post(f"/ack/{own}", data={"person": "李某"})
    assert done.status_code == 200 and "已确认收到" in done.text


# -- the live stream ---------------------------------------------------------------------


def _rows(events: list[Any]) -> set[int]:
    return {json.loads(e.data)["id"] for e in events if e.event == "row"}


def test_changes_are_tagged_and_counted_per_street(web: Web) -> None:
    changes = Changes(web.service)
    start, _ = changes.now_mark()
    mine, other = _two(web)
    _, _, out = changes.since(start, None, frozenset({None, "yingwu"}))
    seen = {scope: [o.event for o in out if o.visible_to(scope)] for scope in (None, "yingwu")}
    assert _rows(seen[None]) == {mine, other}
    assert _rows(seen["yingwu"]) == {mine}
    counts = {
        scope: [json.loads(e.data) for e in events if e.event == "counts"]
        for scope, events in seen.items()
    }
    assert len(counts[None]) == 1 and counts[None][0]["awaiting"] == 2
    assert len(counts["yingwu"]) == 1 and counts["yingwu"][0]["awaiting"] == 1
    # A street no stream listens for is not counted; its rows would go to its streams only.
    theirs = [o.event for o in out if o.visible_to("qingchuan")]
    assert _rows(theirs) == {other} and not [e for e in theirs if e.event == "counts"]


@pytest.mark.parametrize("scope", [None, "yingwu"])
def test_a_reconnecting_stream_is_sent_only_what_its_scope_may_see(
    web: Web, scope: str | None
) -> None:
    hub = Broadcaster(Changes(web.service), interval=3600)
    start, _ = hub.changes.now_mark()
    mine, other = _two(web)

    async def until_ready() -> list[Any]:
        got = []
        stream = hub.events(Mark(start.timeline, start.attempts).text(), scope)
        async for event in stream:
            got.append(event)
            if event.event == "ready":
                break
        await stream.aclose()
        return got

    events = asyncio.run(until_ready())
    assert _rows(events) == ({mine, other} if scope is None else {mine})
    assert not hub.queues


def test_the_duty_desk_routes_keep_the_scope(client: TestClient, web: Web) -> None:
    """A street office attaches calls to, and opens incidents of, its own street only."""
    mine, other = _two(web)
    street = web.auth("street")
    call = {"place": "晴川街9号", "content": "墙体开裂", "recorder": "李某", "street": "qingchuan"}
    logged = client.post("/api/calls", json=call, headers=street).json()
    attach = f"/api/calls/{logged['id']}/attach"
    refused = client.post(attach, json={"incident_id": other}, headers=street)
    assert refused.status_code == 403 and "qingchuan" in refused.json()["message"]
    opened = client.post(
        f"/api/calls/{logged['id']}/open", json={"condition": "hidden_danger"}, headers=street
    )
    assert opened.status_code == 403 and opened.json()["message"].startswith("street:")
    assert client.get(f"/api/calls/{logged['id']}", headers=street).json()["status"] == "open"
    done = client.post(attach, json={"incident_id": mine}, headers=street)
    assert done.status_code == 200 and done.json()["incident_id"] == mine
