"""Start-up after an outage (issue 9): the server answers /health while the first catch-up is
still running, and every reminder owed during the outage still fires exactly once, in order.

The catch-up is held on an event (not slowed by a sleep), so the test shows the order of things,
not a timing: the lifespan no longer waits for the catch-up.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from engine.clock import ManualClock
from engine.service import IncidentService
from engine.settings import Settings
from engine.timers import Fired
from web.app import create_app
from web.auth import WebSettings

from .conftest import DISCOVERED, new_report

INCIDENTS = 12


def test_health_answers_before_the_first_catch_up_ends_and_each_owed_alert_fires_once(
    service: IncidentService, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [
        service.report(new_report(discovered_at=(DISCOVERED - timedelta(minutes=i)).isoformat()))[
            "id"
        ]
        for i in range(INCIDENTS)
    ]
    clock.set(DISCOVERED + timedelta(hours=1, minutes=25))  # every initial report overdue
    release, first_done = threading.Event(), threading.Event()
    ticks: list[list[Fired]] = []
    real_tick = service.tick

    def held_tick() -> list[Fired]:
        assert release.wait(timeout=30), "the test never released the catch-up"
        fired = real_tick()
        ticks.append(fired)
        first_done.set()
        return fired

    monkeypatch.setattr(service, "tick", held_tick)
    settings = Settings(db_url=str(service.db.url), resync_seconds=3600, deliver_seconds=3600)
    app = create_app(service, settings, WebSettings())
    with TestClient(app) as client:  # the lifespan has started the scheduler
        health = client.get("/health")
        assert health.status_code == 200, health.text
        assert health.json()["healthy"] is True
        assert health.json()["catching_up"] is True
        assert ticks == []  # answered while the catch-up was still held
        release.set()
        assert first_done.wait(timeout=30)
    # The lifespan's end waited for the running wake; nothing more is owed now.
    fired = [alert for tick in ticks for alert in tick]
    assert sorted(Counter(a.incident_id for a in fired).items()) == [(i, 1) for i in ids]
    assert fired == sorted(fired, key=lambda a: (a.at, a.incident_id, a.deadline))
    assert real_tick() == []
    for incident_id in ids:
        timeline = service.show(incident_id)["timeline"]
        assert sum(e["kind"].startswith("alert_") for e in timeline) == 1
