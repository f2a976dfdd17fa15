"""The figures (SPEC R14) on a hand-built record, no database: every expected number below is
worked out by hand from the record in the comments, never taken from the code under test."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from engine.deadlines import Deadline
from engine.errors import InvalidInput
from workflows.housing_safety.figures import (
    IncidentFact,
    NoticeFact,
    Period,
    Spread,
    Summary,
    compute,
    parse_period,
)

Z = ZoneInfo("Asia/Shanghai")
CODES = ["initial_report", "government_report", "activation_report", "city_hq_report"]
STREETS = ["qingchuan", "yingwu", "jiangdi"]
LEVELS = ["I", "II", "III"]
YEAR_2026 = Period(datetime(2026, 1, 1, tzinfo=Z), datetime(2027, 1, 1, tzinfo=Z), Z)
AS_OF = datetime(2027, 1, 1, 0, 0, tzinfo=Z)


def t(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=Z)


def due(
    code: str, due_at: datetime, met: datetime | None = None, stopped: datetime | None = None
) -> Deadline:
    return Deadline(
        code, due_at - timedelta(minutes=30), due_at, ("x",), met_at=met, stopped_at=stopped
    )


def notice(
    unit: str,
    sent: datetime,
    *,
    ack: datetime | None = None,
    resent: bool = False,
    asks: bool = True,
    status: str = "sent",
) -> NoticeFact:
    return NoticeFact(
        unit,
        "activation_II",
        sent,
        sent + timedelta(minutes=15) if asks else None,
        ack,
        resent,
        "acknowledged" if ack else status,
    )


RECORD = [
    # 1: 鹦鹉街, II, reported 3 March 09:00. Initial on time; government 20 min late;
    #    activation report 30 min late. Verified +30, activated +45, danger gone +180,
    #    terminated +360, closed +1440 minutes.
    IncidentFact(
        1,
        "yingwu",
        "II",
        t(3, 2, 9),
        address="鹦鹉街3栋",
        milestones={
            "verified": t(3, 2, 9, 30),
            "activated": t(3, 2, 9, 45),
            "danger_eliminated": t(3, 2, 12),
            "terminated": t(3, 2, 15),
            "closed": t(3, 3, 9),
        },
        deadlines=(
            due("initial_report", t(3, 2, 9, 40), met=t(3, 2, 9, 30)),
            due("government_report", t(3, 2, 10), met=t(3, 2, 10, 20)),
            due("activation_report", t(3, 2, 10, 15), met=t(3, 2, 10, 45)),
        ),
        notices=(
            notice("district_fire_rescue", t(3, 2, 9, 45), ack=t(3, 2, 9, 55)),  # 10 min
            notice("street_office", t(3, 2, 9, 45), ack=t(3, 2, 10, 25), resent=True),  # 40
            notice("district_civil_affairs", t(3, 2, 9, 45), resent=True),  # never
            notice("district_health_commission", t(3, 2, 9, 45), asks=False),  # no ack asked
            notice("district_water_bureau", t(3, 2, 9, 45), status="superseded"),
        ),
    ),
    # 2: 晴川街, III, 15 July 10:00. Initial met at exactly its due instant (on time: inclusive);
    #    government due 10:50 never met, closed 12:00 → missed by 70 min.
    IncidentFact(
        2,
        "qingchuan",
        "III",
        t(7, 15, 10),
        milestones={
            "verified": t(7, 15, 10, 20),
            "activated": t(7, 15, 10, 40),
            "closed": t(7, 15, 12),
        },
        deadlines=(
            due("initial_report", t(7, 15, 10, 30), met=t(7, 15, 10, 30)),
            due("government_report", t(7, 15, 10, 50), stopped=t(7, 15, 12)),
        ),
        notices=(notice("street_office", t(7, 15, 10, 40), ack=t(7, 15, 10, 50)),),
    ),  # 10 min
    # 3: 鹦鹉街, III, 20 July 08:00. Initial 50 min late; dismissed at 08:20, before the
    #    government report fell due (08:40): void, not missed.
    IncidentFact(
        3,
        "yingwu",
        "III",
        t(7, 20, 8),
        milestones={"verified": t(7, 20, 8, 10)},
        deadlines=(
            due("initial_report", t(7, 20, 9), met=t(7, 20, 9, 50)),
            due("government_report", t(7, 20, 8, 40), stopped=t(7, 20, 8, 20)),
        ),
    ),
    # 4: a drill on 鹦鹉街: everything missed, never counted with the real incidents.
    IncidentFact(
        4,
        "yingwu",
        "II",
        t(7, 1, 9),
        drill=True,
        milestones={"verified": t(7, 1, 9, 1)},
        deadlines=(due("initial_report", t(7, 1, 9, 30)),),
        notices=(notice("district_fire_rescue", t(7, 1, 9, 5)),),
    ),
    # 5: reported in 2025 (local time): outside the period.
    IncidentFact(
        5,
        "yingwu",
        "I",
        t(12, 31, 23, year=2025),
        deadlines=(due("initial_report", t(12, 31, 23, 30, year=2025)),),
    ),
    # 6: 江堤街, III, 31 December 23:30 local (15:30 UTC: still 2026 and December in Wuhan).
    #    Its initial report falls due after the instant judged: pending; its notice still waits.
    IncidentFact(
        6,
        "jiangdi",
        "III",
        t(12, 31, 23, 30),
        deadlines=(due("initial_report", t(1, 1, 0, 30, year=2027)),),
        notices=(notice("street_office", t(12, 31, 23, 50)),),
    ),
]


@pytest.fixture(scope="module")
def summary() -> Summary:
    return compute(RECORD, YEAR_2026, AS_OF, codes=CODES, streets=STREETS, levels=LEVELS)


def test_timeliness_of_each_report_kind(summary: Summary) -> None:
    rows = {row.code: row for row in summary.real.timeliness}
    assert list(rows) == CODES
    initial = rows["initial_report"].tally
    assert dict(initial.counts) == {"on_time": 2, "late": 1, "missed": 0, "pending": 1, "void": 0}
    assert initial.ids["on_time"] == (1, 2) and initial.ids["late"] == (3,)
    assert initial.ids["pending"] == (6,)
    assert initial.on_time_share == round(2 / 3, 4)  # pending ones have not fallen due
    assert rows["initial_report"].late == Spread(1, 50.0, 50.0, 50.0)
    government = rows["government_report"]
    assert dict(government.tally.counts) == {
        "on_time": 0,
        "late": 1,
        "missed": 1,
        "pending": 0,
        "void": 1,
    }
    assert government.tally.ids["void"] == (3,)
    assert government.late == Spread(1, 20.0, 20.0, 20.0)
    assert government.missed == Spread(1, 70.0, 70.0, 70.0)
    assert government.tally.on_time_share == 0.0
    assert rows["activation_report"].late.median == 30.0
    city = rows["city_hq_report"]
    assert city.tally.total == 0 and city.late == Spread() and city.tally.on_time_share is None


def test_times_from_report_to_each_milestone(summary: Summary) -> None:
    got = {i.milestone: i for i in summary.real.intervals}
    # verified: 30, 20, 10 → sorted 10, 20, 30: median 20; p90 at rank 1.8 → 20 + 0.8 × 10 = 28.
    assert got["verified"].spread == Spread(3, 20.0, 28.0, 30.0)
    assert got["verified"].ids == (1, 2, 3)
    # activated: 45, 40 → median 42.5; p90 at rank 0.9 → 40 + 0.9 × 5 = 44.5.
    assert got["activated"].spread == Spread(2, 42.5, 44.5, 45.0)
    assert got["danger_eliminated"].spread == Spread(1, 180.0, 180.0, 180.0)
    assert got["terminated"].spread == Spread(1, 360.0, 360.0, 360.0)
    # closed: 1440 and 120 → median 780.
    assert got["closed"].spread.median == 780.0 and got["closed"].ids == (1, 2)


def test_acknowledgements_per_unit(summary: Summary) -> None:
    units = {a.unit: a for a in summary.real.acknowledgements}
    # The notice that asked for no acknowledgement and the superseded one are not counted.
    assert set(units) == {"district_fire_rescue", "street_office", "district_civil_affairs"}
    street = units["street_office"]
    # 40 and 10 minutes (incidents 1 and 2); incident 6's notice is still within its wait.
    assert (street.asked, street.acknowledged, street.never, street.waiting, street.resent) == (
        3,
        2,
        0,
        1,
        1,
    )
    assert street.spread == Spread(2, 25.0, 37.0, 40.0)  # p90: 10 + 0.9 × 30
    assert street.ids == (1, 2, 6) and street.resent_ids == (1,)
    assert street.never_share == 0.0
    civil = units["district_civil_affairs"]
    assert (civil.asked, civil.never, civil.resent, civil.never_share) == (1, 1, 1, 1.0)
    assert civil.never_ids == (1,) and civil.spread == Spread()
    fire = units["district_fire_rescue"]  # the drill's unacknowledged notice is not here
    assert (fire.asked, fire.acknowledged, fire.never, fire.spread.median) == (1, 1, 0, 10.0)


def test_by_street_level_month_and_year(summary: Summary) -> None:
    streets = {g.key: g for g in summary.real.breakdowns["street"]}
    assert list(streets) == STREETS
    assert streets["yingwu"].incidents == (1, 3)  # the drill (4) and 2025's (5) are not
    # 鹦鹉街: incident 1 on time once, late twice; incident 3 late once, void once.
    assert dict(streets["yingwu"].tally.counts) == {
        "on_time": 1,
        "late": 3,
        "missed": 0,
        "pending": 0,
        "void": 1,
    }
    assert streets["qingchuan"].tally.ids["missed"] == (2,)
    levels = {g.key: g.incidents for g in summary.real.breakdowns["level"]}
    assert levels == {"I": (), "II": (1,), "III": (2, 3, 6)}
    months = {g.key: g.incidents for g in summary.real.breakdowns["month"]}
    assert list(months) == [f"2026-{m:02d}" for m in range(1, 13)]
    assert months["2026-03"] == (1,) and months["2026-07"] == (2, 3)
    assert months["2026-12"] == (6,) and months["2026-01"] == ()
    assert [(g.key, g.incidents) for g in summary.real.breakdowns["year"]] == [
        ("2026", (1, 2, 3, 6))
    ]


def test_late_or_missed_list(summary: Summary) -> None:
    got = [(r.incident_id, r.code, r.outcome, r.minutes) for r in summary.real.late_or_missed]
    assert got == [
        (1, "government_report", "late", 20.0),
        (1, "activation_report", "late", 30.0),
        (2, "government_report", "missed", 70.0),
        (3, "initial_report", "late", 50.0),
    ]


def test_drills_are_never_counted_with_real_incidents(summary: Summary) -> None:
    assert summary.real.incidents == (1, 2, 3, 6)
    assert 4 not in {i for ids in summary.real.index().values() for i in ids}
    assert summary.drills.incidents == (4,)
    drill_initial = summary.drills.timeliness[0].tally
    assert drill_initial.ids["missed"] == (4,) and drill_initial.total == 1
    assert [a.unit for a in summary.drills.acknowledgements] == ["district_fire_rescue"]
    assert summary.index()["drills.timeliness.initial_report.missed"] == (4,)


def test_each_figure_names_its_incidents(summary: Summary) -> None:
    index = summary.index()
    assert index["incidents"] == (1, 2, 3, 6)
    assert index["timeliness.government_report.missed"] == (2,)
    assert index["interval.danger_eliminated"] == (1,)
    assert index["ack.district_civil_affairs.never"] == (1,)
    assert index["street.yingwu.late"] == (1, 3)
    assert index["month.2026-07"] == (2, 3)
    assert index["late_or_missed"] == (1, 2, 3)


def test_filters_by_street_and_level() -> None:
    period = Period(YEAR_2026.start, YEAR_2026.end, Z, street="yingwu", level="III")
    got = compute(RECORD, period, AS_OF, codes=CODES, streets=STREETS, levels=LEVELS)
    assert got.real.incidents == (3,) and got.drills.incidents == ()


def test_an_empty_period_gives_zeros() -> None:
    period = Period(datetime(2030, 1, 1, tzinfo=Z), datetime(2031, 1, 1, tzinfo=Z), Z)
    got = compute(RECORD, period, AS_OF, codes=CODES, streets=STREETS, levels=LEVELS).real
    assert got.incidents == () and got.late_or_missed == () and got.acknowledgements == ()
    assert [t.tally.total for t in got.timeliness] == [0, 0, 0, 0]
    assert all(i.spread == Spread(0, None, None, None) for i in got.intervals)
    assert len(got.breakdowns["month"]) == 12
    assert all(
        g.incidents == () and g.tally.total == 0
        for groups in got.breakdowns.values()
        for g in groups
    )


def test_periods_from_dates_and_instants() -> None:
    p = parse_period("2026-03-01", "2026-03-31", Z, default_year=2026)
    assert (p.start, p.end) == (datetime(2026, 3, 1, tzinfo=Z), datetime(2026, 4, 1, tzinfo=Z))
    assert p.months() == ["2026-03"]
    whole = parse_period(None, None, Z, default_year=2025)
    assert (whole.start, whole.end) == (
        datetime(2025, 1, 1, tzinfo=Z),
        datetime(2026, 1, 1, tzinfo=Z),
    )
    instant = parse_period("2026-03-01T08:00:00Z", None, Z, default_year=2026)
    assert instant.start == datetime(2026, 3, 1, 16, tzinfo=Z)
    assert instant.end == datetime(2027, 1, 1, tzinfo=Z)


@pytest.mark.parametrize(
    ("args", "blamed"),
    [
        (("2026-13-01", None), "from"),
        (("2026-03-01", "2026-02-01"), "to"),
        (("2026-03-01T08:00", None), "from"),
        (("2000-01-01", "2026-01-01"), "to"),
        (("tomorrow", None), "from"),
        (("9999-12-31", None), "from"),
        ((None, "9999-12-31"), "to"),
        (("0001-01-01T00:00:00+14:00", None), "from"),
        (("0001-01-01", "0001-01-02"), "from"),
    ],
)
def test_bad_periods_are_refused_naming_the_option(
    args: tuple[str | None, str | None], blamed: str
) -> None:
    with pytest.raises(InvalidInput, match=f"^{blamed}: "):
        parse_period(*args, Z, default_year=2026)


def test_unknown_street_or_level_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"^street: unknown street 'nowhere'"):
        parse_period(None, None, Z, default_year=2026, street="nowhere", streets=STREETS)
    with pytest.raises(InvalidInput, match=r"^level: unknown level 'IV'"):
        parse_period(None, None, Z, default_year=2026, level="IV", levels=LEVELS)
