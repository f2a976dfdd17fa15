"""The read side on the web: `GET /api/incidents` pages summaries by cursor and refuses unknown
filters, the board shows lanes with their counts and only a page of each, the history page
finds closed and dismissed incidents, and the live stream pushes a change made by another
process to a real `serve` and survives a reconnect."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from engine.clock import ManualClock
from web.board import LANE_ROWS

ROOT = Path(__file__).resolve().parents[2]
RESYNC_SECONDS = 5


def _report(web: Any, minutes_ago: int, **facts: Any) -> int:
    discovered = web.service.now() - timedelta(minutes=minutes_ago)
    body = {
        "address": "鹦鹉街3栋",
        "street": "yingwu",
        "condition": "hidden_danger",
        "discovered_at": discovered.isoformat(),
        **facts,
    }
    return int(web.service.report(body)["id"])


def test_api_pages_every_incident_once_by_cursor(client: TestClient, web: Any) -> None:
    for k in range(7):
        _report(web, k, address=f"晴川街{k}号", street="qingchuan" if k % 2 else "yingwu")
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/incidents", params=params, headers=web.auth("hq"))
        assert response.status_code == 200, response.text
        seen += [r["id"] for r in response.json()]
        cursor = response.headers.get("X-Next-Cursor")
        if cursor is None:
            assert "Link" not in response.headers
            break
        assert 'rel="next"' in response.headers["Link"]
    assert seen == [7, 6, 5, 4, 3, 2, 1]
    rows = client.get(
        "/api/incidents", params={"street": "qingchuan"}, headers=web.auth("hq")
    ).json()
    assert [r["id"] for r in rows] == [6, 4, 2]
    assert "timeline" not in rows[0] and rows[0]["next_deadline"]["code"] == "initial_report"
    whole = client.get(
        "/api/incidents", params={"q": "晴川街3号", "full": "true"}, headers=web.auth("hq")
    ).json()
    assert [r["id"] for r in whole] == [4] and whole[0]["timeline"]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"state": "bogus"}, "state"),
        ({"street": "atlantis"}, "street"),
        ({"level": "IV"}, "level"),
        ({"order": "random"}, "order"),
        ({"limit": "0"}, "limit"),
        ({"cursor": "abc"}, "cursor"),
        ({"since": "yesterday"}, "since"),
        ({"overdue": "maybe"}, "overdue"),
    ],
)
def test_api_refuses_unknown_filter_values(
    client: TestClient, web: Any, params: dict[str, str], named: str
) -> None:
    response = client.get("/api/incidents", params=params, headers=web.auth("hq"))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_input" and body["message"].startswith(f"{named}: ")


def _cards(html: str, lane: str) -> list[int]:
    section = re.search(rf'<section class="sb-lane sb-lane-{lane}".*?</section>', html, re.S)
    assert section, lane
    return [int(i) for i in re.findall(r'data-incident="(\d+)"', section.group(0))]


def test_board_lanes_counts_and_paging(
    client: TestClient, web: Any, clock: ManualClock, login: Callable[[TestClient, str], str]
) -> None:
    overdue = [_report(web, 70 + k) for k in range(LANE_ROWS + 2)]  # due an hour after
    soon = _report(web, 50)  # due in 10 minutes: within the 15-minute reminder window
    waiting = _report(web, 0)
    drill = _report(web, 80, drill=True)
    login(client, "officer")
    page = client.get("/").text
    for lane, count in (
        ("overdue", LANE_ROWS + 2),
        ("due_soon", 1),
        ("awaiting", 1),
        ("active", 0),
        ("drills", 1),
    ):
        assert f'data-count="{lane}">{count}<' in page, lane
    shown = _cards(page, "overdue")
    assert shown == overdue[::-1][:LANE_ROWS]  # the most overdue (discovered first) first
    assert _cards(page, "due_soon") == [soon] and _cards(page, "awaiting") == [waiting]
    assert _cards(page, "drills") == [drill]  # apart: never above a real event
    assert "第 1/2 页" in page
    following = re.search(r'hx-get="(/fragments/lane/overdue\?cursor=[^"]+)"', page)
    assert following
    rest = client.get(following.group(1).replace("&amp;", "&")).text
    assert _cards(rest, "overdue") == overdue[::-1][LANE_ROWS:]
    assert "第 2/2 页" in rest and "下一页" not in rest


def test_history_finds_closed_and_dismissed_incidents(
    client: TestClient, web: Any, login: Callable[[TestClient, str], str]
) -> None:
    kept = _report(web, 5, address="琴断口小区8栋", reporter="赵六")
    gone = _report(web, 5, address="四新南路2号")
    web.service.act(gone, "dismiss", actor="district_housing_bureau", data={"reason": "不属实"})
    login(client, "officer")
    assert f'data-incident="{gone}"' not in client.get("/").text  # off the board
    found = client.get("/history", params={"state": "dismissed"}).text
    assert f'data-incident="{gone}"' in found and f'data-incident="{kept}"' not in found
    assert "已撤销（报告不实）" in found
    by_text = client.get("/history", params={"q": "赵六"}).text
    assert f'data-incident="{kept}"' in by_text and f'data-incident="{gone}"' not in by_text
    today = web.service.now().date().isoformat()
    on_day = client.get("/history", params={"since": today, "until": today}).text
    assert f'data-incident="{kept}"' in on_day and f'data-incident="{gone}"' in on_day
    bad = client.get("/history", params={"since": "12/01"})
    assert bad.status_code == 422 and "输入有误" in bad.text and "since" in bad.text


# -- the live stream, on a real serve ----------------------------------------------------


class Listener:
    """An SSE client (httpx streaming) collecting events in a thread."""

    def __init__(self, url: str, token: str, last_event_id: str | None = None) -> None:
        self.events: list[tuple[str, str, dict[str, Any]]] = []
        headers = {"Authorization": f"Bearer {token}"}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(url, headers), daemon=True)
        self._thread.start()

    def _run(self, url: str, headers: dict[str, str]) -> None:
        kind, ident = "message", ""
        with httpx.stream("GET", url, headers=headers, timeout=httpx.Timeout(5, read=60)) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            for line in r.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith("event:"):
                    kind = line[6:].strip()
                elif line.startswith("id:"):
                    ident = line[3:].strip()
                elif line.startswith("data:"):
                    self.events.append((kind, ident, json.loads(line[5:].strip())))
                    kind = "message"

    def wait(
        self, test: Callable[[tuple[str, str, dict[str, Any]]], bool], seconds: float
    ) -> tuple[str, str, dict[str, Any]]:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for event in list(self.events):
                if test(event):
                    return event
            time.sleep(0.05)
        raise AssertionError(f"no such event within {seconds} s: {self.events}")

    def close(self) -> None:
        self._stop.set()


@pytest.fixture
def live(served: Any) -> Iterator[Any]:
    served.env["FANGAN_RESYNC_SECONDS"] = str(RESYNC_SECONDS)
    served.tokens = {"hq": served.user("hq", "指挥部乙", "district_hq")}
    served.start()
    yield served


def _cli_report(live: Any, address: str) -> int:
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "incident", "report"],
        input=json.dumps(
            {
                "address": address,
                "street": "yingwu",
                "condition": "hidden_danger",
                "discovered_at": "2026-03-02T08:40:00+08:00",
            }
        ),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=live.env,
        timeout=120,
        check=True,
    )
    return int(json.loads(done.stdout)["id"])


def test_stream_pushes_another_process_change_and_survives_a_reconnect(live: Any) -> None:
    url = live.base + "/api/stream"
    first = Listener(url, live.tokens["hq"])
    first.wait(lambda e: e[0] == "ready", 30)
    incident = _cli_report(live, "鹦鹉街9栋")  # another process has committed it
    # Pushed within the resync interval of the commit.
    _, mark, row = first.wait(lambda e: e[0] == "row" and e[2]["id"] == incident, RESYNC_SECONDS)
    assert row["lane"] == "overdue" and "鹦鹉街9栋" in row["html"]  # discovered 2026-03-02
    assert first.wait(lambda e: e[0] == "counts", 5)[2]["overdue"] == 1
    first.close()
    # Disconnected: a change is made; the reconnect with Last-Event-ID gets it first.
    missed = _cli_report(live, "鹦鹉街10栋")
    again = Listener(url, live.tokens["hq"], last_event_id=mark)
    got = again.wait(lambda e: e[0] == "row" and e[2]["id"] == missed, 30)
    ready = again.wait(lambda e: e[0] == "ready", 30)
    assert again.events.index(got) < again.events.index(ready)
    again.close()
    assert live.stop() == 0
