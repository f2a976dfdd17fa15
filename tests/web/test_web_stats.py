"""GET /api/stats and the /stats page through the app (TestClient): JSON and Excel agree, bad
values are refused naming the field (API) or in Chinese (page), every figure links to its
incidents, drills stay apart."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from fastapi.testclient import TestClient
from openpyxl import load_workbook


def _record(web: Any, report_data: Callable[..., dict[str, Any]]) -> tuple[int, int]:
    """A real II incident verified at 08:50 whose government report is never made (due 09:20:
    missed by the time judged, 10:00), and a drill. The clock stands at 10:00 on 2 March 2026."""
    service = web.service
    service.clock.advance(hours=1)
    real = service.report(report_data())["id"]
    service.act(real, "verify", actor="district_housing_bureau", at="2026-03-02T08:50:00+08:00")
    drill = service.report(report_data(drill=True, street="qingchuan"))["id"]
    return real, drill


def test_api_stats_json_and_excel(
    client: TestClient, web: Any, report_data: Callable[..., dict[str, Any]]
) -> None:
    real, drill = _record(web, report_data)
    query = {"from": "2026-03-01", "to": "2026-03-31"}
    response = client.get("/api/stats", params=query, headers=web.auth("officer"))
    assert response.status_code == 200, response.text
    data = response.json()
    government = next(t for t in data["timeliness"] if t["code"] == "government_report")
    assert (government["missed"], government["ids"]["missed"]) == (1, [real])
    assert government["missed_minutes"]["median"] == 40.0  # due 09:20, judged 10:00
    assert data["drills"]["incidents"]["ids"] == [drill]
    assert drill not in data["incidents"]["ids"]
    sheet = client.get("/api/stats", params={**query, "format": "xlsx"}, headers=web.auth("street"))
    assert sheet.status_code == 200
    assert sheet.headers["content-disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(sheet.content))
    rows = {r[0]: r for r in book["报告时效"].iter_rows(min_row=2, values_only=True)}
    assert rows[government["name"]][5] == government["missed"]
    assert rows[government["name"]][11] == government["missed_minutes"]["median"]
    months = {r[0]: r[1] for r in book["按月份"].iter_rows(min_row=2, values_only=True)}
    assert months == {"2026年3月": 1}


def test_api_refuses_bad_values_naming_the_field(client: TestClient, web: Any) -> None:
    for params, field in (
        ({"from": "2026-02-30"}, "from"),
        ({"street": "atlantis"}, "street"),
        ({"level": "IV"}, "level"),
        ({"from": "2026-03-01", "to": "2026-02-01"}, "to"),
    ):
        response = client.get("/api/stats", params=params, headers=web.auth("officer"))
        assert response.status_code == 422, params
        assert response.json()["message"].startswith(f"{field}: "), response.json()
    assert client.get("/api/stats").status_code == 401


def test_page_links_every_figure_to_its_incidents(
    client: TestClient,
    web: Any,
    login: Callable[[TestClient, str], str],
    report_data: Callable[..., dict[str, Any]],
) -> None:
    real, drill = _record(web, report_data)
    assert client.get("/stats").status_code == 303  # to the login page
    login(client, "officer")
    page = client.get("/stats", params={"from": "2026-03-01", "to": "2026-03-31"})
    assert page.status_code == 200
    html = page.text
    assert "统计分析" in html and "2026年3月1日至2026年3月31日" in html
    assert (
        html.count('<div class="chart-wide"><svg')
        == html.count('<div class="chart-narrow"><svg')
        == 4
    )
    missed = re.search(
        r'href="(/stats/incidents\?[^"]*figure=timeliness\.government_report'
        r'\.missed)"',
        html,
    )
    assert missed, "no link behind the missed government reports"
    listing = client.get(unquote(missed.group(1)).replace("&amp;", "&"))
    assert listing.status_code == 200
    assert f'href="/incidents/{real}"' in listing.text
    assert f'href="/incidents/{drill}"' not in listing.text
    drills = client.get(
        "/stats/incidents", params={"figure": "drills.incidents", "from": "2026-03-01"}
    )
    assert f'href="/incidents/{drill}"' in drills.text and "演练" in drills.text
    street = client.get(
        "/stats/incidents", params={"figure": "street.yingwu.late_or_missed", "from": "2026-03-01"}
    )
    assert "<h1>鹦鹉街·迟报、逾期未报" in street.text and f'href="/incidents/{real}"' in street.text


def test_page_says_in_chinese_what_is_wrong(
    client: TestClient, web: Any, login: Callable[[TestClient, str], str]
) -> None:
    login(client, "officer")
    page = client.get("/stats", params={"street": "atlantis"})
    assert page.status_code == 200 and "街道无效，请重新选择。" in page.text
    empty = client.get("/stats", params={"from": "2025-01-01", "to": "2025-12-31"})
    assert "本期没有迟报或逾期未报。" in empty.text
    unknown = client.get("/stats/incidents", params={"figure": "nothing.here"})
    assert "没有这项统计。" in unknown.text
    assert '<span class="num">0</span>' in empty.text  # a year without incidents: 0, no link
