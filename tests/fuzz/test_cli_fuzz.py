"""hypothesis over the CLI contract (SPEC §5): report, act, classify and tick with generated
input, in-process through `main.main`. Never an internal error; every refusal is exit 2
with the JSON error shape as the last stderr line and leaves the database byte-identical."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.support import EXAMPLES

NOW = "2026-03-02T09:30:00+08:00"
ACTORS = ["district_housing_bureau", "district_hq", "duty_officer", "street_office", "nobody"]
ACTIONS = [
    "verify",
    "activate",
    "record_report",
    "acknowledge",
    "use_emergency_power",
    "draft_statement",
    "open_obligation",
    "settle_obligation",
    "dismiss",
    "levitate",
]
FIELDS = [
    "address",
    "street",
    "condition",
    "discovered_at",
    "reported_at",
    "drill",
    "dead",
    "missing",
    "injured",
    "economic_loss_yuan",
    "people_at_risk",
    "reporter",
    "description",
    "to",
    "detail",
    "measure",
    "text",
    "statement",
    "obligation",
    "at",
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "yingwu",
            "imminent_collapse",
            "2026-03-02T08:40:00+08:00",
            "0001-01-01T00:00Z",
            "9999-12-31T23:59:59-14:00",
            "1",
            "on",
            "\x00",
            "x" * 5000,
            "city_housing_bureau",
        ]
    )
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
objects = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), values, max_size=8)
# JSON text: mostly objects, sometimes not JSON at all, or nested far too deep.
json_text = (
    objects.map(json.dumps) | st.text(max_size=50) | st.integers(1, 100_000).map(lambda n: "[" * n)
)
instants = st.sampled_from(
    [
        "2026-03-02T09:00:00+08:00",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59Z",
        "2026-03-02T09:00",
        "soon",
        "",
        "2199-12-31T23:59:59+08:00",
        "1900-01-01T00:00:00-12:00",
    ]
)
ids = st.integers(-2, 2**70) | st.sampled_from([1]) | st.text(max_size=6)

commands = st.one_of(
    st.tuples(st.just(("classify",)), json_text),
    st.tuples(st.just(("incident", "report")), json_text),
    st.builds(
        lambda iid, action, actor, data, at: (
            (
                "incident",
                "act",
                str(iid),
                action,
                "--actor",
                actor,
                *(("--data", data) if data is not None else ()),
                *(("--at", at) if at is not None else ()),
            ),
            None,
        ),
        ids,
        st.sampled_from(ACTIONS),
        st.sampled_from(ACTORS),
        st.none() | json_text,
        st.none() | instants,
    ),
    st.builds(lambda until: (("tick", "--until", until), None), instants),
)

REFUSALS = {
    "invalid_input",
    "not_found",
    "forbidden",
    "invalid_state",
    "precondition_failed",
    "conflict",
    "usage",
}


@pytest.fixture
def seeded(cli_main: Any, migrated_db: Path) -> Any:
    """A database with one incident, as the CLI itself reported it."""
    shutil.copyfile(migrated_db, cli_main.db_url.removeprefix("sqlite:///"))
    code, _, err = cli_main(
        "incident",
        "report",
        now=NOW,
        stdin={
            "address": "鹦鹉街3栋",
            "street": "yingwu",
            "condition": "imminent_collapse",
            "discovered_at": "2026-03-02T08:40:00+08:00",
        },
    )
    assert code == 0, err
    return cli_main


def test_cli_contract_under_fuzzing(seeded: Any, db_digest: Callable[[str], str]) -> None:
    counts = {"ran": 0, "refused": 0}

    @settings(max_examples=EXAMPLES * 5)  # in-process commands are cheap
    @given(commands)
    def run(command: tuple[tuple[str, ...], str | None]) -> None:
        argv, stdin = command
        before = db_digest(seeded.db_url)
        code, out, err = seeded(*argv, stdin=stdin, now=NOW)
        counts["ran"] += 1
        assert code in (0, 2), f"{argv}: exit {code}\n{err}"
        if code == 2:
            counts["refused"] += 1
            assert out is None, argv
            error = seeded.error(err)
            assert error["error"] in REFUSALS and error["message"], (argv, error)
            assert db_digest(seeded.db_url) == before, f"{argv} was refused but changed data"

    run()
    print(f"CLI fuzz: {counts['ran']} commands, {counts['refused']} refused")
    assert counts["refused"] > 0


def test_real_processes_keep_the_contract(
    cli: Any, migrated_db: Path, db_digest: Callable[[str], str]
) -> None:
    """A handful of real `main.py` processes (each costs seconds here) with the worst inputs."""
    shutil.copyfile(migrated_db, cli.db_url.removeprefix("sqlite:///"))
    assert cli("incident", "list", now=NOW)[0] == 0  # the first open stores a generated key
    before = db_digest(cli.db_url)
    results = cli.many(
        [
            (("incident", "report"), {"stdin": "{" * 100_000, "now": NOW}),
            (("incident", "act", str(2**64), "verify", "--actor", "district_hq"), {"now": NOW}),
            (("tick", "--until", "9999-12-31T23:59:59Z"), {"now": NOW}),
            (
                ("classify",),
                {"stdin": json.dumps({"condition": "imminent_collapse", "dead": "1"}), "now": NOW},
            ),
        ]
    )
    for code, out, err in results:
        assert (code, out) == (2, None), err
        assert cli.error(err)["error"] in REFUSALS
    assert db_digest(cli.db_url) == before
