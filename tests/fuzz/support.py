"""Shared by the fuzz suite (issue 14): the API app in-process with a user and a bearer token,
and a derandomized hypothesis profile (loaded by conftest.py) so that CI runs the same examples
every time.

FANGAN_FUZZ_EXAMPLES raises the examples per test for a longer local run (default 15).
"""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from fastapi import FastAPI
from hypothesis import HealthCheck, settings

from engine.clock import ManualClock
from engine.plan import load_plan
from engine.service import IncidentService, load_workflow
from engine.settings import Settings
from web import accounts as accounts_module
from web.app import create_app
from web.auth import WebSettings

WORKFLOW = "workflows.housing_safety:WORKFLOW"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
EXAMPLES = int(os.environ.get("FANGAN_FUZZ_EXAMPLES", "15"))
settings.register_profile(
    "fuzz",
    derandomize=True,
    deadline=None,
    max_examples=EXAMPLES,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


def build_app(db_url: str) -> tuple[FastAPI, str]:
    """The app on a database (no scheduler), with an administrator of 区指挥部 and a bearer
    token of theirs; argon2 at its cheapest (the algorithm, not its cost, is exercised)."""
    accounts_module._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    service = IncidentService(db_url, load_plan(), load_workflow(WORKFLOW), clock=ManualClock(T0))
    app = create_app(
        service,
        Settings(db_url=db_url),
        WebSettings(secret_key="fuzz-secret-key"),
        run_scheduler=False,
    )
    accounts = app.state.accounts
    user = accounts.create_user(
        "fuzzer", "模糊测试", "district_hq", "correct horse 1", is_admin=True
    )
    assert user.id is not None
    return app, accounts.issue_token(user.id, "fuzz")[1]
