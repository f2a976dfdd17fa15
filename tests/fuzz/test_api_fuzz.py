"""schemathesis over the app's own /openapi.json, in-process: every route, with cases that fit
the schema and cases that break it. No answer may be a 5xx, and every answer must be what the
schema documents (status, content type, body).

The app and its database are made once, when this module loads (schemathesis needs the schema
to build the tests); an incident is reported first so that routes on incident 1 reach the
engine.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.support import EXAMPLES, build_app

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

APP, TOKEN = build_app(f"sqlite:///{Path(tempfile.mkdtemp(prefix='fangan-fuzz-')) / 'f.db'}")
AUTH = {"Authorization": f"Bearer {TOKEN}"}
with TestClient(APP) as _client:
    assert (
        _client.post(
            "/api/incidents",
            headers=AUTH,
            json={
                "address": "鹦鹉街3栋",
                "street": "yingwu",
                "condition": "imminent_collapse",
                "discovered_at": "2026-03-02T08:40:00+08:00",
            },
        ).status_code
        == 201
    )

# /health answers 503 by design while no scheduler runs (none does here): its own tests cover it.
schema = schemathesis.openapi.from_asgi("/openapi.json", APP).exclude(path="/health")
schema.config.generation.update(
    modes=["positive", "negative"], max_examples=EXAMPLES, deterministic=True
)


@schema.parametrize()
def test_api(case: Any) -> None:
    case.call_and_validate(headers=AUTH, checks=CHECKS)
