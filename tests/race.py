"""Two real processes racing contradictory actions on the same incidents (SPEC, record keeping).

`race(url, pairs)` starts two worker processes on one database; for every pair both wait at a
barrier and then take their action at once. Each worker reports, per pair, `"ok"` or the error
code it was answered with. `check_consistent` then reads every incident back and asserts that at
most one of each pair applied and that the state agrees with the timeline.
"""

from __future__ import annotations

import multiprocessing
from datetime import datetime
from typing import Any

from loguru import logger

from engine.clock import ManualClock
from engine.errors import FanganError
from engine.plan import load_plan
from engine.service import IncidentService, load_workflow

WORKFLOW_REF = "workflows.housing_safety:WORKFLOW"
Job = tuple[int, str, str, dict[str, Any]]  # incident, action, actor, data
Pair = tuple[Job, Job]
REPORT = {
    "address": "鹦鹉街3栋",
    "street": "yingwu",
    "condition": "hidden_danger",
    "discovered_at": "2026-03-02T08:50:00+08:00",
}

# The event each contested action writes, and the state it leads to.
EFFECT = {
    "activate": ("activated", "active"),
    "dismiss": ("dismissed", "dismissed"),
    "propose_termination": ("propose_termination", "termination_proposed"),
}


def new_service(url: str, now: datetime) -> IncidentService:
    return IncidentService(url, load_plan(), load_workflow(WORKFLOW_REF), clock=ManualClock(now))


def _worker(side: int, url: str, now: str, jobs: list[Job], barrier: Any, out: Any) -> None:
    logger.remove()  # the parent reports; 200 log lines per run help nobody
    service = new_service(url, datetime.fromisoformat(now))
    results: list[str] = []
    for incident_id, action, actor, data in jobs:
        barrier.wait(timeout=120)
        try:
            service.act(incident_id, action, actor=actor, data=data)
            results.append("ok")
        except FanganError as exc:
            results.append(exc.code)
        except Exception as exc:  # reported, not raised: the parent asserts on it
            results.append(f"internal: {type(exc).__name__}: {exc}")
    service.db.dispose()
    out.put((side, results))


def race(url: str, now: datetime, pairs: list[Pair]) -> list[tuple[str, str]]:
    """Run each pair's two jobs at once in two processes; the outcomes, pair by pair."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    out = ctx.Queue()
    sides = [[pair[0] for pair in pairs], [pair[1] for pair in pairs]]
    procs = [
        ctx.Process(target=_worker, args=(side, url, now.isoformat(), jobs, barrier, out))
        for side, jobs in enumerate(sides)
    ]
    for proc in procs:
        proc.start()
    got = dict(out.get(timeout=600) for _ in procs)
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0, proc.exitcode
    return list(zip(got[0], got[1], strict=True))


def check_consistent(
    service: IncidentService, pairs: list[Pair], outcomes: list[tuple[str, str]]
) -> tuple[int, list[str]]:
    """The pairs where both actions were accepted, and every incident whose end state does not
    agree with its answers or its timeline (both must come out empty)."""
    both, problems = 0, []
    for pair, outcome in zip(pairs, outcomes, strict=True):
        incident_id = pair[0][0]
        accepted = [job[1] for job, got in zip(pair, outcome, strict=True) if got == "ok"]
        both += len(accepted) == 2
        view = service.show(incident_id)
        kinds = [event["kind"] for event in view["timeline"]]
        applied = [
            action
            for action in dict.fromkeys(job[1] for job in pair)
            for _ in range(kinds.count(EFFECT[action][0]))
        ]
        stopped = [d["code"] for d in view["deadlines"] if d["stopped_at"] is not None]
        open_ = [
            d["code"] for d in view["deadlines"] if d["stopped_at"] is None and d["met_at"] is None
        ]
        if any(got not in ("ok", "invalid_state", "conflict") for got in outcome):
            problems.append(f"{incident_id}: answered {outcome}")
        if not accepted or sorted(applied) != sorted(accepted):
            problems.append(f"{incident_id}: accepted {accepted}, timeline shows {applied}")
        elif len(applied) == 1 and view["state"] != EFFECT[applied[0]][1]:
            problems.append(f"{incident_id}: {applied[0]} applied, state {view['state']}")
        if open_ if view["state"] == "dismissed" else stopped:
            problems.append(
                f"{incident_id}: {view['state']} with deadlines stopped {stopped}, open {open_}"
            )
    return both, problems


def contradictory_pairs(service: IncidentService, count: int) -> list[Pair]:
    """`count` fresh incidents raced as activate vs dismiss, and `count` in danger_eliminated
    raced as a double propose_termination."""
    pairs: list[Pair] = []
    for _ in range(count):
        incident = service.report(REPORT)["id"]
        pairs.append(
            (
                (incident, "activate", "district_hq", {}),
                (incident, "dismiss", "district_housing_bureau", {"reason": "误报"}),
            )
        )
    for _ in range(count):
        incident = service.report(REPORT)["id"]
        service.act(incident, "activate", actor="district_hq")
        service.act(
            incident,
            "eliminate_danger",
            actor="district_housing_bureau",
            data={"experts": ["王工"], "appraisers": ["李工"]},
        )
        propose = (incident, "propose_termination", "district_housing_bureau", {})
        pairs.append((propose, propose))
    return pairs


def race_contradictory(
    service: IncidentService, now: datetime, count: int
) -> tuple[int, list[str]]:
    """Race `count` pairs of each kind through two processes on the service's database; the
    pairs both accepted and the inconsistent incidents (see `check_consistent`)."""
    pairs = contradictory_pairs(service, count)
    outcomes = race(service.db.url.render_as_string(hide_password=False), now, pairs)
    return check_consistent(service, pairs, outcomes)
