"""The list side (`engine.summaries`): a summary says what the whole incident view says on every
field it carries, paging gives every incident exactly once, filters keep what they name and
refuse what they do not know, and a page costs the same few queries however long it is."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.clock import ManualClock
from engine.errors import FanganError, InvalidInput
from engine.plan import Plan
from engine.service import IncidentService, load_workflow
from engine.summaries import ListQuery, lane_counts, list_page, summaries_of

WORKFLOW = "workflows.housing_safety:WORKFLOW"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CONDITIONS = ("hidden_danger", "imminent_collapse", "partial_collapse")
STREETS = ("yingwu", "qingchuan", "sixin")
# (action, actor, data): what a duty desk does to an incident, refused or not.
STEPS = (
    ("activate", "district_hq", {}),
    ("activate", "district_housing_bureau", {}),
    ("record_report", "duty_officer", {"to": "city_housing_bureau"}),
    ("record_report", "duty_officer", {"to": "district_government"}),
    ("verify", "district_housing_bureau", {}),
    ("dismiss", "district_housing_bureau", {"reason": "经核实不属实"}),
    ("acknowledge", "street_office", {}),
)


def _fresh(template: Path, workdir: Path, plan: Plan, clock: ManualClock) -> IncidentService:
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "fangan.db"
    shutil.copyfile(template, db)
    return IncidentService(f"sqlite:///{db}", plan, load_workflow(WORKFLOW), clock=clock)


def _report(service: IncidentService, minutes_ago: int, **facts: Any) -> int:
    discovered = service.now() - timedelta(minutes=minutes_ago)
    body = {
        "address": "鹦鹉街3栋",
        "street": "yingwu",
        "condition": "hidden_danger",
        "discovered_at": discovered.isoformat(),
        **facts,
    }
    return int(service.report(body)["id"])


def _undelivered(service: IncidentService, incident_id: int) -> int:
    with service.db.connect() as connection:
        return int(
            connection.execute(
                sa.text(
                    "SELECT count(*) FROM delivery WHERE incident_id = :i AND status != 'delivered'"
                ),
                {"i": incident_id},
            ).scalar_one()
        )


def _assert_summary_is_the_view(service: IncidentService, ids: list[int]) -> None:
    rows = {r["id"]: r for r in summaries_of(service, ids)}
    assert sorted(rows) == sorted(ids)
    for incident_id in ids:
        view, row = service.show(incident_id), rows[incident_id]
        for name, value in row.items():
            if name in view:
                assert value == view[name], (incident_id, name)
        running = [d for d in view["deadlines"] if d["met_at"] is None and d["stopped_at"] is None]
        if not running:
            assert row["next_deadline"] is None
        else:
            first = min(d["due_at"] for d in running)
            ours = row["next_deadline"]
            same = [d for d in running if d["due_at"] == first]
            assert ours["due_at"] == first
            assert any(
                (d["code"], d["occasion"], d["status"], d["escalation_step"])
                == (ours["code"], ours["occasion"], ours["status"], ours["escalation_step"])
                for d in same
            )
        assert row["unacknowledged_notices"] == sum(
            n["status"] in ("sent", "escalated") for n in view["notices"]
        )
        assert row["flagged_notices"] == sum(n["flagged"] for n in view["notices"])
        assert row["undelivered_messages"] == _undelivered(service, incident_id)


incident_plans = st.lists(
    st.tuples(
        st.sampled_from(CONDITIONS),
        st.sampled_from(STREETS),
        st.booleans(),
        st.integers(min_value=0, max_value=70),
        st.lists(
            st.tuples(
                st.integers(min_value=0, max_value=len(STEPS) - 1),
                st.integers(min_value=0, max_value=40),
            ),
            max_size=4,
        ),
    ),
    min_size=1,
    max_size=5,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(incidents=incident_plans)
def test_a_summary_says_what_the_view_says(
    incidents: list[Any], migrated_db: Path, plan: Plan, tmp_path_factory: pytest.TempPathFactory
) -> None:
    clock = ManualClock(T0)
    service = _fresh(migrated_db, tmp_path_factory.mktemp("prop"), plan, clock)
    ids = []
    for condition, street, drill, minutes_ago, steps in incidents:
        ids.append(
            _report(
                service,
                minutes_ago,
                condition=condition,
                street=street,
                drill=drill,
                people_at_risk=150,
            )
        )
        for step, minutes in steps:
            action, actor, data = STEPS[step]
            clock.advance(minutes=minutes)
            service.tick()
            # A refused step leaves the record unchanged, and so must the summary be.
            with contextlib.suppress(FanganError):
                service.act(ids[-1], action, actor=actor, data=data)
    clock.advance(minutes=35)
    service.tick()
    _assert_summary_is_the_view(service, ids)
    service.db.dispose()


@pytest.fixture
def desk(service: IncidentService, clock: ManualClock) -> IncidentService:
    """Twelve incidents: drills, streets, levels and deadlines of every kind, some closed."""
    for k in range(12):
        _report(
            service,
            5 * k,
            street=STREETS[k % 3],
            drill=k % 5 == 4,
            condition=CONDITIONS[k % 3],
            people_at_risk=150,
            reporter="王五" if k == 7 else None,
            description="墙体开裂" if k == 2 else None,
        )
    service.act(2, "activate", actor="district_hq")
    service.act(3, "dismiss", actor="district_housing_bureau", data={"reason": "不属实"})
    clock.advance(minutes=20)
    service.tick()
    return service


def _all(service: IncidentService, query: ListQuery) -> list[int]:
    seen: list[int] = []
    cursor = query.cursor
    while True:
        page = list_page(service, ListQuery(**{**query.__dict__, "cursor": cursor}))
        seen += [r["id"] for r in page.rows]
        cursor = page.next_cursor
        if cursor is None:
            return seen


@pytest.mark.parametrize("order", ["newest", "urgency"])
@pytest.mark.parametrize("limit", [1, 5, 12, 100])
def test_paging_gives_every_incident_exactly_once(
    desk: IncidentService, order: str, limit: int
) -> None:
    seen = _all(desk, ListQuery(order=order, limit=limit))
    assert sorted(seen) == list(range(1, 13))
    if order == "newest":
        assert seen == list(range(12, 0, -1))


def test_urgency_order_puts_overdue_first_and_drills_last(desk: IncidentService) -> None:
    rows = list_page(desk, ListQuery(order="urgency", open_only=True)).rows
    dues = [r["next_deadline"]["due_at"] for r in rows if not r["drill"]]
    assert dues == sorted(dues)  # every open real incident has its initial report running
    drills = [r["drill"] for r in rows]
    assert drills == sorted(drills)  # False first: no drill above a real event
    assert 3 not in [r["id"] for r in rows]  # dismissed


def test_paging_survives_writes_between_pages(desk: IncidentService) -> None:
    first = list_page(desk, ListQuery(limit=4))
    _report(desk, 1)  # id 13, newer than every page: not in this walk, never a repeat
    rest = _all(desk, ListQuery(limit=4, cursor=first.next_cursor))
    assert [r["id"] for r in first.rows] + rest == list(range(12, 0, -1))


def test_filters_keep_what_they_name(desk: IncidentService, clock: ManualClock) -> None:
    def ids(**kw: Any) -> set[int]:
        return set(_all(desk, ListQuery(limit=500, **kw)))

    assert ids(street="yingwu") == {1, 4, 7, 10}
    assert ids(drill=True) == {5, 10}
    assert ids(states=("dismissed",)) == {3}
    assert ids(open_only=True) == set(range(1, 13)) - {3}
    assert ids(level="I") == {3, 6, 9, 12}  # partial collapses
    assert ids(text="王五") == {8}  # reporter
    assert ids(text="开裂") == {3}  # description
    assert ids(text="鹦鹉街") == set(range(1, 13))  # address
    assert ids(text="100%") == set()  # LIKE wildcards are text
    # Discovered 5k minutes before 09:00, the initial report is due an hour after: at 09:20
    # those discovered more than 40 minutes before 09:00 (k ≥ 9) are overdue; 3 is dismissed.
    assert ids(overdue=True) == {10, 11, 12}
    assert ids(overdue=False) == set(range(1, 10))
    reported = T0 + timedelta(seconds=0)
    assert ids(since=reported) == set(range(1, 13))
    assert ids(until=reported) == set()


def test_lanes_and_their_counts(desk: IncidentService) -> None:
    counts = lane_counts(desk)
    # Incident k+1 was discovered 5k minutes before 09:00, so its initial report is due at
    # 10:00 − 5k. At 09:20: overdue when k ≥ 9 (ids 11, 12; 10 is a drill); due by 09:35 (the
    # 15-minute reminder window) when k ≥ 5 (ids 6–9), and incident 2, activated at II at
    # 09:00, owes its activation report at 09:30; awaiting verification: 1 and 4 (3 is
    # dismissed, 5 and 10 are drills); nothing is active without a deadline due soon.
    assert counts == {"overdue": 2, "due_soon": 5, "awaiting": 2, "active": 0, "drills": 2}
    lane = {r["id"]: r["lane"] for r in list_page(desk, ListQuery(limit=500)).rows}
    assert {i for i, v in lane.items() if v == "overdue"} == {11, 12}
    assert lane[3] is None
    for name, count in counts.items():
        assert len(_all(desk, ListQuery(lane=name, order="urgency", limit=2))) == count


@pytest.mark.parametrize(
    ("query", "named"),
    [
        (ListQuery(states=("nope",)), "state"),
        (ListQuery(level="IV"), "level"),
        (ListQuery(street="atlantis"), "street"),
        (ListQuery(lane="fast"), "lane"),
        (ListQuery(order="random"), "order"),
        (ListQuery(limit=0), "limit"),
        (ListQuery(limit=501), "limit"),
        (ListQuery(cursor="bm90IGEgY3Vyc29y"), "cursor"),
        (ListQuery(cursor="!!"), "cursor"),
        (ListQuery(since=T0, until=T0), "until"),
        (ListQuery(text="鹦鹉\x00街"), "q"),
    ],
)
def test_unknown_filter_values_are_refused_naming_the_option(
    service: IncidentService, query: ListQuery, named: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        list_page(service, query, option=lambda name: f"--{name}")
    assert refused.value.message.startswith(f"--{named}: ")


def test_a_cursor_of_another_order_is_refused(desk: IncidentService) -> None:
    cursor = list_page(desk, ListQuery(limit=2)).next_cursor
    with pytest.raises(InvalidInput, match="cursor"):
        list_page(desk, ListQuery(order="urgency", cursor=cursor))


@contextmanager
def _counting(service: IncidentService) -> Iterator[list[str]]:
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(str(args[2]))

    sa.event.listen(service.db, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        sa.event.remove(service.db, "before_cursor_execute", seen)


def test_a_page_costs_the_same_queries_for_5_or_60_rows(
    service: IncidentService, clock: ManualClock
) -> None:
    for k in range(60):
        _report(service, k % 50, condition=CONDITIONS[k % 3], people_at_risk=150)
    service.act(1, "activate", actor="district_hq")
    clock.advance(minutes=30)
    service.tick()
    counts = []
    for limit in (5, 60):
        with _counting(service) as statements:
            assert len(list_page(service, ListQuery(limit=limit, order="urgency")).rows) == limit
        counts.append(len([s for s in statements if s.lstrip().upper().startswith("SELECT")]))
    assert counts[0] == counts[1] <= 6


def test_every_filter_has_an_index(service: IncidentService) -> None:
    path = str(service.db.url.database)
    connection = sqlite3.connect(path)
    try:
        indexed = {
            (table, row[2])
            for table in ("incident", "deadline", "notice", "delivery")
            for index in connection.execute(f"PRAGMA index_list({table})").fetchall()
            for row in connection.execute(f"PRAGMA index_info('{index[1]}')").fetchall()
            if row[0] == 0
        }  # leading column of each index
    finally:
        connection.close()
    for column in ("state", "response_level", "street", "drill", "reported_at"):
        assert ("incident", column) in indexed, column
    for table in ("deadline", "notice", "delivery"):
        assert (table, "incident_id") in indexed


def test_cli_lists_summaries_pages_and_refuses_unknown_filters(cli: Any) -> None:
    """`incident list` (SPEC §5): summaries newest first, --limit and --cursor, --full, and an
    unknown value refused with exit 2 naming the option."""
    for k in range(3):
        code, _, err = cli(
            "incident",
            "report",
            stdin={
                "address": f"晴川街{k}号",
                "street": "qingchuan",
                "condition": "hidden_danger",
                "discovered_at": "2026-03-02T08:30:00+08:00",
                "reporter": "李四" if k == 1 else None,
            },
        )
        assert code == 0, err
    code, listed, err = cli("incident", "list", "--limit", "2")
    assert code == 0, err
    assert [r["id"] for r in listed] == [3, 2]
    assert "timeline" not in listed[0] and listed[0]["next_deadline"]["code"] == "initial_report"
    cursor = err.split("--cursor ")[1].split()[0]
    code, rest, _ = cli("incident", "list", "--limit", "2", "--cursor", cursor)
    assert [r["id"] for r in rest] == [1]
    code, found, _ = cli("incident", "list", "--q", "李四", "--full")
    assert [r["id"] for r in found] == [2] and found[0]["timeline"]
    for args, named in (
        (("--street", "atlantis"), "--street"),
        (("--level", "IV"), "--level"),
        (("--order", "random"), "--order"),
        (("--since", "yesterday"), "--since"),
        (("--cursor", "xyz"), "--cursor"),
    ):
        code, out, err = cli("incident", "list", *args)
        assert code == 2 and out is None
        assert cli.error(err)["message"].startswith(f"{named}: "), err


def test_the_boards_one_pass_equals_a_page_of_each_lane(desk: IncidentService) -> None:
    from engine.summaries import Summaries

    summaries = Summaries(desk.plan, desk.workflow)
    with desk.reading() as session:
        counts, pages = summaries.lanes(session, desk.now(), 2)
    assert counts == lane_counts(desk)
    for lane, page in pages.items():
        one = list_page(desk, ListQuery(lane=lane, order="urgency", limit=2))
        assert [r["id"] for r in page.rows] == [r["id"] for r in one.rows], lane
        assert page.rows == one.rows and page.next_cursor == one.next_cursor, lane
